package saltoks_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"doorsync/saltoks"
)

// TestConcurrentUse shares one client between goroutines that add and
// remove members while the server revokes every access token: each
// revocation must cost one refresh, not one per goroutine.
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t, nil)
	const workers, perWorker = 8, 10
	ids := make([][]string, workers)
	for w := range workers {
		for i := range perWorker {
			ids[w] = append(ids[w], e.newUser(t, london, fmt.Sprintf("w%d-%d@example.com", w, i)).UserID)
		}
	}
	e.fake.ResetRequests()

	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*2)
	for w := range workers {
		wg.Go(func() {
			for i, id := range ids[w] {
				if w == 0 && i == perWorker/2 {
					e.fake.ExpireTokens()
				}
				if err := e.client.AddGroupMember(ctx(t), london, londonMembers, id); err != nil {
					errs <- err
				}
				if i%2 == 0 {
					if err := e.client.RemoveGroupMember(ctx(t), london, londonMembers, id); err != nil {
						errs <- err
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	var want []string
	for w := range workers {
		for i, id := range ids[w] {
			if i%2 == 1 {
				want = append(want, id)
			}
		}
	}
	members, err := e.client.ListGroupMembers(ctx(t), london, londonMembers)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range members {
		if m.UserID != adaUserID {
			got = append(got, m.UserID)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%d members, want %d", len(got), len(want))
	}
	if n := e.fake.Requests()["POST /connect/token"]; n != 1 {
		t.Errorf("%d refreshes for one revocation, want 1", n)
	}
	if e.tokens.count() != 1 {
		t.Errorf("OnToken called %d times, want 1", e.tokens.count())
	}
}

func TestRateLimiter(t *testing.T) {
	tests := []struct {
		name  string
		tweak func(*saltoks.Config)
		calls int
		min   time.Duration
	}{
		// burst 10, then one call every 100 ms
		{"own limiter", func(c *saltoks.Config) { c.RequestsPerSecond = 10 }, 15, 450 * time.Millisecond},
		{"no limiter", nil, 15, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.tweak)
			start := time.Now()
			for range tt.calls {
				if _, err := e.client.GetSite(ctx(t), london); err != nil {
					t.Fatal(err)
				}
			}
			if elapsed := time.Since(start); elapsed < tt.min {
				t.Errorf("%d calls took %v, want >= %v", tt.calls, elapsed, tt.min)
			}
		})
	}
}

// TestSharedLimiterCapsTheAccount gives two clients of one account the same
// limiter: together they stay under its rate.
func TestSharedLimiterCapsTheAccount(t *testing.T) {
	e := newEnv(t, nil)
	cfg := e.cfg
	cfg.Limiter = rate.NewLimiter(rate.Limit(20), 1)
	clients := []*saltoks.Client{saltoks.New(cfg, e.client.Token()), saltoks.New(cfg, e.client.Token())}
	start := time.Now()
	for i := range 10 {
		if _, err := clients[i%2].GetSite(ctx(t), london); err != nil {
			t.Fatal(err)
		}
	}
	if elapsed := time.Since(start); elapsed < 400*time.Millisecond {
		t.Errorf("10 calls through a shared 20/s limiter took %v, want >= 450ms", elapsed)
	}
}
