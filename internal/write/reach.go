package write

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

// reach is how a change of one membership, booking or day pass reaches
// people, worked out at at: persons, whose access it changes at at, are
// poked directly; its lifecycle workflow, when scheduled (its access
// changes after at), is started with a poke standing for at (delivered up
// to then).
type reach struct {
	at        time.Time
	persons   []string
	scheduled bool
}

// pokes are the pokes of r, for entity kind:id, with reasons saying what
// happened to it.
func (r reach) pokes(kind access.Kind, id, what string) []store.Poke {
	reason := string(kind) + " " + id + " " + what
	var out []store.Poke
	for _, p := range r.persons {
		out = append(out, store.Poke{Kind: store.PokeAccess, Target: p, Reason: reason})
	}
	if r.scheduled {
		out = append(out, store.Poke{Kind: store.PokeLifecycle, Target: store.LifecycleTarget(kind, id), At: r.at, Reason: reason})
	}
	return out
}

// entityReach is the reach of writing next over stored (nil: none) at now:
// whom either gives access at now, and whether next's access changes
// later. It reads through rd, the write's transaction.
func entityReach(ctx context.Context, rd *store.Store, stored *store.Entity, next store.Entity, now time.Time) (reach, error) {
	before, after, err := snapshot.Loader{Store: rd}.Versions(ctx, stored, next)
	if err != nil {
		return reach{}, err
	}
	r := reach{at: now}
	if stored != nil {
		r.persons, _ = reachIn(before, *stored, now)
	}
	persons, ahead := reachIn(after, next, now)
	r.persons = sortedUnion(r.persons, persons)
	r.scheduled = !ahead.IsZero()
	return r, nil
}

// reachAt says whom entity e (as if stored) gives access to at t, and when
// its access next changes after t (zero: never), reading through rd.
func reachAt(ctx context.Context, rd *store.Store, e store.Entity, t time.Time) ([]string, time.Time, error) {
	s, err := snapshot.Loader{Store: rd}.EntityAs(ctx, e)
	if err != nil {
		return nil, time.Time{}, err
	}
	persons, next := reachIn(s, e, t)
	return persons, next, nil
}

// reachIn says whom entity e gives access to at t in s, and when its
// access next changes after t (zero: never).
func reachIn(s access.Snapshot, e store.Entity, t time.Time) ([]string, time.Time) {
	grants := access.GrantsForEntity(s, e.Kind, e.ID)
	var persons []string
	for _, p := range access.ActiveAt(grants, t).Persons() {
		persons = append(persons, p.Key())
	}
	return persons, access.NextChange(grants, t)
}

// sortedUnion is the sorted, duplicate-free union of a and b.
func sortedUnion(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// settingsPokes works out how a change of the org's settings from stored
// to next reaches its memberships, bookings and day passes, evaluated at
// now. Only the settings the engine reads matter: the booking buffers move
// booking windows, and the time zone moves the local days of date-only
// values where the location has no time zone of its own. An entity is
// reached when its windows from now on differ: the persons whose access
// differs now are poked directly (once each), and its lifecycle workflow,
// if it has a change ahead, re-arms its alarm.
func settingsPokes(ctx context.Context, rd *store.Store, stored, next store.Org, now time.Time) ([]store.Poke, error) {
	before, after := snapshot.EngineOrg(stored), snapshot.EngineOrg(next)
	if engineOrgEqual(before, after) {
		return nil, nil
	}
	s, err := snapshot.Loader{Store: rd}.Org(ctx, next.ID)
	if err != nil {
		return nil, err
	}
	s.Org = before
	old := bySource(access.Grants(s))
	s.Org = after
	changed := bySource(access.Grants(s))
	var pokes []store.Poke
	poked := map[string]bool{} // a person's access is recomputed whole: one poke will do
	for _, e := range settingsReach(old, changed, now) {
		for _, p := range e.reach.pokes(e.kind, e.id, "moved with the org settings") {
			if p.Kind == store.PokeAccess {
				if poked[p.Target] {
					continue
				}
				poked[p.Target] = true
			}
			pokes = append(pokes, p)
		}
	}
	return pokes, nil
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

// sourceReach is the reach of a change on one source entity.
type sourceReach struct {
	source
	reach reach
}

// settingsReach compares each entity's grants before and after a change
// of settings, at now, and says how the change reaches the entities whose
// windows from now on differ, in kind and id order.
func settingsReach(before, after map[source][]access.Grant, now time.Time) []sourceReach {
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
	var out []sourceReach
	for _, k := range sources {
		b, a := before[k], after[k]
		if slices.Equal(windowsFrom(b, now), windowsFrom(a, now)) {
			continue
		}
		out = append(out, sourceReach{source: k, reach: reach{
			at:        now,
			persons:   changedAt(b, a, now),
			scheduled: !access.NextChange(a, now).IsZero(),
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
