package officernd_test

import (
	"testing"
	"time"

	"doorsync/connectors/officernd/officerndtest"
)

// bigSpace seeds a 10,000-member space and returns the lists' sizes.
func bigSpace(f *officerndtest.Server) map[officerndtest.Collection]int {
	now := time.Now().UTC()
	loc := f.AddLocation(officerndtest.Location{Name: "HQ", Timezone: "Europe/London"})
	var floors, plans, companies, desks, rooms, visitors []string
	for i := range 5 {
		floors = append(floors, f.AddFloor(officerndtest.Floor{Name: "F" + itoa(i), Location: loc}))
	}
	for i := range 10 {
		plans = append(plans, f.AddPlan(officerndtest.Plan{Name: "P" + itoa(i)}))
	}
	for i := range 500 {
		companies = append(companies, f.AddCompany(officerndtest.Company{Name: "C" + itoa(i), Location: loc, Status: "active"}))
	}
	for i := range 1000 {
		desks = append(desks, f.AddResource(officerndtest.Resource{Name: "D" + itoa(i), Type: "desk", Location: loc, Floor: floors[i%5]}))
	}
	for i := range 50 {
		rooms = append(rooms, f.AddResource(officerndtest.Resource{Name: "R" + itoa(i), Type: "meeting_room", Location: loc}))
	}
	for i := range 1000 {
		visitors = append(visitors, f.AddVisitor(officerndtest.Visitor{Name: "V " + itoa(i), Email: "v" + itoa(i) + "@example.com"}))
	}
	for i := range 10_000 {
		m := f.AddMember(officerndtest.Member{Name: "M " + itoa(i), Email: "m" + itoa(i) + "@example.com", Location: loc,
			Company: companies[i%500], Status: "active"})
		ms := f.AddMembership(officerndtest.Membership{IsPersonal: true, CalculatedStatus: "active", Plan: plans[i%10],
			Member: m, StartDate: now.AddDate(0, -1, 0)})
		if i < 1000 {
			f.AddAssignment(officerndtest.Assignment{Resource: desks[i], Membership: ms, StartDate: now.AddDate(0, -1, 0)})
		}
		if i < 2000 {
			f.AddBooking(officerndtest.Booking{Start: now.Add(time.Duration(i) * time.Hour), End: now.Add(time.Duration(i)*time.Hour + time.Hour),
				Member: m, Resource: rooms[i%50], Visitors: []string{visitors[i%1000]}})
		}
		if i < 1000 {
			f.AddPass(officerndtest.Pass{Count: 10, Member: m, ValidFrom: now, ValidTo: now.AddDate(0, 1, 0), Status: "valid"})
		}
	}
	sizes := map[officerndtest.Collection]int{}
	for _, c := range []officerndtest.Collection{officerndtest.Locations, officerndtest.Floors, officerndtest.Plans,
		officerndtest.Companies, officerndtest.Members, officerndtest.Resources, officerndtest.Memberships,
		officerndtest.Assignments, officerndtest.Bookings, officerndtest.Visitors, officerndtest.Passes} {
		sizes[c] = f.Count(c)
	}
	return sizes
}

// BenchmarkBackfill reads every stream of a 10,000-member space and
// reports the platform calls against the paging minimum: ceil(n/50) per
// list read (visitors included, which bookings name) plus one token.
func BenchmarkBackfill(b *testing.B) {
	f := newFake(b)
	sizes := bigSpace(f)
	minimum := 1
	for _, n := range sizes {
		minimum += max(1, (n+49)/50)
	}
	b.ResetTimer()
	var calls, records int
	for range b.N {
		f.ResetCalls()
		c := newClient(f)
		calls, records = 0, 0
		for _, s := range c.Streams() {
			page, _ := readStream(b, c, s.Name, nil)
			calls += page.Calls
			records += len(page.Records)
		}
		if calls != f.TotalCalls() {
			b.Fatalf("pages counted %d calls, the fake saw %d", calls, f.TotalCalls())
		}
	}
	b.ReportMetric(float64(calls), "calls/op")
	b.ReportMetric(float64(minimum), "min-calls")
	b.ReportMetric(float64(records), "records/op")
}
