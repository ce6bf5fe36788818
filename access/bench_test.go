package access

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// Size of the benchmark org, as the issue states it.
const (
	benchMembers     = 10_000
	benchMemberships = 20_000
	benchBookings    = 5_000
	benchDayPasses   = 2_000
	benchTeams       = 1_000
	benchLocations   = 10
)

// benchOrg builds a deterministic org of the benchmark's size: 10
// locations in three zones, 5 floors and 200 desks/offices and 20 rooms
// each, 20 plans, 1,000 teams, 10% co-members, 10% team memberships, 30%
// of memberships on a desk, bookings with up to 4 guests, team and member
// day passes with uses.
func benchOrg() Snapshot {
	r := rand.New(rand.NewPCG(4, 2))
	s := NewSnapshot(Org{ID: "bench", TimeZone: "Europe/London"})
	zones := []string{"Europe/London", "America/New_York", "Europe/Berlin"}
	var desks, rooms []string
	for l := range benchLocations {
		loc, site := fmt.Sprint("loc", l), fmt.Sprint("site", l)
		s.Locations[loc] = Location{ID: loc, TimeZone: zones[l%len(zones)], SaltoSiteID: site}
		s.Mappings.Locations[loc] = []GroupRef{{site, "lobby"}}
		s.Mappings.DayPasses[loc] = []GroupRef{{site, "day-pass"}}
		for f := range 5 {
			floor := fmt.Sprint(loc, "-f", f)
			s.Floors[floor] = Floor{ID: floor, LocationID: loc}
			s.Mappings.Floors[floor] = []GroupRef{{site, floor}}
		}
		for d := range 200 {
			id := fmt.Sprint(loc, "-desk", d)
			s.Resources[id] = Resource{ID: id, Kind: ResourceAssignable, LocationID: loc, FloorID: fmt.Sprint(loc, "-f", d%5)}
			if d%3 == 0 {
				s.Mappings.Resources[id] = []GroupRef{{site, id}}
			}
			desks = append(desks, id)
		}
		for m := range 20 {
			id := fmt.Sprint(loc, "-room", m)
			s.Resources[id] = Resource{ID: id, Kind: ResourceBookable, LocationID: loc, FloorID: fmt.Sprint(loc, "-f", m%5)}
			s.Mappings.Resources[id] = []GroupRef{{site, id}}
			rooms = append(rooms, id)
		}
	}
	s.Mappings.DayPasses[AllLocations] = []GroupRef{{"site0", "front-door"}}
	for p := range 20 {
		id := fmt.Sprint("plan", p)
		s.Plans[id] = MembershipPlan{ID: id}
		s.Mappings.Plans[id] = []GroupRef{{fmt.Sprint("site", p%benchLocations), "front-door"}, {fmt.Sprint("site", p%benchLocations), "lobby"}}[:1+p%2]
	}
	for t := range benchTeams {
		id := fmt.Sprint("team", t)
		s.Teams[id] = Team{ID: id}
	}
	for m := range benchMembers {
		id := fmt.Sprint("m", m)
		member := Member{ID: id, Email: fmt.Sprint("Member", m, "@example.com")}
		if r.IntN(5) > 0 {
			member.TeamID = fmt.Sprint("team", r.IntN(benchTeams))
		}
		if m > 0 && r.IntN(10) == 0 {
			member.PrimaryMemberID = fmt.Sprint("m", r.IntN(m))
		}
		s.Members[id] = member
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	day := func() time.Time { return base.AddDate(0, 0, r.IntN(365)) }
	for i := range benchMemberships {
		ms := Membership{PlanID: fmt.Sprint("plan", r.IntN(20))}
		if r.IntN(10) == 0 {
			ms.TeamID = fmt.Sprint("team", r.IntN(benchTeams))
		} else {
			ms.MemberID = fmt.Sprint("m", r.IntN(benchMembers))
		}
		if r.IntN(10) < 3 {
			ms.ResourceID = desks[r.IntN(len(desks))]
		}
		start := day()
		if r.IntN(2) == 0 {
			ms.StartsAt = OnDate(start.Date())
		} else {
			ms.StartsAt = At(start.Add(9 * time.Hour))
		}
		if r.IntN(3) > 0 {
			end := OnDate(start.AddDate(0, 1+r.IntN(12), 0).Date())
			ms.EndsAt = &end
		}
		s.Memberships[fmt.Sprint("ms", i)] = ms
	}
	for i := range benchBookings {
		b := Booking{ResourceID: rooms[r.IntN(len(rooms))], Cancelled: r.IntN(20) == 0}
		if r.IntN(10) < 7 {
			b.MemberID = fmt.Sprint("m", r.IntN(benchMembers))
		} else {
			b.Booker = &Contact{Email: fmt.Sprint("Visitor", r.IntN(3000), "@example.org")}
		}
		for range r.IntN(5) {
			b.Guests = append(b.Guests, Contact{Email: fmt.Sprint("visitor", r.IntN(3000), "@example.org")})
		}
		b.StartsAt = day().Add(time.Duration(8+r.IntN(10)) * time.Hour)
		b.EndsAt = b.StartsAt.Add(time.Duration(1+r.IntN(4)) * 30 * time.Minute)
		s.Bookings[fmt.Sprint("b", i)] = b
	}
	for i := range benchDayPasses {
		from := day()
		d := DayPass{LocationID: fmt.Sprint("loc", r.IntN(benchLocations)), Passes: 1 + r.IntN(10),
			ValidFrom: OnDate(from.Date()), ValidUntil: OnDate(from.AddDate(0, 3, 0).Date())}
		if r.IntN(4) == 0 {
			d.TeamID = fmt.Sprint("team", r.IntN(benchTeams))
		} else {
			d.MemberID = fmt.Sprint("m", r.IntN(benchMembers))
		}
		for u := range r.IntN(12) {
			d.Uses = append(d.Uses, DayPassUse{UseID: fmt.Sprint("u", u), Date: OnDate(from.AddDate(0, 0, u*3).Date())})
		}
		s.DayPasses[fmt.Sprint("dp", i)] = d
	}
	return s
}

var benchAt = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

// BenchmarkGrantsActiveAt is one full evaluation: every grant of the
// org, then the desired state at one instant.
func BenchmarkGrantsActiveAt(b *testing.B) {
	s := benchOrg()
	grants, persons := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		g := Grants(s)
		d := ActiveAt(g, benchAt)
		grants, persons = len(g), len(d)
	}
	b.ReportMetric(float64(grants), "grants")
	b.ReportMetric(float64(persons), "active-persons")
}

// BenchmarkEvaluate adds the diagnostics pass to Grants.
func BenchmarkEvaluate(b *testing.B) {
	s := benchOrg()
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(s)
	}
}

// BenchmarkGrantsForPerson is what one AccessWorkflow's ApplyAccess pays.
func BenchmarkGrantsForPerson(b *testing.B) {
	s := benchOrg()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		DesiredFor(GrantsForPerson(s, MemberRef(fmt.Sprint("m", i%benchMembers))), MemberRef("m1"), benchAt)
	}
}

func TestBenchOrgHasTheStatedSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10,000-member org")
	}
	s := benchOrg()
	if len(s.Members) != benchMembers || len(s.Memberships) != benchMemberships ||
		len(s.Bookings) != benchBookings || len(s.DayPasses) != benchDayPasses {
		t.Fatalf("bench org has %d members, %d memberships, %d bookings, %d day passes",
			len(s.Members), len(s.Memberships), len(s.Bookings), len(s.DayPasses))
	}
	r := Evaluate(s)
	if len(r.Grants) < 40_000 || len(r.Unresolved) != 0 {
		t.Errorf("bench org: %d grants, %d unresolved, problems %v", len(r.Grants), len(r.Unresolved), problemCodes(r.Problems)[:min(5, len(r.Problems))])
	}
}
