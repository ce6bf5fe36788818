package entity

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"doorsync/access"
	"doorsync/store"
)

// ownedFields are the fields the operator owns in an entity a platform
// holds: the platform owns every other field, and its writes never change
// these (KeepOwned); the operator sets them with PATCH (Patch). A field's
// name is the same in the API body and the stored one.
var ownedFields = map[access.Kind][]string{
	// Which Salto KS site a location's doors are in is no platform's to
	// know.
	access.KindLocation: {"salto_site_id"},
	// How long before and after a booking its room opens is a door
	// policy; platforms keep booking buffers for scheduling, not doors.
	access.KindResource: {"buffer_before", "buffer_after"},
}

// OwnedFields are kind's operator-owned fields (none for most kinds).
func OwnedFields(kind access.Kind) []string { return ownedFields[kind] }

// KeepOwned returns body with kind's operator-owned fields as stored has
// them (absent where stored is nil or lacks them), whatever body says:
// what a platform write does to them. Both are stored (canonical) bodies.
func KeepOwned(kind access.Kind, stored *store.Entity, body json.RawMessage) (json.RawMessage, error) {
	owned := ownedFields[kind]
	if len(owned) == 0 {
		return body, nil
	}
	var fields, was map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("entity: %s body: %w", kind, err)
	}
	if stored != nil {
		if err := json.Unmarshal(stored.Body, &was); err != nil {
			return nil, fmt.Errorf("entity: stored %s %s: %w", kind, stored.ID, err)
		}
	}
	for _, f := range owned {
		if v, ok := was[f]; ok {
			fields[f] = v
		} else {
			delete(fields, f)
		}
	}
	return json.Marshal(fields)
}

// Patch applies an operator's PATCH of e's operator-owned fields and
// returns the write that stores the result: only those fields may be sent
// (another is an unknown field), each validated as PUT validates it; the
// rest of the entity stays as stored, and the write (without version or
// source) keeps e's.
func Patch(e store.Entity, data []byte) (store.EntityWrite, error) {
	k := ByKind(e.Kind)
	owned := ownedFields[e.Kind]
	if k == nil || len(owned) == 0 {
		return store.EntityWrite{}, fmt.Errorf("entity: %s has no operator-owned fields to patch", e.Kind)
	}
	if err := checkPatch(data, owned); err != nil {
		return store.EntityWrite{}, err
	}
	body, _, err := k.view(e.Body)
	if err != nil {
		return store.EntityWrite{}, err
	}
	// Decoding the patch over the stored entity's API body changes the
	// fields it names and leaves the others as stored.
	if err := json.Unmarshal(data, body); err != nil {
		if v, ok := NamedField(err); ok {
			return store.EntityWrite{}, v
		}
		return store.EntityWrite{}, fmt.Errorf("entity: patch %s %s: %w", e.Kind, e.ID, err)
	}
	w, err := Validate(e.OrgID, k, e.ID, body)
	w.Version = nil
	return w, err
}

// checkPatch refuses a patch that is not one JSON object of owned fields
// with string values.
func checkPatch(data []byte, owned []string) error {
	var fields map[string]json.RawMessage
	if err := Unmarshal(data, &fields); err != nil {
		var v *Invalid
		if errors.As(err, &v) {
			return v
		}
		return invalid("", "the body must be a JSON object")
	}
	v := &Invalid{}
	for name, raw := range fields {
		switch {
		case !slices.Contains(owned, name):
			v.Add(name, "unknown field")
		case len(raw) == 0 || raw[0] != '"':
			v.Add(name, "must be a string")
		}
	}
	v.Sort()
	return v.OrNil()
}
