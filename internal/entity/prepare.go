package entity

import (
	"encoding/json"
	"fmt"
	"slices"

	"doorsync/access"
	"doorsync/store"
)

// Prepare decodes and validates body as entity id of kind, exactly as a PUT
// of it is (a bad body is an *Invalid naming every bad field), and returns
// the write that stores it.
func Prepare(orgID string, kind access.Kind, id string, body []byte) (store.EntityWrite, error) {
	k, b, err := decodeAs(kind, body)
	if err != nil {
		return store.EntityWrite{}, err
	}
	return Validate(orgID, k, id, b)
}

// PrepareSourced is Prepare for an entity a platform holds: the write
// records source and sourceID, and the operator-owned fields are not the
// record's to set (internal/write keeps the stored ones), so their errors
// do not refuse it; a location from a platform needs no Salto KS site.
func PrepareSourced(orgID string, kind access.Kind, id string, body []byte, source, sourceID string) (store.EntityWrite, error) {
	k, b, err := decodeAs(kind, body)
	if err != nil {
		return store.EntityWrite{}, err
	}
	w, err := validate(orgID, k, id, b, ownedFields[kind])
	w.Source, w.SourceID = source, sourceID
	return w, err
}

// decodeAs decodes body as a body of kind.
func decodeAs(kind access.Kind, body []byte) (*Kind, Body, error) {
	k := ByKind(kind)
	if k == nil {
		return nil, nil, invalid("kind", fmt.Sprintf("%q is not a kind of space entity", kind))
	}
	b, err := k.decode(body)
	return k, b, err
}

// Validate validates a decoded body as entity id of kind k and returns the
// write that stores it: the one validation of PUT, the import and Prepare.
func Validate(orgID string, k *Kind, id string, body Body) (store.EntityWrite, error) {
	return validate(orgID, k, id, body, nil)
}

// validate is Validate, leaving out the errors of the fields in skip.
func validate(orgID string, k *Kind, id string, body Body, skip []string) (store.EntityWrite, error) {
	v := &Invalid{}
	m := body.meta()
	if m.ID != "" && m.ID != id {
		v.Add("id", "must match the id in the path")
	}
	value, emails := body.canonical(id, v)
	v.Fields = slices.DeleteFunc(v.Fields, func(f FieldError) bool { return slices.Contains(skip, f.Field) })
	v.Sort()
	if err := v.OrNil(); err != nil {
		return store.EntityWrite{}, err
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return store.EntityWrite{}, fmt.Errorf("entity: encode %s %s: %w", k.Kind, id, err)
	}
	return store.EntityWrite{OrgID: orgID, Kind: k.Kind, ID: id, Body: raw, Version: m.Version, Emails: emails}, nil
}
