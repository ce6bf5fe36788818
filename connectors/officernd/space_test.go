package officernd_test

import (
	"testing"
	"time"

	"doorsync/access"
	"doorsync/connectors/officernd/officerndtest"
)

// space seeds one of everything a sync reads, and returns the ids.
type space struct {
	loc, floor, plan, company, member, teammate, room, desk, ms, teamMs, booking, visitor, pass string
}

func seedSpace(f *officerndtest.Server) space {
	var s space
	now := time.Now().UTC()
	s.loc = f.AddLocation(officerndtest.Location{Name: "Soho", Timezone: "Europe/London", IsOpen: true})
	s.floor = f.AddFloor(officerndtest.Floor{Name: "Ground", Floor: "0", Location: s.loc})
	s.plan = f.AddPlan(officerndtest.Plan{Name: "Dedicated desk", Type: "desk", Locations: []string{s.loc}})
	s.company = f.AddCompany(officerndtest.Company{Name: "Acme", Location: s.loc, Status: "active"})
	s.member = f.AddMember(officerndtest.Member{Name: "Ada Lovelace", Email: "ada@example.com", Location: s.loc, Status: "active"})
	s.teammate = f.AddMember(officerndtest.Member{Name: "Bob Acme", Email: "bob@example.com", Company: s.company, Status: "active"})
	s.room = f.AddResource(officerndtest.Resource{Name: "Board room", Type: "meeting_room", Location: s.loc, Floor: s.floor})
	s.desk = f.AddResource(officerndtest.Resource{Name: "Desk 7", Type: "desk", Location: s.loc, Floor: s.floor})
	s.ms = f.AddMembership(officerndtest.Membership{IsPersonal: true, Status: "approved", CalculatedStatus: "active",
		Plan: s.plan, Member: s.member, StartDate: now.AddDate(0, 0, -10)})
	f.AddAssignment(officerndtest.Assignment{Resource: s.desk, Membership: s.ms, StartDate: now.AddDate(0, 0, -10)})
	s.teamMs = f.AddMembership(officerndtest.Membership{Status: "approved", CalculatedStatus: "active", Plan: s.plan,
		Company: s.company, StartDate: now.AddDate(0, -1, 0)})
	s.visitor = f.AddVisitor(officerndtest.Visitor{Name: "Grace Hopper", Email: "grace@example.com", Member: s.member})
	s.booking = f.AddBooking(officerndtest.Booking{Start: now.Add(time.Hour), End: now.Add(2 * time.Hour), Member: s.member,
		Resource: s.room, Location: s.loc, Visitors: []string{s.visitor}})
	s.pass = f.AddPass(officerndtest.Pass{Count: 5, UsedCount: 1, ValidFrom: now, ValidTo: now.AddDate(0, 1, 0),
		Company: s.company, Status: "valid"})
	return s
}

func TestAFullReadTranslatesEverySpaceKind(t *testing.T) {
	f := newFake(t)
	s := seedSpace(f)
	c := newClient(f)
	got := map[access.Kind]int{}
	var calls int
	for _, st := range c.Streams() {
		page, _ := readStream(t, c, st.Name, nil)
		calls += page.Calls
		for _, r := range page.Records {
			got[r.Kind]++
		}
		recs := byID(page.Records)
		switch st.Name {
		case "memberships":
			if b := body(t, recs[s.ms]); b["resource_id"] != s.desk || b["member_id"] != s.member {
				t.Errorf("membership %s = %v, want desk %s of member %s", s.ms, b, s.desk, s.member)
			}
			if b := body(t, recs[s.teamMs]); b["team_id"] != s.company {
				t.Errorf("team membership = %v, want team %s", b, s.company)
			}
		case "bookings":
			b := body(t, recs[s.booking])
			guests, _ := b["guests"].([]any)
			if len(guests) != 1 || guests[0].(map[string]any)["email"] != "grace@example.com" {
				t.Errorf("booking guests = %v, want Grace", b["guests"])
			}
		case "passes":
			if b := body(t, recs[s.pass]); b["location_id"] != s.loc || b["team_id"] != s.company || b["passes"] != 4.0 {
				t.Errorf("pass = %v, want 4 passes of team %s at %s", b, s.company, s.loc)
			}
		case "resources":
			if body(t, recs[s.room])["kind"] != "bookable" || body(t, recs[s.desk])["kind"] != "assignable" {
				t.Errorf("resources = %v", page.Records)
			}
		}
	}
	want := map[access.Kind]int{access.KindLocation: 1, access.KindFloor: 1, access.KindPlan: 1, access.KindTeam: 1,
		access.KindMember: 2, access.KindResource: 2, access.KindMembership: 2, access.KindBooking: 1, access.KindDayPass: 1}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s records = %d, want %d", k, got[k], n)
		}
	}
	// One page per list (9), assignments (1), visitors (1), one token; the
	// pass's company was seen by the companies stream.
	if calls != 12 || f.TotalCalls() != 12 {
		t.Errorf("calls = %d (fake saw %d), want 12: %v", calls, f.TotalCalls(), f.AllCalls())
	}
}

func TestRemovedAndLapsedObjectsBecomeDeletions(t *testing.T) {
	f := newFake(t)
	s := seedSpace(f)
	c := newClient(f)
	_ = officerndtest.Update(f, officerndtest.Members, s.member, func(m *officerndtest.Member) { m.Status = "former" })
	_ = officerndtest.Update(f, officerndtest.Bookings, s.booking, func(b *officerndtest.Booking) { b.IsCancelled = true })
	members, _ := readStream(t, c, "members", nil)
	if _, ok := byID(members.Records)[s.member]; ok || len(members.Deleted) != 0 {
		t.Errorf("a full read of members = %+v; want the former member absent (the sweep removes it)", members)
	}
	since := time.Now().Add(-time.Hour)
	members, _ = readStream(t, c, "members", &since)
	if len(members.Deleted) != 1 || members.Deleted[0] != refs(access.KindMember, s.member)[0] {
		t.Errorf("members deleted since = %v, want %s", members.Deleted, s.member)
	}
	bookings, _ := readStream(t, c, "bookings", nil)
	if len(bookings.Deleted) != 1 || len(bookings.Records) != 0 {
		t.Errorf("bookings = %+v, want the cancelled one deleted", bookings)
	}
}

func TestTheDemoSpaceTranslates(t *testing.T) {
	f := newFake(t)
	f.SeedDemo()
	c := newClient(f)
	got := map[access.Kind]int{}
	for _, st := range c.Streams() {
		page, _ := readStream(t, c, st.Name, nil)
		for _, r := range page.Records {
			got[r.Kind]++
		}
	}
	want := map[access.Kind]int{access.KindLocation: 1, access.KindFloor: 1, access.KindPlan: 2, access.KindTeam: 1,
		access.KindMember: 3, access.KindResource: 2, access.KindMembership: 3, access.KindBooking: 1, access.KindDayPass: 1}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s records = %d, want %d", k, got[k], n)
		}
	}
}
