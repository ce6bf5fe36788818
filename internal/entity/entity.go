// Package entity is the space entities as the API takes and answers them:
// each kind's body, its validation (every bad field named in an Invalid)
// and its canonical stored form, and the view of a stored entity. The
// API's PUT and import and a platform connector's records (internal/write's
// Record) go through the same code, so a platform's entity is checked
// exactly as a PUT of it would be.
package entity

import (
	"encoding/json"
	"fmt"

	"doorsync/access"
)

// Body is one kind's body as PUT takes it and GET answers it.
type Body interface {
	meta() *Meta
	// canonical validates the body, naming every bad field in v, and
	// returns the engine's value of entity id and the lower-cased e-mails
	// it names (for finding a guest's bookings).
	canonical(id string, v *Invalid) (value any, emails []string)
}

// Meta is what every entity carries besides its own fields. On input, id
// (if sent) must match the path and unresolved is ignored, so what GET
// answers can be PUT back.
type Meta struct {
	ID         string `json:"id"`
	Version    *int64 `json:"version,omitempty"`
	Unresolved []Ref  `json:"unresolved"`
}

func (m *Meta) meta() *Meta { return m }

// Ref is a reference, through field, to an entity; listed as unresolved
// when doorsync does not hold it (yet): it grants nothing until that
// entity arrives.
type Ref struct {
	Field string      `json:"field"`
	Kind  access.Kind `json:"kind"`
	ID    string      `json:"id"`
}

// ref is a reference a body makes; an empty id is no reference.
func ref(field string, kind access.Kind, id string) Ref {
	return Ref{Field: field, Kind: kind, ID: id}
}

// Kind is one kind of space entity: its store kind, its path segment, its
// body and how a stored body reads back.
type Kind struct {
	Kind    access.Kind // as store and engine name it
	Path    string      // path segment: "day-passes"
	newBody func() Body
	// view turns a stored canonical body into the API shape, with the
	// references it makes in field order.
	view func(stored []byte) (Body, []Ref, error)
}

// NewBody returns an empty body of k to decode into.
func (k *Kind) NewBody() Body { return k.newBody() }

// newKind builds a Kind whose stored body is an A and whose API body is a
// B.
func newKind[A any, B any, PB interface {
	*B
	Body
}](kind access.Kind, path string, view func(A) (PB, []Ref)) *Kind {
	return &Kind{
		Kind: kind, Path: path,
		newBody: func() Body { return PB(new(B)) },
		view: func(stored []byte) (Body, []Ref, error) {
			var a A
			if err := json.Unmarshal(stored, &a); err != nil {
				return nil, nil, fmt.Errorf("entity: stored %s: %w", kind, err)
			}
			b, refs := view(a)
			return b, refs, nil
		},
	}
}

// Kinds are every kind of space entity, in the order of API.md.
var Kinds = []*Kind{
	newKind(access.KindLocation, "locations", locationView),
	newKind(access.KindFloor, "floors", floorView),
	newKind(access.KindResource, "resources", resourceView),
	newKind(access.KindPlan, "plans", planView),
	newKind(access.KindTeam, "teams", teamView),
	newKind(access.KindMember, "members", memberView),
	newKind(access.KindMembership, "memberships", membershipView),
	newKind(access.KindBooking, "bookings", bookingView),
	newKind(access.KindDayPass, "day-passes", dayPassView),
}

// ByPath returns the kind whose path segment is path ("day-passes"), or
// nil.
func ByPath(path string) *Kind {
	for _, k := range Kinds {
		if k.Path == path {
			return k
		}
	}
	return nil
}

// ByKind returns the kind kind, or nil for one that is no space entity.
func ByKind(kind access.Kind) *Kind {
	for _, k := range Kinds {
		if k.Kind == kind {
			return k
		}
	}
	return nil
}
