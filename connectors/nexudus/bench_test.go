package nexudus_test

import (
	"testing"

	"doorsync/connectors/nexudus"
	"doorsync/connectors/nexudus/nexudustest"
)

// BenchmarkBackfill10kMembers reads every stream of a 10,000-member space
// (with teams, contracts, bookings and passes) with throttling off, and
// reports the platform calls against the paging minimum: one sign-in and
// ceil(records/PageSize) pages a list (an empty list still one), plus one
// batch per 100 teams.
func BenchmarkBackfill10kMembers(b *testing.B) {
	const members, teamSize = 10000, 10
	f := newFake(b)
	counts := seedLarge(f, members, teamSize)
	minimum := 1 + (members/teamSize+99)/100
	for _, n := range counts {
		minimum += max(1, (n+nexudus.PageSize-1)/nexudus.PageSize)
	}
	b.ResetTimer()
	for range b.N {
		f.ResetCalls()
		c := newClient(f)
		total := 0
		for _, s := range c.Streams() {
			recs, _, _ := readAll(b, c, s.Name, nil)
			total += len(recs)
		}
		if total < members {
			b.Fatalf("read %d records, want at least %d", total, members)
		}
		b.ReportMetric(float64(f.TotalCalls()), "calls")
	}
	b.ReportMetric(float64(minimum), "min-calls")
}

// seedLarge seeds members in teams of teamSize, a contract and a booking
// each, and returns the size of every list a full read pages through.
func seedLarge(f *nexudustest.Server, members, teamSize int) map[string]int {
	loc := f.Put(nexudustest.Businesses, nexudustest.M{"Name": "HQ"})
	floor := f.Put(nexudustest.FloorPlans, nexudustest.M{"Name": "1", "BusinessId": loc})
	room := f.Put(nexudustest.Resources, nexudustest.M{"Name": "Room", "BusinessId": loc})
	plan := f.Put(nexudustest.Tariffs, nexudustest.M{"Name": "Hot desk"})
	var team []int
	for i := range members {
		cw := f.Put(nexudustest.Coworkers, nexudustest.M{"FullName": "M " + itoa(i), "Email": "m" + itoa(i) + "@example.com",
			"AccessCardId": itoa(100000 + i)})
		desk := f.Put(nexudustest.FloorPlanDesks, nexudustest.M{"Name": "D" + itoa(i), "FloorPlanId": floor, "FloorPlanBusinessId": loc})
		f.Put(nexudustest.CoworkerContracts, nexudustest.M{"CoworkerId": cw, "TariffId": plan, "Active": true,
			"StartDate": "2026-01-01T00:00:00Z", "FloorPlanDeskIds": itoa(desk)})
		if i%10 == 0 {
			f.Put(nexudustest.Bookings, nexudustest.M{"ResourceId": room, "CoworkerId": cw, "FromTime": future(1), "ToTime": future(2)})
		}
		if team = append(team, cw); len(team) == teamSize {
			f.Put(nexudustest.Teams, nexudustest.M{"Name": "T" + itoa(i), "TeamMembers": team})
			team = nil
		}
	}
	out := map[string]int{}
	for _, e := range []string{nexudustest.Businesses, nexudustest.FloorPlans, nexudustest.Tariffs, nexudustest.Teams,
		nexudustest.Coworkers, nexudustest.FloorPlanDesks, nexudustest.Resources, nexudustest.CoworkerContracts,
		nexudustest.Bookings, nexudustest.BookingVisitors, nexudustest.CoworkerTimePasses, nexudustest.TimePasses} {
		out[e] = f.Count(e)
	}
	out["teams again (members' lookup)"] = f.Count(nexudustest.Teams)
	return out
}
