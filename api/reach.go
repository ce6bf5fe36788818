package api

import (
	"context"
	"errors"
	"slices"
	"time"

	"doorsync/access"
	"doorsync/internal/snapshot"
	"doorsync/store"
)

// planReachAttempts bounds how often a write works its reach out again
// when the entity changed under it (concurrent writes of one entity).
const planReachAttempts = 5

// putLifecycle writes a membership, booking or day pass with its reach:
// the persons whose access it changes now are poked directly, and its
// lifecycle workflow is started only when its access changes later.
func (h *handlers) putLifecycle(ctx context.Context, w store.EntityWrite) (store.WriteResult, error) {
	for attempt := 1; ; attempt++ {
		reach, err := h.planReach(ctx, w)
		if err != nil {
			return store.WriteResult{}, err
		}
		w.Reach = reach
		res, err := h.store.PutEntity(ctx, w)
		if errors.Is(err, store.ErrReachStale) && attempt < planReachAttempts {
			continue
		}
		return res, err
	}
}

// deleteWithReach deletes an entity; for a membership, booking or day
// pass, the persons it gives access to now are poked directly.
func (h *handlers) deleteWithReach(ctx context.Context, orgID, kind, id string) ([]int64, error) {
	for attempt := 1; ; attempt++ {
		stored, err := h.store.GetEntity(ctx, orgID, kind, id)
		if err != nil {
			return nil, err
		}
		var reach *store.Reach
		if lifecycleKinds[kind] {
			reach = &store.Reach{Basis: stored.Body}
			if reach.Persons, _, err = h.reachAt(ctx, stored, h.now()); err != nil {
				return nil, err
			}
		}
		ids, err := h.store.DeleteEntity(ctx, orgID, kind, id, reach)
		if errors.Is(err, store.ErrReachStale) && attempt < planReachAttempts {
			continue
		}
		return ids, err
	}
}

// planReach works out how writing w reaches people, against the entity
// stored now: the persons given access now before or after the write,
// and whether anything changes later.
func (h *handlers) planReach(ctx context.Context, w store.EntityWrite) (*store.Reach, error) {
	now := h.now()
	stored, err := h.store.GetEntity(ctx, w.OrgID, w.Kind, w.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	reach := &store.Reach{}
	if err == nil {
		reach.Basis = stored.Body
		if reach.Persons, _, err = h.reachAt(ctx, stored, now); err != nil {
			return nil, err
		}
	}
	after, next, err := h.reachAt(ctx, store.Entity{OrgID: w.OrgID, Kind: w.Kind, ID: w.ID, Body: w.Body}, now)
	if err != nil {
		return nil, err
	}
	reach.Persons = sortedUnion(reach.Persons, after)
	reach.Scheduled = !next.IsZero()
	return reach, nil
}

// reachAt says whom entity e (as if stored) gives access to at t, and when
// its access next changes after t (zero: never).
func (h *handlers) reachAt(ctx context.Context, e store.Entity, t time.Time) ([]string, time.Time, error) {
	s, err := snapshot.Loader{Store: h.store}.EntityAs(ctx, e)
	if err != nil {
		return nil, time.Time{}, err
	}
	grants := access.GrantsForEntity(s, e.Kind, e.ID)
	var persons []string
	for _, p := range access.ActiveAt(grants, t).Persons() {
		persons = append(persons, p.Key())
	}
	return persons, access.NextChange(grants, t), nil
}

// sortedUnion is the sorted, duplicate-free union of a and b.
func sortedUnion(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}
