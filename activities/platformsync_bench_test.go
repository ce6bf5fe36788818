package activities_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkPlatformBackfill backfills a space of members with a membership
// each (DOORSYNC_BENCH_MEMBERS, 10,000 by default) from the fake
// connector in pages of 100, through the real workflow, activities,
// writer and store, and reports the time, the records written per second
// and the platform calls against the fewest the paging allows.
//
//	go test ./activities/ -run '^$' -bench BenchmarkPlatformBackfill -benchtime 1x
func BenchmarkPlatformBackfill(b *testing.B) {
	members := 10000
	if n, err := strconv.Atoi(os.Getenv("DOORSYNC_BENCH_MEMBERS")); err == nil && n > 0 {
		members = n
	}
	const pageSize = 100
	for range b.N {
		b.StopTimer()
		e := newSyncEnv(b)
		e.platform.pageSize = pageSize
		e.platform.put("locations", "location", "loc1", 1, map[string]any{"name": "London"})
		for i := range members {
			id := fmt.Sprintf("m%05d", i)
			e.platform.member(id, 1)
			e.platform.membership("ms-"+id, id, 1)
		}
		b.StartTimer()
		start := time.Now()
		res := e.full()
		took := time.Since(start)
		if res.Written != 2*members+1 || res.Failed != 0 {
			b.Fatalf("backfill: %+v", res)
		}
		fewest := 1 + 2*((members+pageSize-1)/pageSize)
		b.ReportMetric(took.Seconds(), "s/backfill")
		b.ReportMetric(float64(res.Written)/took.Seconds(), "records/s")
		b.ReportMetric(float64(e.platform.calls), "platform-calls")
		b.ReportMetric(float64(fewest), "fewest-calls")
		b.StopTimer()
	}
}
