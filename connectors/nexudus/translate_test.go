package nexudus_test

import (
	"testing"

	"doorsync/access"
	"doorsync/connectors/nexudus"
	"doorsync/connectors/nexudus/nexudustest"
)

// Every kind, read through the streams from the fake, in the API's shape.
func TestStreamsTranslateEveryKind(t *testing.T) {
	f := newFake(t)
	s := seed(f)
	c := newClient(f)

	tests := []struct {
		stream string
		id     string
		kind   access.Kind
		want   map[string]any
	}{
		{nexudus.StreamLocations, itoa(s.loc), access.KindLocation, map[string]any{"name": "Soho", "time_zone": "Europe/London"}},
		{nexudus.StreamFloors, itoa(s.floor), access.KindFloor, map[string]any{"name": "Ground", "location_id": itoa(s.loc)}},
		{nexudus.StreamPlans, itoa(s.plan), access.KindPlan, map[string]any{"name": "Dedicated desk"}},
		{nexudus.StreamTeams, itoa(s.team), access.KindTeam, map[string]any{"name": "Acme"}},
		{nexudus.StreamMembers, itoa(s.alice), access.KindMember, map[string]any{"email": "alice@example.com",
			"first_name": "Alice", "last_name": "Liddell", "team_id": itoa(s.team), "access_cards": []any{"A1B2", "F00D"}}},
		{nexudus.StreamResources, nexudus.DeskID(s.desk), access.KindResource, map[string]any{"kind": "assignable",
			"name": "Desk 1", "location_id": itoa(s.loc), "floor_id": itoa(s.floor)}},
		{nexudus.StreamResources, itoa(s.room), access.KindResource, map[string]any{"kind": "bookable",
			"name": "Board room", "location_id": itoa(s.loc)}},
		{nexudus.StreamMemberships, itoa(s.contract), access.KindMembership, map[string]any{"plan_id": itoa(s.plan),
			"member_id": itoa(s.alice), "resource_id": nexudus.DeskID(s.desk), "starts_at": "2026-01-01"}},
		{nexudus.StreamBookings, itoa(s.booking), access.KindBooking, map[string]any{"resource_id": itoa(s.room),
			"member_id": itoa(s.bob), "guests": []any{map[string]any{"email": "carol@example.com", "first_name": "Carol", "last_name": "Guest"}}}},
		{nexudus.StreamDayPasses, itoa(s.dayPass), access.KindDayPass, map[string]any{"member_id": itoa(s.bob),
			"location_id": itoa(s.loc), "passes": float64(1), "valid_until": "2027-06-30"}},
	}
	for _, tc := range tests {
		t.Run(tc.stream+"/"+tc.id, func(t *testing.T) {
			recs, _, _ := readAll(t, c, tc.stream, nil)
			r, ok := recs[tc.id]
			if !ok {
				t.Fatalf("%s has no record %s: %v", tc.stream, tc.id, recs)
			}
			if r.Kind != tc.kind {
				t.Errorf("kind %s, want %s", r.Kind, tc.kind)
			}
			got := body(t, r)
			for k, want := range tc.want {
				if !equalJSON(got[k], want) {
					t.Errorf("%s = %#v, want %#v", k, got[k], want)
				}
			}
			for _, owned := range []string{"salto_site_id", "buffer_before", "buffer_after"} {
				if _, ok := got[owned]; ok {
					t.Errorf("body carries operator-owned %s", owned)
				}
			}
			if v, _ := got["version"].(float64); v <= 0 {
				t.Errorf("version = %v, want the UpdatedOn in Unix ms", got["version"])
			}
		})
	}
}

func TestLocationTimeZones(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	iana := f.Put(nexudustest.Businesses, nexudustest.M{"Name": "A", "TimeZone": "America/New_York"})
	windows := f.Put(nexudustest.Businesses, nexudustest.M{"Name": "B", "TimeZone": "GMT Standard Time"})
	unknown := f.Put(nexudustest.Businesses, nexudustest.M{"Name": "C", "TimeZone": "Mars/Olympus"})
	recs, _, _ := readAll(t, c, nexudus.StreamLocations, nil)
	for id, want := range map[int]any{iana: "America/New_York", windows: "Europe/London", unknown: nil} {
		if got := body(t, recs[itoa(id)])["time_zone"]; got != want {
			t.Errorf("location %d time_zone %v, want %v", id, got, want)
		}
	}
}

func equalJSON(a, b any) bool {
	return fmtAny(a) == fmtAny(b)
}
