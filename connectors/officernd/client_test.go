package officernd_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"doorsync/connectors"
	"doorsync/connectors/officernd"
)

// The fake refuses unknown query parameters (400), so every call in these
// tests also checks the client sends none.

func TestPagingTakesTheMinimumOfCalls(t *testing.T) {
	f := newFake(t)
	seedMembers(f, 120)
	c := newClient(f)
	page, pages := readStream(t, c, "members", nil)
	if len(page.Records) != 120 || pages != 3 {
		t.Fatalf("read %d records in %d pages, want 120 in 3", len(page.Records), pages)
	}
	if want := 3 + 1; page.Calls != want || f.TotalCalls() != want {
		t.Errorf("calls: pages counted %d, fake saw %d; want %d (ceil(120/50) + 1 token)", page.Calls, f.TotalCalls(), want)
	}
}

func TestOneTokenServesManyCalls(t *testing.T) {
	f := newFake(t)
	seedMembers(f, 60)
	c := newClient(f)
	for _, s := range c.Streams() {
		readStream(t, c, s.Name, nil)
	}
	readStream(t, c, "members", nil)
	if n := f.Calls("POST /oauth/token"); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

func TestAnExpiredTokenIsRenewedOnce(t *testing.T) {
	f := newFake(t)
	seedMembers(f, 3)
	c := newClient(f)
	readStream(t, c, "members", nil)
	f.ExpireTokens()
	readStream(t, c, "members", nil)
	if n := f.Calls("POST /oauth/token"); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
}

func TestRefusedCredentialsAreUnauthorized(t *testing.T) {
	f := newFake(t)
	c := newClient(f, func(cfg *officernd.Config) { cfg.ClientSecret = "wrong" })
	if err := c.Check(context.Background()); !errors.Is(err, connectors.ErrUnauthorized) {
		t.Fatalf("Check = %v, want ErrUnauthorized", err)
	}
}

// takeTokens uses up the token endpoint's allowance directly.
func takeTokens(t *testing.T, base string, n int) {
	t.Helper()
	for range n {
		resp, err := http.PostForm(base+"/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"x"}, "client_secret": {"y"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
}

func TestTokenThrottleIsWaitedOutWithinTheBound(t *testing.T) {
	f := newFake(t)
	f.SetTokenLimit(5, time.Second)
	f.SetTokenRetryAfter(true)
	takeTokens(t, f.URL, 5)
	c := newClient(f)
	start := time.Now()
	if err := c.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if time.Since(start) < 500*time.Millisecond {
		t.Errorf("Check took %s: the throttle was not waited out", time.Since(start))
	}
	if n := f.Calls("POST /oauth/token"); n != 7 {
		t.Errorf("token requests = %d, want 5 + one refused + one granted", n)
	}
}

func TestTokenThrottleBeyondTheBoundIsThrottledError(t *testing.T) {
	f := newFake(t) // five a minute, no Retry-After: the documented endpoint
	takeTokens(t, f.URL, 5)
	c := newClient(f, func(cfg *officernd.Config) { cfg.MaxWait = 1500 * time.Millisecond })
	err := c.Check(context.Background())
	var th *connectors.ThrottledError
	if !errors.As(err, &th) || th.RetryAfter < time.Second {
		t.Fatalf("Check = %v, want a ThrottledError", err)
	}
}

func TestListThrottleSlowsButLosesNothing(t *testing.T) {
	f := newFake(t)
	seedMembers(f, 230)
	f.SetListRateLimit(2, time.Second) // ASSUMED behaviour: 429 + Retry-After
	c := newClient(f)
	start := time.Now()
	page, pages := readStream(t, c, "members", nil)
	if len(page.Records) != 230 || pages != 5 {
		t.Fatalf("read %d records in %d pages, want 230 in 5", len(page.Records), pages)
	}
	if time.Since(start) < 2*time.Second {
		t.Errorf("5 pages at 2 a second took %s", time.Since(start))
	}
	if f.Calls("GET /members") <= 5 {
		t.Errorf("the fake refused nothing: %d list calls", f.Calls("GET /members"))
	}
}

func TestALongListThrottleIsThrottledError(t *testing.T) {
	f := newFake(t)
	seedMembers(f, 3)
	f.SetListRateLimit(1, time.Minute)
	c := newClient(f)
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := c.Page(context.Background(), "members", nil, "")
	var th *connectors.ThrottledError
	if !errors.As(err, &th) || th.RetryAfter < 30*time.Second {
		t.Fatalf("Page = %v, want a ThrottledError of about a minute", err)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	f := newFake(t)
	seedMembers(f, 3)
	c := newClient(f)
	f.FailNext(2, http.StatusBadGateway)
	if page, _ := readStream(t, c, "members", nil); len(page.Records) != 3 {
		t.Fatalf("read %d records after two 502s, want 3", len(page.Records))
	}
	f.FailNext(3, http.StatusServiceUnavailable)
	_, err := c.Page(context.Background(), "members", nil, "")
	if err == nil || errors.Is(err, connectors.ErrUnauthorized) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("Page after three 503s = %v, want a retryable unavailable error", err)
	}
}

func TestIncrementalReadsOnlyWhatChanged(t *testing.T) {
	f := newFake(t)
	seedMembers(f, 5)
	time.Sleep(20 * time.Millisecond) // the fake's stamps run ahead of the clock by a millisecond a change
	since := time.Now()
	time.Sleep(5 * time.Millisecond)
	seedMembers(f, 2)
	c := newClient(f)
	page, _ := readStream(t, c, "members", &since)
	if len(page.Records) != 2 {
		t.Fatalf("incremental read %d members, want 2", len(page.Records))
	}
	for _, s := range c.Streams() {
		if s.Incremental {
			readStream(t, c, s.Name, &since) // the fake accepts the filter
			continue
		}
		if _, err := c.Page(context.Background(), s.Name, &since, ""); err == nil {
			t.Errorf("stream %s read since a time; it is not incremental", s.Name)
		}
	}
}

func TestStreamsAreInWriteOrder(t *testing.T) {
	var names []string
	for _, s := range newClient(newFake(t)).Streams() {
		names = append(names, s.Name)
	}
	want := "locations floors plans companies members resources memberships bookings passes"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("streams = %s, want %s", got, want)
	}
}

// Pages read at once (activities on one worker share the org's client)
// share one token fetch.
func TestConcurrentPagesShareOneToken(t *testing.T) {
	f := newFake(t)
	seedSpace(f)
	seedMembers(f, 120)
	c := newClient(f)
	done := make(chan int)
	for _, s := range c.Streams() {
		go func() {
			n, cursor := 0, ""
			for {
				p, err := c.Page(context.Background(), s.Name, nil, cursor)
				if err != nil {
					t.Errorf("%s: %v", s.Name, err)
					break
				}
				n += len(p.Records)
				if cursor = p.Next; cursor == "" {
					break
				}
			}
			done <- n
		}()
	}
	total := 0
	for range c.Streams() {
		total += <-done
	}
	if total != 12+120 {
		t.Errorf("read %d records, want %d", total, 12+120)
	}
	if n := f.Calls("POST /oauth/token"); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}
