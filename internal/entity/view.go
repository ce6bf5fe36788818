package entity

import (
	"context"

	"doorsync/store"
)

// Missing says which of refs org does not hold (store.Store's
// MissingEntities).
type Missing interface {
	MissingEntities(ctx context.Context, orgID string, refs []store.EntityRef) ([]store.EntityRef, error)
}

// View is a stored entity in its API shape, as GET answers it, with the
// references it makes to entities org does not hold.
func View(ctx context.Context, missing Missing, e store.Entity) (Body, error) {
	k := ByKind(e.Kind)
	if k == nil {
		return nil, invalid("kind", string(e.Kind)+" is not a kind of space entity")
	}
	b, refs, err := k.view(e.Body)
	if err != nil {
		return nil, err
	}
	m := b.meta()
	m.ID, m.Version = e.ID, e.Version
	m.Unresolved, err = unresolved(ctx, missing, e.OrgID, refs)
	return b, err
}

// unresolved returns the references whose entities org does not hold.
func unresolved(ctx context.Context, missing Missing, orgID string, refs []Ref) ([]Ref, error) {
	out := []Ref{}
	var want []store.EntityRef
	for _, r := range refs {
		if r.ID != "" {
			want = append(want, store.EntityRef{Kind: r.Kind, ID: r.ID})
		}
	}
	gone, err := missing.MissingEntities(ctx, orgID, want)
	if err != nil {
		return nil, err
	}
	isGone := make(map[store.EntityRef]bool, len(gone))
	for _, g := range gone {
		isGone[g] = true
	}
	for _, r := range refs {
		if isGone[store.EntityRef{Kind: r.Kind, ID: r.ID}] {
			out = append(out, r)
		}
	}
	return out, nil
}

// Views are the views of es (a page of a list), in order, with one look-up
// of the references none of them resolves rather than one per entity.
func Views(ctx context.Context, missing Missing, orgID string, es []store.Entity) ([]Body, error) {
	bodies, refs := make([]Body, len(es)), make([][]Ref, len(es))
	var all []Ref
	for i, e := range es {
		k := ByKind(e.Kind)
		if k == nil {
			return nil, invalid("kind", string(e.Kind)+" is not a kind of space entity")
		}
		b, rs, err := k.view(e.Body)
		if err != nil {
			return nil, err
		}
		m := b.meta()
		m.ID, m.Version = e.ID, e.Version
		bodies[i], refs[i] = b, rs
		all = append(all, rs...)
	}
	gone, err := unresolved(ctx, missing, orgID, all)
	if err != nil {
		return nil, err
	}
	isGone := make(map[Ref]bool, len(gone))
	for _, g := range gone {
		isGone[g] = true
	}
	for i, b := range bodies {
		m := b.meta()
		m.Unresolved = []Ref{}
		for _, r := range refs[i] {
			if isGone[r] {
				m.Unresolved = append(m.Unresolved, r)
			}
		}
	}
	return bodies, nil
}
