package access

import (
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"testing"
	"testing/quick"
	"time"
)

// The paths are what the store's SQL is generated from; this pins them so
// a change of the declaration shows up as a change here too.
func TestDependencyPaths(t *testing.T) {
	want := map[Kind][]string{
		KindLocation: {
			"membership.resource_id.location_id->location",
			"membership.resource_id.floor_id.location_id->location",
			"booking.resource_id.location_id->location",
			"day_pass.location_id->location",
		},
		KindFloor:    {"membership.resource_id.floor_id->floor"},
		KindResource: {"membership.resource_id->resource", "booking.resource_id->resource"},
		KindPlan:     {"membership.plan_id->plan"},
		KindTeam:     {"membership.team_id->team", "day_pass.team_id->team"},
	}
	for _, k := range allKinds() {
		var got []string
		for _, p := range DependencyPaths(k) {
			got = append(got, p.String())
			for i := 1; i < len(p); i++ {
				if p[i-1].To != p[i].From {
					t.Errorf("path %s is broken at %d", p, i)
				}
			}
		}
		if !slices.Equal(got, want[k]) {
			t.Errorf("DependencyPaths(%s) = %q, want %q", k, got, want[k])
		}
	}
	if got := LifecycleReferrers(KindTeam); !slices.Equal(got, []Kind{KindMembership, KindDayPass}) {
		t.Errorf("LifecycleReferrers(team) = %q", got)
	}
	if got := LifecycleReferrers(KindResource); !slices.Equal(got, []Kind{KindMembership, KindBooking}) {
		t.Errorf("LifecycleReferrers(resource) = %q", got)
	}
	if got := LifecycleReferrers(KindMember); !slices.Equal(got, LifecycleKinds) {
		t.Errorf("LifecycleReferrers(member) = %q", got)
	}
}

// Every declared reference is a string field of its kind's engine struct
// with the declared JSON name, between space kinds.
func TestReferencesAreEngineFields(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range References() {
		if !slices.Contains(SpaceKinds, r.From) || !slices.Contains(SpaceKinds, r.To) {
			t.Errorf("%s: not between space kinds", r)
		}
		if seen[string(r.From)+"."+r.Field] {
			t.Errorf("%s: declared twice", r)
		}
		seen[string(r.From)+"."+r.Field] = true
		for _, k := range r.ReadBy {
			if !k.Lifecycle() {
				t.Errorf("%s: read by %s, which is no lifecycle kind", r, k)
			}
		}
		var s Snapshot
		typ := s.entityMap(r.From).Type().Elem()
		if f := typ.Field(referenceFields[fieldOf{r.From, r.Field}]); f.Type.Kind() != reflect.String {
			t.Errorf("%s: field %s is not a string", r, f.Name)
		}
	}
}

// The references the engine resolves are exactly the declared ones: over
// random orgs (whose references dangle often), the fields Evaluate reports
// unresolved are the declaration's, every one of them.
func TestEngineResolvesTheDeclaredReferences(t *testing.T) {
	declared := map[string]bool{}
	for _, r := range References() {
		declared[string(r.From)+"."+r.Field] = true
	}
	reported := map[string]bool{}
	r := rand.New(rand.NewSource(1))
	for range 200 {
		for _, u := range Evaluate(orgGen{r: r}.snapshot()).Unresolved {
			reported[string(u.Entity)+"."+u.Field] = true
		}
	}
	for f := range reported {
		if !declared[f] {
			t.Errorf("the engine resolves %s, which the declaration lacks", f)
		}
	}
	for f := range declared {
		if !reported[f] {
			t.Errorf("the declaration has %s, which the engine never resolves", f)
		}
	}
}

// A change of a location, floor, resource, plan or team (its references,
// its other fields, its mappings, or its deletion) changes the grants of
// no lifecycle entity that Dependents does not name.
func TestPropertyDependentsCoverEveryGrantChange(t *testing.T) {
	prop := func(o randomOrg) bool {
		before := grantsBySource(Grants(o.S))
		for _, ch := range configChanges(o.S) {
			named := map[EntityRef]bool{}
			for _, s := range []Snapshot{o.S, ch.after} {
				for _, d := range Dependents(s, ch.kind, ch.id) {
					named[d] = true
				}
			}
			after := grantsBySource(Grants(ch.after))
			for _, src := range lifecycleRefs(o.S, ch.after) {
				if !slices.Equal(before[src], after[src]) && !named[src] {
					t.Logf("%s changed the grants of %v, which Dependents(%s %s) does not name:\n%q\n%q",
						ch.what, src, ch.kind, ch.id, before[src], after[src])
					return false
				}
			}
		}
		return true
	}
	// each org is changed about a hundred ways; fewer orgs than the other
	// properties keep it near half a second
	if err := quick.Check(prop, &quick.Config{MaxCount: 100}); err != nil {
		t.Error(err)
	}
}

// grantsBySource renders grants by the lifecycle entity they come from.
func grantsBySource(grants []Grant) map[EntityRef][]string {
	out := map[EntityRef][]string{}
	for _, g := range grants {
		src := EntityRef{g.Reason.Kind, g.Reason.ID}
		out[src] = append(out[src], fmt.Sprintf("%+v", g))
	}
	return out
}

// lifecycleRefs lists the lifecycle entities of the snapshots.
func lifecycleRefs(snaps ...Snapshot) []EntityRef {
	var out []EntityRef
	for _, s := range snaps {
		for _, k := range LifecycleKinds {
			for _, id := range sortedKeys(s.entityMap(k)) {
				out = append(out, EntityRef{k, id})
			}
		}
	}
	slices.SortFunc(out, func(a, b EntityRef) int {
		return cmpRefs(a, b)
	})
	return slices.Compact(out)
}

func cmpRefs(a, b EntityRef) int {
	if a.Kind != b.Kind {
		return kindOrder(a.Kind) - kindOrder(b.Kind)
	}
	switch {
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}

// configChange is a change of entity (kind, id), or of a mapping the
// store pokes as its change.
type configChange struct {
	kind  Kind
	id    string
	what  string
	after Snapshot
}

// configChanges are the changes of every dependency entity of s: its
// deletion, each declared reference set to each id of its kind (and to ""
// and a dangling id), the other fields the engine reads, and the removal
// of its mappings.
func configChanges(s Snapshot) []configChange {
	var out []configChange
	add := func(kind Kind, id, what string, change func(*Snapshot)) {
		out = append(out, configChange{kind, id, fmt.Sprintf("%s %s: %s", kind, id, what), with(s, change)})
	}
	for _, kind := range SpaceKinds {
		if len(DependencyPaths(kind)) == 0 {
			continue
		}
		for _, id := range sortedKeys(s.entityMap(kind)) {
			add(kind, id, "deleted", func(c *Snapshot) { c.entityMap(kind).SetMapIndex(reflect.ValueOf(id), reflect.Value{}) })
			for _, r := range ReferencesOf(kind) {
				for _, to := range append([]string{"", "missing"}, sortedKeys(s.entityMap(r.To))...) {
					add(kind, id, r.Field+" = "+to, func(c *Snapshot) { setField(c, kind, id, r.Field, to) })
				}
			}
		}
	}
	for id := range s.Locations {
		for _, site := range genSites {
			add(KindLocation, id, "site "+site, func(c *Snapshot) { l := c.Locations[id]; l.SaltoSiteID = site; c.Locations[id] = l })
		}
		for _, zone := range genZones {
			add(KindLocation, id, "zone "+zone, func(c *Snapshot) { l := c.Locations[id]; l.TimeZone = zone; c.Locations[id] = l })
		}
	}
	for id := range s.Resources {
		for _, kind := range []string{ResourceAssignable, ResourceBookable, "odd"} {
			add(KindResource, id, "kind "+kind, func(c *Snapshot) { r := c.Resources[id]; r.Kind = kind; c.Resources[id] = r })
		}
		add(KindResource, id, "buffers", func(c *Snapshot) {
			r := c.Resources[id]
			r.BufferBefore, r.BufferAfter = dur(time.Hour), nil
			c.Resources[id] = r
		})
	}
	mappings := []struct {
		kind Kind
		of   func(*Snapshot) map[string][]GroupRef
	}{
		{KindPlan, func(s *Snapshot) map[string][]GroupRef { return s.Mappings.Plans }},
		{KindLocation, func(s *Snapshot) map[string][]GroupRef { return s.Mappings.Locations }},
		{KindFloor, func(s *Snapshot) map[string][]GroupRef { return s.Mappings.Floors }},
		{KindResource, func(s *Snapshot) map[string][]GroupRef { return s.Mappings.Resources }},
		{KindLocation, func(s *Snapshot) map[string][]GroupRef { return s.Mappings.DayPasses }}, // AllLocations too
	}
	for i, m := range mappings {
		for id := range m.of(&s) {
			add(m.kind, id, fmt.Sprint("mapping ", i, " removed"), func(c *Snapshot) { delete(m.of(c), id) })
			add(m.kind, id, fmt.Sprint("mapping ", i, " changed"), func(c *Snapshot) { m.of(c)[id] = []GroupRef{{"s1", "new"}} })
		}
	}
	return out
}

// setField sets a string field of entity (kind, id) of c, by JSON name.
func setField(c *Snapshot, kind Kind, id, field, value string) {
	m := c.entityMap(kind)
	v := reflect.New(m.Type().Elem()).Elem()
	v.Set(m.MapIndex(reflect.ValueOf(id)))
	v.Field(referenceFields[fieldOf{kind, field}]).SetString(value)
	m.SetMapIndex(reflect.ValueOf(id), v)
}

// Dependents names what the declaration says on the busy fixture.
func TestDependents(t *testing.T) {
	s := busy()
	tests := []struct {
		kind Kind
		id   string
		want string
	}{
		{KindPlan, "office", "[{membership desk} {membership globex}]"},
		{KindResource, "room-1", "[{booking b1}]"},
		{KindResource, "desk-1", "[{membership desk}]"},
		{KindFloor, "lon-1", "[{membership desk}]"}, // not booking b1: its room is on lon-1, but bookings ignore floors
		{KindLocation, "lon", "[{membership desk} {booking b1} {day_pass dp1}]"},
		{KindLocation, AllLocations, "[{day_pass dp1} {day_pass dp2}]"},
		{KindTeam, "acme", "[{membership team} {day_pass dp1}]"},
		{KindMember, "m1", "[]"},
		{KindMembership, "desk", "[{membership desk}]"},
		{KindMembership, "nope", "[]"},
		{KindOrg, "org1", "[{membership desk} {membership globex} {membership team} {booking b1} {booking b2} {day_pass dp1} {day_pass dp2}]"},
	}
	for _, tt := range tests {
		got := Dependents(s, tt.kind, tt.id)
		if fmt.Sprint(got) != tt.want && !(tt.want == "[]" && len(got) == 0) {
			t.Errorf("Dependents(%s %s) = %v, want %s", tt.kind, tt.id, got, tt.want)
		}
	}
}

// GrantsForPerson's typed choice of a member's sources (reach.sources) is
// the one the declaration's holder references give: a source reaches a
// member when one of its references to a member names one the member's
// reach holds or, naming no member, one of its references to a team
// names one of the reach's teams.
func TestPropertyReachFollowsTheDeclaration(t *testing.T) {
	prop := func(o randomOrg) bool {
		s := o.S
		e := newEvaluator(&s, nil)
		for _, m := range sortedKeys(s.entityMap(KindMember)) {
			r := e.reachOf(m)
			got := r.sources(&s)
			for _, k := range LifecycleKinds {
				var want []string
				for it := s.entityMap(k).MapRange(); it.Next(); {
					if reachesByDeclaration(r, k, it.Value()) {
						want = append(want, it.Key().String())
					}
				}
				slices.Sort(want)
				if !slices.Equal(got[k], want) {
					t.Logf("member %s: reach.sources gives %s %q, the declaration %q", m, k, got[k], want)
					return false
				}
			}
		}
		return true
	}
	if err := quick.Check(prop, quickConfig); err != nil {
		t.Error(err)
	}
}

// reachesByDeclaration reports whether a source entity of kind k reaches r
// by k's declared references to members and teams.
func reachesByDeclaration(r reach, k Kind, entity reflect.Value) bool {
	named := false
	for _, ref := range ReferencesOf(k) {
		if ref.To != personKind {
			continue
		}
		if id := entity.Field(referenceFields[fieldOf{k, ref.Field}]).String(); id != "" {
			if r.members[id] {
				return true
			}
			named = true
		}
	}
	if named {
		return false
	}
	for _, ref := range ReferencesOf(k) {
		if ref.To == KindTeam && r.teams[entity.Field(referenceFields[fieldOf{k, ref.Field}]).String()] {
			return true
		}
	}
	return false
}
