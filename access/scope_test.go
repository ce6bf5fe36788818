package access

import (
	"slices"
	"testing"
)

// busy is the fixture with a bit of everything: a team membership, a
// co-member, a desk, bookings with guests and member bookers, team and
// member day passes.
func busy() Snapshot {
	return with(fixture(), func(s *Snapshot) {
		s.Members["c1"] = Member{PrimaryMemberID: "m1"}
		s.Members["c3"] = Member{PrimaryMemberID: "m3", TeamID: "globex"}
		s.Memberships["team"] = Membership{PlanID: "hot", TeamID: "acme", StartsAt: dt("2026-01-01")}
		s.Memberships["desk"] = Membership{PlanID: "office", MemberID: "m3", ResourceID: "desk-1", StartsAt: dt("2026-02-01"), EndsAt: dtp("2026-06-30")}
		s.Memberships["globex"] = Membership{PlanID: "office", TeamID: "globex", StartsAt: dt("2026-03-01T09:00:00Z")}
		s.Bookings["b1"] = Booking{ResourceID: "room-1", MemberID: "m1", Guests: []Contact{{Email: "Joe@example.com"}},
			StartsAt: ts("2026-03-29T10:00:00+01:00"), EndsAt: ts("2026-03-29T11:00:00+01:00")}
		s.Bookings["b2"] = Booking{ResourceID: "room-a", Booker: &Contact{Email: "joe@example.com"}, Guests: []Contact{{Email: "bob@example.com"}},
			StartsAt: ts("2026-03-08T10:00:00-04:00"), EndsAt: ts("2026-03-08T11:00:00-04:00")}
		s.DayPasses["dp1"] = DayPass{TeamID: "acme", LocationID: "lon", Passes: 3, ValidFrom: dt("2026-03-01"), ValidUntil: dt("2026-03-31"),
			Uses: []DayPassUse{{UseID: "u1", Date: dt("2026-03-02")}}}
		s.DayPasses["dp2"] = DayPass{MemberID: "c3", LocationID: "nyc", Passes: 1, ValidFrom: dt("2026-03-01"), ValidUntil: dt("2026-03-31")}
		s.Mappings.DayPasses[AllLocations] = []GroupRef{gFront}
	})
}

func TestScopedEvaluationAgrees(t *testing.T) {
	s := busy()
	all := Grants(s)
	persons := []PersonRef{GuestRef("nobody@example.com"), MemberRef("ghost")}
	for _, g := range all {
		persons = append(persons, g.Person)
	}
	for id := range s.Members {
		persons = append(persons, MemberRef(id))
	}
	for _, p := range persons {
		want := slices.DeleteFunc(slices.Clone(all), func(g Grant) bool { return g.Person != p })
		if got := GrantsForPerson(s, p); !slices.Equal(lines(got), lines(want)) {
			t.Errorf("GrantsForPerson(%s):\n got %q\nwant %q", p, lines(got), lines(want))
		}
	}
	for _, src := range []struct {
		kind Kind
		id   string
	}{
		{KindMembership, "team"}, {KindMembership, "desk"}, {KindMembership, "globex"}, {KindBooking, "b1"},
		{KindBooking, "b2"}, {KindDayPass, "dp1"}, {KindDayPass, "dp2"}, {KindDayPass, "nope"},
	} {
		want := slices.DeleteFunc(slices.Clone(all), func(g Grant) bool { return g.Reason.Kind != src.kind || g.Reason.ID != src.id })
		if got := GrantsForEntity(s, src.kind, src.id); !slices.Equal(lines(got), lines(want)) {
			t.Errorf("GrantsForEntity(%s %s):\n got %q\nwant %q", src.kind, src.id, lines(got), lines(want))
		}
	}
	// The co-member of the booking member gets the booking; the guest who
	// booked b2 is the same guest as b1's (case-insensitive).
	assertLines(t, GrantsForPerson(s, GuestRef("JOE@example.com")),
		"guest:joe@example.com site-lon/room-1 2026-03-29T08:45:00Z..2026-03-29T10:15:00Z booking:b1 bookable_resource:room-1",
		"guest:joe@example.com site-nyc/room-a 2026-03-08T13:45:00Z..2026-03-08T15:15:00Z booking:b2 bookable_resource:room-a",
	)
}

func TestAffectedPersons(t *testing.T) {
	s := busy()
	tests := []struct {
		kind Kind
		id   string
		want []string
	}{
		{KindMembership, "team", []string{"member:c1", "member:m1", "member:m2"}},
		{KindMembership, "desk", []string{"member:c3", "member:m3"}},
		{KindBooking, "b1", []string{"guest:joe@example.com", "member:c1", "member:m1"}},
		{KindBooking, "b2", []string{"guest:bob@example.com", "guest:joe@example.com"}},
		{KindDayPass, "dp2", []string{"member:c3"}},
		{KindMember, "m1", []string{"member:c1", "member:m1"}},
		{KindTeam, "globex", []string{"member:c3"}},
		{KindPlan, "office", []string{"member:c3", "member:m3"}},
		{KindResource, "room-a", []string{"guest:bob@example.com", "guest:joe@example.com"}},
		{KindFloor, "lon-1", []string{"member:c3", "member:m3"}},
		{KindLocation, "nyc", []string{"guest:bob@example.com", "guest:joe@example.com", "member:c3"}},
		{KindLocation, AllLocations, []string{"member:c1", "member:c3", "member:m1", "member:m2"}},
		{KindOrg, "org1", []string{"guest:bob@example.com", "guest:joe@example.com", "member:c1", "member:c3", "member:m1", "member:m2", "member:m3"}},
		{KindMembership, "nope", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range AffectedPersons(s, tt.kind, tt.id) {
			got = append(got, p.Key())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("AffectedPersons(%s %s) = %q, want %q", tt.kind, tt.id, got, tt.want)
		}
	}
	// A cancelled booking still names its people, so they get poked.
	cancelled := with(s, func(s *Snapshot) { b := s.Bookings["b2"]; b.Cancelled = true; s.Bookings["b2"] = b })
	if got := AffectedPersons(cancelled, KindBooking, "b2"); len(got) != 2 {
		t.Errorf("cancelled booking affects %v", got)
	}
}

func TestUnresolvedFor(t *testing.T) {
	s := with(fixture(), func(s *Snapshot) {
		s.Memberships["ms1"] = Membership{PlanID: "gold", MemberID: "m9", TeamID: "acme", ResourceID: "desk-1", StartsAt: dt("2026-01-01")}
		s.Members["c1"] = Member{PrimaryMemberID: "m9", TeamID: "initech"}
		s.Resources["desk-2"] = Resource{Kind: ResourceAssignable, LocationID: "paris", FloorID: "lon-9"}
		s.Floors["lon-2"] = Floor{LocationID: "paris"}
		s.Bookings["b1"] = Booking{ResourceID: "room-9", MemberID: "m9"}
		s.DayPasses["dp1"] = DayPass{TeamID: "initech", LocationID: "paris"}
	})
	tests := []struct {
		kind Kind
		id   string
		want []string
	}{
		{KindMembership, "ms1", []string{"membership:ms1.member_id->m9", "membership:ms1.plan_id->gold"}},
		{KindMember, "c1", []string{"member:c1.primary_member_id->m9", "member:c1.team_id->initech"}},
		{KindResource, "desk-2", []string{"resource:desk-2.floor_id->lon-9", "resource:desk-2.location_id->paris"}},
		{KindFloor, "lon-2", []string{"floor:lon-2.location_id->paris"}},
		{KindBooking, "b1", []string{"booking:b1.member_id->m9", "booking:b1.resource_id->room-9"}},
		{KindDayPass, "dp1", []string{"day_pass:dp1.location_id->paris", "day_pass:dp1.team_id->initech"}},
		{KindMembership, "nope", nil},
		{KindPlan, "hot", nil},
	}
	for _, tt := range tests {
		if got := unresolvedRefs(UnresolvedFor(s, tt.kind, tt.id)); !slices.Equal(got, tt.want) {
			t.Errorf("UnresolvedFor(%s %s) = %q, want %q", tt.kind, tt.id, got, tt.want)
		}
	}
}

func TestOutputIsDeterministic(t *testing.T) {
	first := lines(Grants(busy()))
	if len(first) < 20 {
		t.Fatalf("busy fixture should grant a lot, got %d", len(first))
	}
	for range 20 {
		if got := lines(Grants(busy())); !slices.Equal(got, first) {
			t.Fatal("Grants order changed between runs")
		}
	}
}
