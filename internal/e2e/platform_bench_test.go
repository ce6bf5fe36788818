package e2e_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"doorsync/connectors/officernd/officerndtest"
)

// BenchmarkOfficeRnDBackfill connects an org to a fake OfficeRnD space of
// members with a membership each (DOORSYNC_BENCH_MEMBERS, 10,000 by
// default) and waits for the backfill: the API's connect, the sync
// workflow, the real connector over HTTP, the write path, Postgres. It
// reports the time, the records written per second, and the platform
// calls against the fewest the paging allows (one token, the list call
// that proves the credentials at connect, and ceil(n/50) per list: a page
// holds 50).
//
//	go test ./internal/e2e -run '^$' -bench OfficeRnDBackfill -benchtime 1x
func BenchmarkOfficeRnDBackfill(b *testing.B) {
	members := 10000
	if n, err := strconv.Atoi(os.Getenv("DOORSYNC_BENCH_MEMBERS")); err == nil && n > 0 {
		members = n
	}
	for range b.N {
		b.StopTimer()
		fake := officerndtest.NewServer()
		s := newStack(b, stackOptions{platformURLs: []string{fake.URL}})
		space := seedOfficeRnD(fake)
		for i := range members {
			m := fake.AddMember(officerndtest.Member{Name: "Member " + strconv.Itoa(i), Email: "m" + strconv.Itoa(i) + "@example.com",
				Location: space.location, Status: "active"})
			fake.AddMembership(space.membership(m))
		}
		fewest := 2
		for _, c := range []officerndtest.Collection{officerndtest.Locations, officerndtest.Floors, officerndtest.Plans,
			officerndtest.Companies, officerndtest.Members, officerndtest.Resources, officerndtest.Memberships,
			officerndtest.Assignments, officerndtest.Bookings, officerndtest.Visitors, officerndtest.Passes} {
			fewest += max(1, (fake.Count(c)+49)/50)
		}
		fake.ResetCalls()
		b.StartTimer()
		start := time.Now()
		s.connectOfficeRnD(fake)
		s.eventually(30*time.Minute, "the backfill", func() bool {
			at, _ := s.platform()["last_sync_at"].(string)
			return at != ""
		})
		took := time.Since(start)
		b.StopTimer()
		p := s.platform()
		counts, _ := p["counts"].(map[string]any)
		if counts["member"] != float64(members) || counts["membership"] != float64(members) || p["last_error"] != "" {
			b.Fatalf("after the backfill: %s", mustJSON(p))
		}
		b.ReportMetric(took.Seconds(), "s/backfill")
		b.ReportMetric(float64(2*members)/took.Seconds(), "records/s")
		b.ReportMetric(float64(fake.TotalCalls()), "platform-calls")
		b.ReportMetric(float64(fewest), "fewest-calls")
		fake.Close()
	}
}
