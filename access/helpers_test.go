package access

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// Sites and groups of the fixture.
var (
	gFront   = GroupRef{"site-lon", "front-door"}
	gLobby   = GroupRef{"site-lon", "lobby"}
	gFloor1  = GroupRef{"site-lon", "floor-1"}
	gDesk1   = GroupRef{"site-lon", "desk-1"}
	gRoom1   = GroupRef{"site-lon", "room-1"}
	gDayPass = GroupRef{"site-lon", "day-pass"}
	gNYC     = GroupRef{"site-nyc", "front-door"}
	gNYCRoom = GroupRef{"site-nyc", "room-a"}
	gNYCDesk = GroupRef{"site-nyc", "desk-7"}
)

// fixture is a small org in Europe/London with a New York location, a
// team "acme" (m1, m2), a loner m3, and mappings for every kind.
func fixture() Snapshot {
	s := NewSnapshot(Org{ID: "org1", TimeZone: "Europe/London"})
	s.Locations["lon"] = Location{ID: "lon", TimeZone: "Europe/London", SaltoSiteID: "site-lon"}
	s.Locations["nyc"] = Location{ID: "nyc", TimeZone: "America/New_York", SaltoSiteID: "site-nyc"}
	s.Floors["lon-1"] = Floor{ID: "lon-1", LocationID: "lon"}
	s.Resources["desk-1"] = Resource{ID: "desk-1", Kind: ResourceAssignable, LocationID: "lon", FloorID: "lon-1"}
	s.Resources["room-1"] = Resource{ID: "room-1", Kind: ResourceBookable, LocationID: "lon", FloorID: "lon-1"}
	s.Resources["desk-7"] = Resource{ID: "desk-7", Kind: ResourceAssignable, LocationID: "nyc"}
	s.Resources["room-a"] = Resource{ID: "room-a", Kind: ResourceBookable, LocationID: "nyc"}
	s.Plans["hot"] = MembershipPlan{ID: "hot", Name: "Hot desk"}
	s.Plans["office"] = MembershipPlan{ID: "office", Name: "Office"}
	s.Teams["acme"] = Team{ID: "acme"}
	s.Teams["globex"] = Team{ID: "globex"}
	s.Members["m1"] = Member{ID: "m1", Email: "Ann@Example.com", TeamID: "acme"}
	s.Members["m2"] = Member{ID: "m2", Email: "bob@example.com", TeamID: "acme"}
	s.Members["m3"] = Member{ID: "m3", Email: "cy@example.com"}
	s.Mappings.Plans["hot"] = []GroupRef{gFront}
	s.Mappings.Plans["office"] = []GroupRef{gFront, gLobby}
	s.Mappings.Locations["lon"] = []GroupRef{gLobby}
	s.Mappings.Locations["nyc"] = []GroupRef{gNYC}
	s.Mappings.Floors["lon-1"] = []GroupRef{gFloor1}
	s.Mappings.Resources["desk-1"] = []GroupRef{gDesk1}
	s.Mappings.Resources["room-1"] = []GroupRef{gRoom1}
	s.Mappings.Resources["desk-7"] = []GroupRef{gNYCDesk}
	s.Mappings.Resources["room-a"] = []GroupRef{gNYCRoom}
	s.Mappings.DayPasses["lon"] = []GroupRef{gDayPass}
	return s
}

// with returns a copy of s (maps cloned one level) after change, so table
// cases never share mutations.
func with(s Snapshot, change func(*Snapshot)) Snapshot {
	c := s
	c.Locations, c.Floors, c.Resources = cloneMap(s.Locations), cloneMap(s.Floors), cloneMap(s.Resources)
	c.Plans, c.Teams, c.Members = cloneMap(s.Plans), cloneMap(s.Teams), cloneMap(s.Members)
	c.Memberships, c.Bookings, c.DayPasses = cloneMap(s.Memberships), cloneMap(s.Bookings), cloneMap(s.DayPasses)
	c.Mappings = Mappings{
		Plans: cloneMap(s.Mappings.Plans), Locations: cloneMap(s.Mappings.Locations),
		Floors: cloneMap(s.Mappings.Floors), Resources: cloneMap(s.Mappings.Resources),
		DayPasses: cloneMap(s.Mappings.DayPasses),
	}
	if change != nil {
		change(&c)
	}
	return c
}

func cloneMap[T any](m map[string]T) map[string]T {
	c := make(map[string]T, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// ts parses an RFC 3339 instant or fails the test binary.
func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// dt parses a date-or-time or panics.
func dt(s string) DateOrTime {
	v, err := ParseDateOrTime(s)
	if err != nil {
		panic(err)
	}
	return v
}

// dtp is dt as a pointer, for optional ends.
func dtp(s string) *DateOrTime {
	v := dt(s)
	return &v
}

func dur(d time.Duration) *time.Duration { return &d }

// line renders a grant as one readable line:
// "member:m1 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [team]".
func line(g Grant) string {
	until := "open"
	if !g.Until.IsZero() {
		until = g.Until.Format(time.RFC3339)
	}
	s := fmt.Sprintf("%s %s/%s %s..%s %s:%s %s:%s", g.Person.Key(), g.Group.SiteID, g.Group.GroupID,
		g.From.Format(time.RFC3339), until, g.Reason.Kind, g.Reason.ID, g.Reason.Via, g.Reason.Ref)
	if g.Reason.Through != "" {
		s += " [" + g.Reason.Through + "]"
	}
	return s
}

func lines(gs []Grant) []string {
	out := make([]string, 0, len(gs))
	for _, g := range gs {
		out = append(out, line(g))
	}
	return out
}

// assertLines compares grants, rendered, with want, in order.
func assertLines(t *testing.T, got []Grant, want ...string) {
	t.Helper()
	if g := lines(got); !slices.Equal(g, want) {
		t.Errorf("grants:\n got: %q\nwant: %q", g, want)
	}
}

// problemCodes renders problems as "entity:id:code".
func problemCodes(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p.Entity)+":"+p.ID+":"+p.Code)
	}
	return out
}

// unresolvedRefs renders unresolved references as "entity:id.field->ref".
func unresolvedRefs(us []Unresolved) []string {
	var out []string
	for _, u := range us {
		out = append(out, string(u.Entity)+":"+u.ID+"."+u.Field+"->"+u.Ref)
	}
	return out
}

// groupsOf renders groups as "site/group".
func groupsOf(gs []GroupRef) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.SiteID+"/"+g.GroupID)
	}
	return out
}
