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

// randomOrg is a small random org for property tests: few ids, so
// references collide, dangle, form teams, co-member chains and cycles; times
// cluster around the 2026 DST changes of London and New York.
type randomOrg struct{ S Snapshot }

// Generate implements quick.Generator.
func (randomOrg) Generate(r *rand.Rand, _ int) reflect.Value {
	g := orgGen{r: r}
	return reflect.ValueOf(randomOrg{S: g.snapshot()})
}

func (o randomOrg) String() string { return fmt.Sprintf("%+v", o.S) }

type orgGen struct{ r *rand.Rand }

var (
	genZones  = []string{"Europe/London", "America/New_York", "UTC", "", "Not/AZone"}
	genDays   = []string{"2026-03-07", "2026-03-28", "2026-10-24", "2026-10-31", "2026-06-15"}
	genEmails = []string{"a@x.io", "A@X.io", "b@x.io", "c@x.io", " c@x.io", ""}
	genGroups = []GroupRef{{"s1", "g1"}, {"s1", "g2"}, {"s2", "g1"}, {"s2", "g3"}}
	genSites  = []string{"s1", "s1", "s2", "s2", ""} // a location's; mappings name groups on both
)

// pick returns one of the options; n extra ids named prefix+i may be used.
func (g orgGen) pick(options ...string) string { return options[g.r.Intn(len(options))] }

func (g orgGen) ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// ref picks "", one of ids, or a dangling id.
func (g orgGen) ref(ids []string) string {
	return g.pick(append([]string{"", "missing"}, ids...)...)
}

// instant is a time within three days of a DST-ish day, on a 15-minute grid.
func (g orgGen) instant() time.Time {
	day, _ := time.Parse(time.DateOnly, g.pick(genDays...))
	return day.Add(time.Duration(g.r.Intn(72*4)) * 15 * time.Minute)
}

// dateOrTime is a date or an instant near the DST days.
func (g orgGen) dateOrTime() DateOrTime {
	t := g.instant()
	if g.r.Intn(2) == 0 {
		return OnDate(t.Date())
	}
	return At(t.In(time.FixedZone("", (g.r.Intn(5)-2)*3600)))
}

func (g orgGen) groups() []GroupRef {
	var out []GroupRef
	for range g.r.Intn(3) {
		out = append(out, genGroups[g.r.Intn(len(genGroups))])
	}
	return out
}

func (g orgGen) buffer() *time.Duration {
	if g.r.Intn(2) == 0 {
		return nil
	}
	return dur(time.Duration(g.r.Intn(5)-1) * 15 * time.Minute)
}

func (g orgGen) snapshot() Snapshot {
	locs, floors, res := g.ids("l", 2), g.ids("f", 2), g.ids("r", 4)
	plans, teams, members := g.ids("p", 2), g.ids("t", 2), g.ids("m", 7)
	s := NewSnapshot(Org{ID: "o", TimeZone: g.pick(genZones...), BookingBufferBefore: g.buffer(), BookingBufferAfter: g.buffer()})
	for _, id := range locs {
		s.Locations[id] = Location{ID: id, TimeZone: g.pick(genZones...), SaltoSiteID: g.pick(genSites...)}
		s.Mappings.Locations[id] = g.groups()
		s.Mappings.DayPasses[id] = g.groups()
	}
	s.Mappings.DayPasses[AllLocations] = g.groups()
	for _, id := range floors {
		s.Floors[id] = Floor{ID: id, LocationID: g.ref(locs)}
		s.Mappings.Floors[id] = g.groups()
	}
	for _, id := range res {
		s.Resources[id] = Resource{ID: id, Kind: g.pick(ResourceAssignable, ResourceAssignable, ResourceBookable, ResourceBookable, "odd"),
			LocationID: g.ref(locs), FloorID: g.ref(floors), BufferBefore: g.buffer(), BufferAfter: g.buffer()}
		s.Mappings.Resources[id] = g.groups()
	}
	for _, id := range plans {
		s.Plans[id] = MembershipPlan{ID: id}
		s.Mappings.Plans[id] = g.groups()
	}
	s.Mappings.Plans["missing"] = g.groups()
	for _, id := range teams {
		s.Teams[id] = Team{ID: id}
	}
	for _, id := range members {
		primary := ""
		if g.r.Intn(3) == 0 {
			primary = g.ref(members)
		}
		s.Members[id] = Member{ID: id, Email: g.pick(genEmails...), TeamID: g.ref(teams), PrimaryMemberID: primary}
	}
	for i := range 6 {
		ms := Membership{PlanID: g.ref(plans), MemberID: g.ref(members), TeamID: g.ref(teams), ResourceID: g.ref(res), StartsAt: g.dateOrTime()}
		if g.r.Intn(3) > 0 {
			end := g.dateOrTime()
			ms.EndsAt = &end
		}
		s.Memberships[fmt.Sprint("ms", i)] = ms
	}
	for i := range 4 {
		b := Booking{ResourceID: g.ref(res), MemberID: g.ref(members), Cancelled: g.r.Intn(5) == 0}
		if g.r.Intn(2) == 0 {
			b.Booker = &Contact{Email: g.pick(genEmails...)}
		}
		for range g.r.Intn(3) {
			b.Guests = append(b.Guests, Contact{Email: g.pick(genEmails...)})
		}
		b.StartsAt = g.instant()
		b.EndsAt = b.StartsAt.Add(time.Duration(g.r.Intn(12)-1) * 30 * time.Minute)
		s.Bookings[fmt.Sprint("b", i)] = b
	}
	for i := range 3 {
		d := DayPass{MemberID: g.ref(members), TeamID: g.ref(teams), LocationID: g.ref(locs), Passes: g.r.Intn(4),
			ValidFrom: g.dateOrTime(), ValidUntil: g.dateOrTime()}
		for range g.r.Intn(5) {
			d.Uses = append(d.Uses, DayPassUse{UseID: g.pick("u0", "u1", "u2", ""), Date: g.dateOrTime()})
		}
		s.DayPasses[fmt.Sprint("d", i)] = d
	}
	return s
}

// entityRef names one removable thing of a snapshot: an entity or a mapping.
type entityRef struct {
	kind Kind
	id   string
}

func entitiesOf(s Snapshot) []entityRef {
	var out []entityRef
	add := func(kind Kind, ids []string) {
		for _, id := range ids {
			out = append(out, entityRef{kind, id})
		}
	}
	add(KindLocation, allIDs(s.Locations))
	add(KindFloor, allIDs(s.Floors))
	add(KindResource, allIDs(s.Resources))
	add(KindPlan, allIDs(s.Plans))
	add(KindTeam, allIDs(s.Teams))
	add(KindMember, allIDs(s.Members))
	add(KindMembership, allIDs(s.Memberships))
	add(KindBooking, allIDs(s.Bookings))
	add(KindDayPass, allIDs(s.DayPasses))
	add("mapping:plans", allIDs(s.Mappings.Plans))
	add("mapping:locations", allIDs(s.Mappings.Locations))
	add("mapping:floors", allIDs(s.Mappings.Floors))
	add("mapping:resources", allIDs(s.Mappings.Resources))
	add("mapping:day-passes", allIDs(s.Mappings.DayPasses))
	return out
}

// without returns a copy of s without the entity or mapping.
func without(s Snapshot, e entityRef) Snapshot {
	return with(s, func(c *Snapshot) {
		switch e.kind {
		case KindLocation:
			delete(c.Locations, e.id)
		case KindFloor:
			delete(c.Floors, e.id)
		case KindResource:
			delete(c.Resources, e.id)
		case KindPlan:
			delete(c.Plans, e.id)
		case KindTeam:
			delete(c.Teams, e.id)
		case KindMember:
			delete(c.Members, e.id)
		case KindMembership:
			delete(c.Memberships, e.id)
		case KindBooking:
			delete(c.Bookings, e.id)
		case KindDayPass:
			delete(c.DayPasses, e.id)
		case "mapping:plans":
			delete(c.Mappings.Plans, e.id)
		case "mapping:locations":
			delete(c.Mappings.Locations, e.id)
		case "mapping:floors":
			delete(c.Mappings.Floors, e.id)
		case "mapping:resources":
			delete(c.Mappings.Resources, e.id)
		case "mapping:day-passes":
			delete(c.Mappings.DayPasses, e.id)
		}
	})
}

// checkpoints are instants covering every distinct state of ActiveAt for
// the grants: each change point, and one before the first.
func checkpoints(grantSets ...[]Grant) []time.Time {
	var out []time.Time
	for _, gs := range grantSets {
		for _, g := range gs {
			out = append(out, g.From, g.From.Add(-time.Nanosecond))
			if !g.Until.IsZero() {
				out = append(out, g.Until, g.Until.Add(-time.Nanosecond))
			}
		}
	}
	return out
}

var quickConfig = &quick.Config{MaxCount: 400}

func TestPropertyActiveAtConstantBetweenChanges(t *testing.T) {
	prop := func(o randomOrg, seed int64) bool {
		grants := Grants(o.S)
		r := rand.New(rand.NewSource(seed))
		c := ts("2026-01-01T00:00:00Z")
		for range len(grants)*2 + 2 {
			next := NextChange(grants, c)
			want := ActiveAt(grants, c)
			span := 1000 * time.Hour
			if !next.IsZero() {
				span = next.Sub(c)
				if span <= 0 {
					t.Logf("NextChange(%v) = %v is not after", c, next)
					return false
				}
			}
			for _, at := range []time.Time{c.Add(span - 1), c.Add(time.Duration(r.Int63n(int64(span))))} {
				if got := ActiveAt(grants, at); !reflect.DeepEqual(got, want) {
					t.Logf("ActiveAt changed between %v and %v (at %v):\n%v\n%v", c, next, at, want, got)
					return false
				}
			}
			if next.IsZero() {
				return true
			}
			c = next
		}
		t.Log("NextChange did not run out")
		return false
	}
	if err := quick.Check(prop, quickConfig); err != nil {
		t.Error(err)
	}
}

func TestPropertyRemovingAnEntityNeverAddsAccess(t *testing.T) {
	prop := func(o randomOrg) bool {
		before := Grants(o.S)
		for _, e := range entitiesOf(o.S) {
			after := Grants(without(o.S, e))
			for _, at := range checkpoints(before, after) {
				was, is := ActiveAt(before, at), ActiveAt(after, at)
				for p, groups := range is {
					if add, _ := Diff(groups, was[p]); len(add) > 0 {
						t.Logf("removing %v added %v to %v at %v", e, add, p, at)
						return false
					}
				}
			}
		}
		return true
	}
	if err := quick.Check(prop, quickConfig); err != nil {
		t.Error(err)
	}
}

func TestPropertyScopedAndWholeOrgAgree(t *testing.T) {
	prop := func(o randomOrg) bool {
		all := Grants(o.S)
		persons := []PersonRef{}
		for id := range o.S.Members {
			persons = append(persons, MemberRef(id))
		}
		for _, e := range genEmails {
			persons = append(persons, GuestRef(e))
		}
		for _, p := range persons {
			want := slices.DeleteFunc(slices.Clone(all), func(g Grant) bool { return g.Person != p })
			if got := GrantsForPerson(o.S, p); !slices.Equal(lines(got), lines(want)) {
				t.Logf("GrantsForPerson(%v):\n got %q\nwant %q", p, lines(got), lines(want))
				return false
			}
		}
		for _, e := range entitiesOf(o.S) {
			want := slices.DeleteFunc(slices.Clone(all), func(g Grant) bool { return g.Reason.Kind != e.kind || g.Reason.ID != e.id })
			got := GrantsForEntity(o.S, e.kind, e.id)
			if !slices.Equal(lines(got), lines(want)) {
				t.Logf("GrantsForEntity(%v):\n got %q\nwant %q", e, lines(got), lines(want))
				return false
			}
			affected := AffectedPersons(o.S, e.kind, e.id)
			for _, g := range got {
				if !slices.Contains(affected, g.Person) {
					t.Logf("AffectedPersons(%v) = %v misses %v", e, affected, g.Person)
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

func TestPropertyGrantsAreWellFormed(t *testing.T) {
	prop := func(o randomOrg) bool {
		type key struct {
			p PersonRef
			g GroupRef
			r Reason
		}
		seen := map[key]bool{}
		for _, g := range Grants(o.S) {
			k := key{g.Person, g.Group, g.Reason}
			if seen[k] || g.From.IsZero() || (!g.Until.IsZero() && !g.From.Before(g.Until)) || g.From.Location() != time.UTC {
				t.Logf("bad or duplicate grant %s", line(g))
				return false
			}
			seen[k] = true
		}
		return true
	}
	if err := quick.Check(prop, quickConfig); err != nil {
		t.Error(err)
	}
}

func TestPropertyLocationBoundGrantsAreOnTheirLocationsSite(t *testing.T) {
	prop := func(o randomOrg) bool {
		s := o.S
		for _, g := range Grants(s) {
			location := ""
			switch g.Reason.Via {
			case ViaPlan:
				continue
			case ViaLocation:
				location = g.Reason.Ref
			case ViaFloor:
				location = s.Floors[g.Reason.Ref].LocationID
			case ViaResource, ViaBookableResource:
				location = s.Resources[g.Reason.Ref].LocationID
			case ViaDayPass:
				location = s.DayPasses[g.Reason.ID].LocationID
			}
			l, ok := s.Locations[location]
			if !ok || l.SaltoSiteID == "" || g.Group.SiteID != l.SaltoSiteID {
				t.Logf("%s: its location %q is on site %q", line(g), location, l.SaltoSiteID)
				return false
			}
		}
		return true
	}
	if err := quick.Check(prop, quickConfig); err != nil {
		t.Error(err)
	}
}

// groupSet is a random multiset of groups from a small pool.
type groupSet []GroupRef

// Generate implements quick.Generator.
func (groupSet) Generate(r *rand.Rand, _ int) reflect.Value {
	var gs groupSet
	for range r.Intn(6) {
		gs = append(gs, genGroups[r.Intn(len(genGroups))])
	}
	return reflect.ValueOf(gs)
}

func TestPropertyDiffAppliedToActualYieldsDesired(t *testing.T) {
	prop := func(desired, actual groupSet) bool {
		add, remove := Diff(desired, actual)
		result := map[GroupRef]bool{}
		for _, g := range actual {
			result[g] = true
		}
		for _, g := range remove {
			if !result[g] {
				return false // removes something not there
			}
			delete(result, g)
		}
		for _, g := range add {
			if result[g] {
				return false // adds something already there
			}
			result[g] = true
		}
		want := map[GroupRef]bool{}
		for _, g := range desired {
			want[g] = true
		}
		sorted := slices.IsSortedFunc(add, CompareGroups) && slices.IsSortedFunc(remove, CompareGroups)
		return sorted && reflect.DeepEqual(result, want)
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 2000}); err != nil {
		t.Error(err)
	}
}
