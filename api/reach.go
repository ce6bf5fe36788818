package api

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"doorsync/access"
	"doorsync/internal/snapshot"
	"doorsync/store"
)

// putLifecycle writes a membership, booking or day pass with its reach:
// the persons whose access it changes now are poked directly, and its
// lifecycle workflow (the keeper of its time) is started only when its
// access changes later.
func (h *handlers) putLifecycle(ctx context.Context, w store.EntityWrite) (store.WriteResult, error) {
	now := h.now()
	w.FindReach = func(ctx context.Context, tx *store.Store, stored *store.Entity) (store.Reach, error) {
		reach := store.Reach{At: now}
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
// pass, the persons it gives access to now are poked directly (a lifecycle
// run still there finds it gone at its alarm and ends).
func (h *handlers) deleteWithReach(ctx context.Context, orgID string, kind access.Kind, id string) ([]int64, error) {
	if !kind.Lifecycle() {
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

// findSettingsReach works out how a change of the org's settings reaches its
// memberships, bookings and day passes, evaluated at now. Only the
// settings the engine reads matter: the booking buffers move booking
// windows, and the time zone moves the local days of date-only values
// where the location has no time zone of its own. An entity is reached
// when its windows from now on differ: the persons whose access differs now
// are poked directly, and its lifecycle workflow, if it has a change ahead,
// re-arms its alarm.
func (h *handlers) findSettingsReach(now time.Time) func(context.Context, *store.Store, store.Org, store.Org) ([]store.EntityReach, error) {
	return func(ctx context.Context, tx *store.Store, stored, next store.Org) ([]store.EntityReach, error) {
		before, after := snapshot.EngineOrg(stored), snapshot.EngineOrg(next)
		if engineOrgEqual(before, after) {
			return nil, nil
		}
		s, err := snapshot.Loader{Store: tx}.Org(ctx, next.ID)
		if err != nil {
			return nil, err
		}
		s.Org = before
		old := bySource(access.Grants(s))
		s.Org = after
		changed := bySource(access.Grants(s))
		return settingsReach(old, changed, now), nil
	}
}

// engineOrgEqual says whether two orgs' settings give the engine the same
// answers.
func engineOrgEqual(a, b access.Org) bool {
	return a.TimeZone == b.TimeZone && *a.BookingBufferBefore == *b.BookingBufferBefore &&
		*a.BookingBufferAfter == *b.BookingBufferAfter
}

// source names a membership, booking or day pass.
type source struct {
	kind access.Kind
	id   string
}

// bySource groups grants by the entity that grants them.
func bySource(grants []access.Grant) map[source][]access.Grant {
	out := map[source][]access.Grant{}
	for _, g := range grants {
		k := source{g.Reason.Kind, g.Reason.ID}
		out[k] = append(out[k], g)
	}
	return out
}

// settingsReach compares each entity's grants before and after a change
// of settings, at now, and says how the change reaches the entities whose
// windows from now on differ, in kind and id order.
func settingsReach(before, after map[source][]access.Grant, now time.Time) []store.EntityReach {
	var sources []source
	for k := range before {
		sources = append(sources, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			sources = append(sources, k)
		}
	}
	slices.SortFunc(sources, func(a, b source) int { return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.id, b.id)) })
	var out []store.EntityReach
	for _, k := range sources {
		b, a := before[k], after[k]
		if slices.Equal(windowsFrom(b, now), windowsFrom(a, now)) {
			continue
		}
		out = append(out, store.EntityReach{Kind: k.kind, ID: k.id, Reach: store.Reach{
			At:        now,
			Persons:   changedAt(b, a, now),
			Scheduled: !access.NextChange(a, now).IsZero(),
		}})
	}
	return out
}

// windowsFrom describes grants as they stand from t on: the part of each
// window not over by t, sorted.
func windowsFrom(grants []access.Grant, t time.Time) []string {
	var out []string
	for _, g := range grants {
		if g.EndedBy(t) {
			continue
		}
		from := g.From
		if from.Before(t) {
			from = t
		}
		out = append(out, fmt.Sprintf("%s %s/%s %s %s", g.Person.Key(), g.Group.SiteID, g.Group.GroupID,
			from.UTC().Format(time.RFC3339Nano), g.Until.UTC().Format(time.RFC3339Nano)))
	}
	slices.Sort(out)
	return out
}

// changedAt lists, sorted, the persons whose groups from before and after
// differ at t.
func changedAt(before, after []access.Grant, t time.Time) []string {
	b, a := access.ActiveAt(before, t), access.ActiveAt(after, t)
	var persons []string
	for p, groups := range b {
		if !slices.Equal(groups, a[p]) {
			persons = append(persons, p.Key())
		}
	}
	for p := range a {
		if _, ok := b[p]; !ok {
			persons = append(persons, p.Key())
		}
	}
	slices.Sort(persons)
	return persons
}
