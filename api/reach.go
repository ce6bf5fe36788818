package api

import (
	"context"
	"slices"
	"time"

	"doorsync/access"
	"doorsync/internal/snapshot"
	"doorsync/store"
)

// putLifecycle writes a membership, booking or day pass with its reach:
// the persons whose access it changes now are poked directly, and its
// lifecycle workflow is started only when its access changes later.
func (h *handlers) putLifecycle(ctx context.Context, w store.EntityWrite) (store.WriteResult, error) {
	now := h.now()
	w.Plan = func(ctx context.Context, tx *store.Store, stored *store.Entity) (store.Reach, error) {
		var reach store.Reach
		if stored != nil {
			before, _, err := reachAt(ctx, tx, *stored, now)
			if err != nil {
				return reach, err
			}
			reach.Persons = before
		}
		after, next, err := reachAt(ctx, tx, store.Entity{OrgID: w.OrgID, Kind: w.Kind, ID: w.ID, Body: w.Body}, now)
		if err != nil {
			return reach, err
		}
		reach.Persons = sortedUnion(reach.Persons, after)
		reach.Scheduled = !next.IsZero()
		return reach, nil
	}
	return h.store.PutEntity(ctx, w)
}

// deleteWithReach deletes an entity; for a membership, booking or day
// pass, the persons it gives access to now are poked directly.
func (h *handlers) deleteWithReach(ctx context.Context, orgID, kind, id string) ([]int64, error) {
	if !lifecycleKinds[kind] {
		return h.store.DeleteEntity(ctx, orgID, kind, id, nil)
	}
	now := h.now()
	return h.store.DeleteEntity(ctx, orgID, kind, id, func(ctx context.Context, tx *store.Store, stored store.Entity) ([]string, error) {
		persons, _, err := reachAt(ctx, tx, stored, now)
		return persons, err
	})
}

// reachAt says whom entity e (as if stored) gives access to at t, and when
// its access next changes after t (zero: never), reading through st.
func reachAt(ctx context.Context, st *store.Store, e store.Entity, t time.Time) ([]string, time.Time, error) {
	s, err := snapshot.Loader{Store: st}.EntityAs(ctx, e)
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
