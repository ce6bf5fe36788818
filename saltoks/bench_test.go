package saltoks_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"doorsync/saltoks"
)

// BenchmarkAddRemoveGroupMembers adds 1,000 users to an access group and
// removes them again through the client, against the fake over loopback
// HTTP: 2,000 API calls per iteration.
func BenchmarkAddRemoveGroupMembers(b *testing.B) {
	e := newEnv(b, func(c *saltoks.Config) {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	})
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = e.newUser(b, london, fmt.Sprintf("bench%d@example.com", i)).UserID
	}
	c := ctx(b)
	b.ReportAllocs()
	calls := 0
	for b.Loop() {
		for _, id := range ids {
			if err := e.client.AddGroupMember(c, london, londonMembers, id); err != nil {
				b.Fatal(err)
			}
		}
		for _, id := range ids {
			if err := e.client.RemoveGroupMember(c, london, londonMembers, id); err != nil {
				b.Fatal(err)
			}
		}
		calls += 2 * len(ids)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(calls), "µs/call")
}

// BenchmarkAddRemoveGroupMembersParallel does the same work from 8
// goroutines sharing one client.
func BenchmarkAddRemoveGroupMembersParallel(b *testing.B) {
	e := newEnv(b, func(c *saltoks.Config) {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	})
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = e.newUser(b, london, fmt.Sprintf("bench%d@example.com", i)).UserID
	}
	c := ctx(b)
	const workers = 8
	calls := 0
	for b.Loop() {
		errs := make(chan error, workers)
		for w := range workers {
			go func() {
				for i := w; i < len(ids); i += workers {
					if err := e.client.AddGroupMember(c, london, londonMembers, ids[i]); err != nil {
						errs <- err
						return
					}
					if err := e.client.RemoveGroupMember(c, london, londonMembers, ids[i]); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range workers {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		calls += 2 * len(ids)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(calls), "µs/call")
}
