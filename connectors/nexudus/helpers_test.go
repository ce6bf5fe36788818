package nexudus_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"doorsync/connectors"
	"doorsync/connectors/nexudus"
	"doorsync/connectors/nexudus/nexudustest"
)

const (
	user   = "admin@space.example"
	pass   = "s3cret"
	secret = "hook-secret"
)

// newFake is a fake with the admin user and throttling off (tests of the
// throttle turn it on).
func newFake(t testing.TB) *nexudustest.Server {
	t.Helper()
	f := nexudustest.NewServer()
	t.Cleanup(f.Close)
	f.AddUser(user, pass)
	f.SetLimits(nexudustest.Limits{})
	f.SetWebhookSecret(secret)
	return f
}

func newClient(f *nexudustest.Server) *nexudus.Client {
	return nexudus.New(nexudus.Config{Username: user, Password: pass, WebhookSecret: secret, BaseURL: f.URL})
}

// readAll reads a stream to its end and returns its records by id and the
// calls it took.
func readAll(t testing.TB, c *nexudus.Client, stream string, since *time.Time) (map[string]connectors.Record, []connectors.Ref, int) {
	t.Helper()
	recs := map[string]connectors.Record{}
	var deleted []connectors.Ref
	calls, cursor := 0, ""
	for {
		p, err := c.Page(context.Background(), stream, since, cursor)
		if err != nil {
			t.Fatalf("page of %s: %v", stream, err)
		}
		for _, r := range p.Records {
			recs[r.ID] = r
		}
		deleted = append(deleted, p.Deleted...)
		calls += p.Calls
		if cursor = p.Next; cursor == "" {
			return recs, deleted, calls
		}
	}
}

func body(t testing.TB, r connectors.Record) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// space seeds a small space: a location, floor, desk, room, plan, team of
// two, a contract with a desk, a booking with two visitors (one without an
// e-mail) and a day pass.
type space struct {
	loc, floor, desk, room, plan, team, alice, bob, contract, booking, dayPass int
}

func seed(f *nexudustest.Server) space {
	var s space
	s.loc = f.Put(nexudustest.Businesses, nexudustest.M{"Name": "Soho", "TimeZone": "Europe/London"})
	s.floor = f.Put(nexudustest.FloorPlans, nexudustest.M{"Name": "Ground", "BusinessId": s.loc, "FloorLevel": 0})
	s.desk = f.Put(nexudustest.FloorPlanDesks, nexudustest.M{"Name": "Desk 1", "FloorPlanId": s.floor, "FloorPlanBusinessId": s.loc})
	s.room = f.Put(nexudustest.Resources, nexudustest.M{"Name": "Board room", "BusinessId": s.loc, "ResourceTypeId": 1})
	s.plan = f.Put(nexudustest.Tariffs, nexudustest.M{"Name": "Dedicated desk", "SystemTariffType": 3})
	s.alice = f.Put(nexudustest.Coworkers, nexudustest.M{"FullName": "Alice Liddell", "Email": "alice@example.com",
		"AccessCardId": "A1B2", "KeyFobNumber": "F00D", "CoworkerType": 1})
	s.bob = f.Put(nexudustest.Coworkers, nexudustest.M{"FullName": "Bob Stone", "GuessedFirstName": "Bob",
		"GuessedLastName": "Stone", "Email": "bob@example.com", "CoworkerType": 1})
	s.team = f.Put(nexudustest.Teams, nexudustest.M{"Name": "Acme", "TeamMembers": []int{s.alice, s.bob}})
	s.contract = f.Put(nexudustest.CoworkerContracts, nexudustest.M{"CoworkerId": s.alice, "TariffId": s.plan,
		"StartDate": "2026-01-01T00:00:00Z", "StartDateLocal": "2026-01-01T00:00:00", "Active": true,
		"FloorPlanDeskIds": itoa(s.desk)})
	s.booking = f.Put(nexudustest.Bookings, nexudustest.M{"ResourceId": s.room, "CoworkerId": s.bob,
		"FromTime": future(1), "ToTime": future(2)})
	f.Put(nexudustest.BookingVisitors, nexudustest.M{"BookingId": s.booking, "VisitorId": 1,
		"VisitorFullName": "Carol Guest", "VisitorEmail": "carol@example.com"})
	f.Put(nexudustest.BookingVisitors, nexudustest.M{"BookingId": s.booking, "VisitorId": 2, "VisitorFullName": "No Mail"})
	pass := f.Put(nexudustest.TimePasses, nexudustest.M{"Name": "Day pass", "MinutesIncluded": nil})
	s.dayPass = f.Put(nexudustest.CoworkerTimePasses, nexudustest.M{"CoworkerId": s.bob, "BusinessId": s.loc,
		"TimePassId": pass, "ExpireDate": "2027-06-30T00:00:00Z", "TotalUses": 1, "RemainingUses": 1})
	return s
}

// future is an hour h hours from now, on the minute, as Nexudus writes it.
func future(h int) string {
	return nexudustest.FormatTime(time.Now().Add(time.Duration(h) * time.Hour).Truncate(time.Minute))
}

func itoa(n int) string { return strconv.Itoa(n) }

func fmtAny(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
