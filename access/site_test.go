package access

import (
	"slices"
	"testing"
)

// gNYCLobby is a second group on the New York site.
var gNYCLobby = GroupRef{"site-nyc", "lobby"}

// deskMembership assigns m3 desk with an instant start, so that only the
// site rule decides what the desk's mappings grant.
func deskMembership(desk string) func(*Snapshot) {
	return func(s *Snapshot) {
		s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "m3", ResourceID: desk, StartsAt: dt("2026-01-01T00:00:00Z")}
	}
}

// then runs changes in order.
func then(changes ...func(*Snapshot)) func(*Snapshot) {
	return func(s *Snapshot) {
		for _, c := range changes {
			c(s)
		}
	}
}

func TestLocationBoundMappingsGrantOnlyOnTheLocationsSite(t *testing.T) {
	const (
		plan   = "member:m3 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot"
		desk   = "member:m3 site-lon/desk-1 2026-01-01T00:00:00Z..open membership:ms1 resource:desk-1"
		floor  = "member:m3 site-lon/floor-1 2026-01-01T00:00:00Z..open membership:ms1 floor:lon-1"
		lobby  = "member:m3 site-lon/lobby 2026-01-01T00:00:00Z..open membership:ms1 location:lon"
		bundle = "2026-03-01T00:00:00Z..2026-04-30T23:00:00Z"
	)
	runEvalCases(t, []evalCase{
		{
			name: "groups of other sites in a desk's resource, floor and location mappings grant nothing",
			change: then(deskMembership("desk-1"), func(s *Snapshot) {
				s.Mappings.Resources["desk-1"] = []GroupRef{gNYCDesk, gDesk1}
				s.Mappings.Floors["lon-1"] = []GroupRef{gFloor1, gNYCLobby}
				s.Mappings.Locations["lon"] = []GroupRef{gNYC, gLobby, gNYCLobby}
			}),
			want: []string{plan, desk, floor, lobby},
		},
		{
			name: "a location moved to another site: its mappings' groups on the old site grant nothing; the plan still does",
			change: then(deskMembership("desk-1"), func(s *Snapshot) {
				s.Locations["lon"] = Location{ID: "lon", TimeZone: "Europe/London", SaltoSiteID: "site-nyc"}
			}),
			want: []string{plan},
		},
		{
			name: "a location moved to another site grants that site's groups its mappings name",
			change: then(deskMembership("desk-1"), func(s *Snapshot) {
				s.Locations["lon"] = Location{ID: "lon", TimeZone: "Europe/London", SaltoSiteID: "site-nyc"}
				s.Mappings.Locations["lon"] = []GroupRef{gLobby, gNYCLobby}
			}),
			want: []string{plan, "member:m3 site-nyc/lobby 2026-01-01T00:00:00Z..open membership:ms1 location:lon"},
		},
		{
			name: "a location without a site grants nothing through its mappings",
			change: then(deskMembership("desk-1"), func(s *Snapshot) {
				s.Locations["lon"] = Location{ID: "lon", TimeZone: "Europe/London"}
			}),
			want: []string{plan},
		},
		{
			name: "a floor grants on its own location's site, not its resource's",
			change: then(deskMembership("desk-2"), func(s *Snapshot) {
				s.Floors["nyc-2"] = Floor{ID: "nyc-2", LocationID: "nyc"}
				s.Resources["desk-2"] = Resource{ID: "desk-2", Kind: ResourceAssignable, LocationID: "lon", FloorID: "nyc-2"}
				s.Mappings.Floors["nyc-2"] = []GroupRef{gFloor1, gNYCLobby}
			}),
			want: []string{plan, "member:m3 site-nyc/lobby 2026-01-01T00:00:00Z..open membership:ms1 floor:nyc-2", lobby},
		},
		{
			name: "a resource whose location is unknown grants nothing through its own mapping",
			change: then(deskMembership("desk-2"), func(s *Snapshot) {
				s.Resources["desk-2"] = Resource{ID: "desk-2", Kind: ResourceAssignable, LocationID: "paris", FloorID: "lon-1"}
				s.Mappings.Resources["desk-2"] = []GroupRef{gDesk1}
			}),
			want:           []string{plan, "member:m3 site-lon/floor-1 2026-01-01T00:00:00Z..open membership:ms1 floor:lon-1"},
			wantUnresolved: []string{"resource:desk-2.location_id->paris"},
		},
		{
			name: "a floor whose location is unknown grants nothing",
			change: then(deskMembership("desk-1"), func(s *Snapshot) {
				s.Floors["lon-1"] = Floor{ID: "lon-1", LocationID: "paris"}
			}),
			want:           []string{plan, desk, lobby},
			wantUnresolved: []string{"floor:lon-1.location_id->paris"},
		},
		{
			name: "a booking grants its room's groups on the room's location's site only",
			change: func(s *Snapshot) {
				s.Mappings.Resources["room-1"] = []GroupRef{gNYCRoom, gRoom1}
				s.Bookings["b1"] = Booking{ResourceID: "room-1", MemberID: "m3",
					StartsAt: ts("2026-03-02T10:00:00Z"), EndsAt: ts("2026-03-02T11:00:00Z")}
			},
			want: []string{"member:m3 site-lon/room-1 2026-03-02T09:45:00Z..2026-03-02T11:15:00Z booking:b1 bookable_resource:room-1"},
		},
		{
			name: "a booking of a room whose location is unknown grants nothing",
			change: func(s *Snapshot) {
				s.Resources["room-2"] = Resource{ID: "room-2", Kind: ResourceBookable, LocationID: "paris"}
				s.Mappings.Resources["room-2"] = []GroupRef{gRoom1}
				s.Bookings["b1"] = Booking{ResourceID: "room-2", MemberID: "m3",
					StartsAt: ts("2026-03-02T10:00:00Z"), EndsAt: ts("2026-03-02T11:00:00Z")}
			},
			wantUnresolved: []string{"resource:room-2.location_id->paris"},
		},
		{
			name: "the * day-pass mapping grants each bundle only its own location's site's groups",
			change: func(s *Snapshot) {
				s.Mappings.DayPasses[AllLocations] = []GroupRef{gFront, gNYC}
				s.Mappings.DayPasses["lon"] = []GroupRef{gDayPass, gNYCLobby}
				s.DayPasses["dp1"] = DayPass{MemberID: "m3", LocationID: "lon", Passes: 5,
					ValidFrom: dt("2026-03-01"), ValidUntil: dt("2026-04-30")}
				s.DayPasses["dp2"] = DayPass{MemberID: "m1", LocationID: "nyc", Passes: 5,
					ValidFrom: dt("2026-03-01T05:00:00Z"), ValidUntil: dt("2026-04-30T04:00:00Z")}
			},
			want: []string{
				"member:m3 site-lon/day-pass " + bundle + " day_pass:dp1 day_pass:lon",
				"member:m3 site-lon/front-door " + bundle + " day_pass:dp1 day_pass:*",
				"member:m1 site-nyc/front-door 2026-03-01T05:00:00Z..2026-04-30T04:00:00Z day_pass:dp2 day_pass:*",
			},
		},
	})
}

func TestAffectedPersonsOfALocationReachTheResourcesOnItsFloors(t *testing.T) {
	s := with(fixture(), then(deskMembership("desk-2"), func(s *Snapshot) {
		s.Floors["nyc-2"] = Floor{ID: "nyc-2", LocationID: "nyc"}
		s.Resources["desk-2"] = Resource{ID: "desk-2", Kind: ResourceAssignable, LocationID: "lon", FloorID: "nyc-2"}
		s.Bookings["b1"] = Booking{ResourceID: "room-a", Guests: []Contact{{Email: "joe@example.com"}},
			StartsAt: ts("2026-03-02T10:00:00Z"), EndsAt: ts("2026-03-02T11:00:00Z")}
	}))
	var got []string
	for _, p := range AffectedPersons(s, KindLocation, "nyc") {
		got = append(got, p.Key())
	}
	if want := []string{"guest:joe@example.com", "member:m3"}; !slices.Equal(got, want) {
		t.Errorf("AffectedPersons(location nyc) = %q, want %q", got, want)
	}
}
