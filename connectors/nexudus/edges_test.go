package nexudus_test

import (
	"testing"
	"time"

	"doorsync/access"
	"doorsync/connectors"
	"doorsync/connectors/nexudus"
	"doorsync/connectors/nexudus/nexudustest"
)

// What a record becomes at the edges the record leaves to us.
func TestTranslationEdges(t *testing.T) {
	f := newFake(t)
	s := seed(f)
	c := newClient(f)
	cancelled := f.Put(nexudustest.CoworkerContracts, nexudustest.M{"CoworkerId": s.bob, "TariffId": s.plan,
		"StartDate": "2026-01-01T00:00:00Z", "Active": false, "Cancelled": true})
	future := f.Put(nexudustest.CoworkerContracts, nexudustest.M{"CoworkerId": s.bob, "TariffId": s.plan,
		"StartDate": "2099-01-01T09:00:00Z", "Active": false})
	never := f.Put(nexudustest.CoworkerContracts, nexudustest.M{"CoworkerId": s.bob, "TariffId": s.plan,
		"StartDate": "2026-05-01T00:00:00Z", "CancellationDate": "2026-04-01T00:00:00Z", "Cancelled": true})
	archived := f.Put(nexudustest.Coworkers, nexudustest.M{"FullName": "Old", "Email": "old@example.com", "Archived": true})
	noMail := f.Put(nexudustest.Coworkers, nexudustest.M{"FullName": "Contact"})
	timed := f.Put(nexudustest.TimePasses, nexudustest.M{"Name": "10 hours", "MinutesIncluded": 600})
	hours := f.Put(nexudustest.CoworkerTimePasses, nexudustest.M{"CoworkerId": s.bob, "BusinessId": s.loc, "TimePassId": timed})
	f.Update(nexudustest.CoworkerTimePasses, s.dayPass, nexudustest.M{"Used": true, "RemainingUses": 0,
		"UsedDate": "2026-03-04T10:00:00Z"})

	ms, _, _ := readAll(t, c, nexudus.StreamMemberships, nil)
	if ends := body(t, ms[itoa(cancelled)])["ends_at"]; ends == nil {
		t.Errorf("a cancelled contract without a date has no end")
	}
	if got := body(t, ms[itoa(future)]); got["ends_at"] != nil || got["starts_at"] != "2099-01-01T09:00:00Z" {
		t.Errorf("a future inactive contract = %v, want open from its start", got)
	}
	if _, ok := ms[itoa(never)]; ok {
		t.Errorf("a contract cancelled before its start became a membership")
	}
	members, deleted, _ := readAll(t, c, nexudus.StreamMembers, nil)
	if _, ok := members[itoa(noMail)]; ok {
		t.Errorf("a coworker without an e-mail became a member")
	}
	if len(deleted) != 1 || deleted[0] != (connectors.Ref{Kind: access.KindMember, ID: itoa(archived)}) {
		t.Errorf("deleted %v, want the archived coworker", deleted)
	}
	passes, _, _ := readAll(t, c, nexudus.StreamDayPasses, nil)
	if _, ok := passes[itoa(hours)]; ok {
		t.Errorf("a time pass with minutes became a day pass")
	}
	if got := body(t, passes[itoa(s.dayPass)]); got["valid_from"] != "2026-03-04" || got["valid_until"] != "2026-03-04" {
		t.Errorf("a used day pass = %v, want the day of its use", got)
	}
}

// An incremental pass also yields the members of teams that changed and
// the bookings whose visitors changed, whose own UpdatedOn need not move.
func TestIncrementalFollowsCollections(t *testing.T) {
	f := newFake(t)
	s := seed(f)
	c := newClient(f)
	carl := f.Put(nexudustest.Coworkers, nexudustest.M{"FullName": "Carl New", "Email": "carl@example.com"})
	since := time.Now().Add(time.Minute)                                    // after everything seeded so far…
	f.SetClock(func() time.Time { return time.Now().Add(2 * time.Minute) }) // …and before what follows
	f.Update(nexudustest.Teams, s.team, nexudustest.M{"TeamMembers": []int{s.alice, s.bob, carl}})
	f.Put(nexudustest.BookingVisitors, nexudustest.M{"BookingId": s.booking, "VisitorId": 9,
		"VisitorFullName": "Late Guest", "VisitorEmail": "late@example.com"})

	members, _, _ := readAll(t, c, nexudus.StreamMembers, &since)
	if got := body(t, members[itoa(carl)]); got["team_id"] != itoa(s.team) {
		t.Errorf("carl = %v, want in team %d", got, s.team)
	}
	bookings, _, _ := readAll(t, c, nexudus.StreamBookings, &since)
	if got := body(t, bookings[itoa(s.booking)]); len(got["guests"].([]any)) != 2 {
		t.Errorf("booking = %v, want the late guest too", got)
	}
}

// The demo space reads whole through every stream.
func TestDemoSeedReadsWhole(t *testing.T) {
	f := nexudustest.NewServer()
	t.Cleanup(f.Close)
	f.SetLimits(nexudustest.Limits{})
	if err := f.LoadFile(""); err != nil {
		t.Fatal(err)
	}
	c := nexudus.New(nexudus.Config{Username: "doorsync@demo.example", Password: "demo", BaseURL: f.URL})
	want := map[string]int{nexudus.StreamLocations: 1, nexudus.StreamFloors: 1, nexudus.StreamPlans: 1,
		nexudus.StreamTeams: 1, nexudus.StreamMembers: 3, nexudus.StreamResources: 3, nexudus.StreamMemberships: 2,
		nexudus.StreamDayPasses: 1}
	for stream, n := range want {
		if recs, _, _ := readAll(t, c, stream, nil); len(recs) != n {
			t.Errorf("%s: %d records, want %d", stream, len(recs), n)
		}
	}
}
