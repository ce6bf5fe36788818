package nexudus_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"doorsync/connectors"
	"doorsync/connectors/nexudus"
	"doorsync/connectors/nexudus/nexudustest"
)

func seedCoworkers(f *nexudustest.Server, n int) {
	for i := range n {
		f.Put(nexudustest.Coworkers, nexudustest.M{"FullName": "Member " + itoa(i), "Email": "m" + itoa(i) + "@example.com"})
	}
}

// A full read takes the paging minimum: one sign-in, the teams (a list
// page and a batch), and ceil(n/size) pages; a server capping size pages
// correctly too.
func TestPagingTakesTheMinimumCalls(t *testing.T) {
	for _, maxSize := range []int{0, 300} {
		f := newFake(t)
		f.Assume(nexudustest.Assumptions{MaxPageSize: maxSize})
		seedCoworkers(f, 2500)
		f.Put(nexudustest.Teams, nexudustest.M{"Name": "T", "TeamMembers": []int{}})
		c := newClient(f)
		recs, _, calls := readAll(t, c, nexudus.StreamMembers, nil)
		if len(recs) != 2500 {
			t.Fatalf("max size %d: %d members, want 2500", maxSize, len(recs))
		}
		size := nexudus.PageSize
		if maxSize > 0 {
			size = maxSize
		}
		want := 1 + 2 + (2500+size-1)/size
		if calls != want || f.TotalCalls() != want {
			t.Errorf("max size %d: %d calls (fake counted %d), want %d", maxSize, calls, f.TotalCalls(), want)
		}
	}
}

// Records removed from an earlier page while a pass reads do not hide the
// records they shift.
func TestPagingSurvivesDeletionsDuringAPass(t *testing.T) {
	f := newFake(t)
	f.Assume(nexudustest.Assumptions{MaxPageSize: 10})
	seedCoworkers(f, 30)
	c := newClient(f)
	p, err := c.Page(context.Background(), nexudus.StreamMembers, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range p.Records {
		seen[r.ID] = true
	}
	for _, id := range []int{1001, 1002, 1003} { // the first page's first three
		f.Remove(nexudustest.Coworkers, id)
	}
	for cursor := p.Next; cursor != ""; {
		p, err := c.Page(context.Background(), nexudus.StreamMembers, nil, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Records {
			seen[r.ID] = true
		}
		cursor = p.Next
	}
	if len(seen) != 30 {
		t.Errorf("a pass saw %d members, want all 30", len(seen))
	}
}

// The token is reused across calls; an expired one is refreshed with the
// refresh token, a revoked one answered 401 leads to one new sign-in.
func TestTokenReuseAndRefresh(t *testing.T) {
	f := newFake(t)
	seed(f)
	c := newClient(f)
	ctx := context.Background()
	for range 3 {
		if err := c.Check(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.Calls("POST /api/token"); n != 1 {
		t.Fatalf("%d token calls for three checks, want 1", n)
	}
	f.ExpireTokens()
	if err := c.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.Calls("POST /api/token"); n != 2 {
		t.Fatalf("%d token calls after a 401, want 2", n)
	}

	f2 := newFake(t)
	f2.SetTokenTTL(time.Second)
	c2 := newClient(f2)
	if err := c2.Check(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // oauth2 renews ten seconds early: every call refreshes
	if err := c2.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if f2.Grants("refresh_token") < 1 || f2.Grants("password") != 1 {
		t.Fatalf("grants: %d password, %d refresh; want one sign-in, then refreshes",
			f2.Grants("password"), f2.Grants("refresh_token"))
	}
}

// A batch without collections (ASSUMED otherwise) falls back to one GET a
// team: members still get their team.
func TestTeamsWithoutCollectionsInBatch(t *testing.T) {
	f := newFake(t)
	s := seed(f)
	f.Assume(nexudustest.Assumptions{BatchOmitsCollections: true})
	recs, _, _ := readAll(t, newClient(f), nexudus.StreamMembers, nil)
	if got := body(t, recs[itoa(s.bob)])["team_id"]; got != itoa(s.team) {
		t.Fatalf("team_id %v, want %d", got, s.team)
	}
	if n := f.Calls("GET /api/spaces/teams/{id}"); n != 1 {
		t.Errorf("%d single GETs of teams, want 1", n)
	}
}

func TestBadCredentialsAreUnauthorized(t *testing.T) {
	f := newFake(t)
	c := nexudus.New(nexudus.Config{Username: user, Password: "wrong", BaseURL: f.URL})
	if err := c.Check(context.Background()); !errors.Is(err, connectors.ErrUnauthorized) {
		t.Fatalf("Check = %v, want ErrUnauthorized", err)
	}
}

// A 409 with a short Retry-After is waited out: the page arrives, later,
// whole; a long one is a ThrottledError for the caller.
func TestThrottleSlowsButLosesNothing(t *testing.T) {
	f := newFake(t)
	seedCoworkers(f, 50)
	c := newClient(f)
	f.ThrottleNext("GET /api/spaces/coworkers", 2, time.Second)
	start := time.Now()
	recs, _, _ := readAll(t, c, nexudus.StreamMembers, nil)
	if len(recs) != 50 {
		t.Fatalf("%d members, want 50", len(recs))
	}
	if waited := time.Since(start); waited < 2*time.Second {
		t.Errorf("read in %s, want at least the two Retry-After seconds", waited)
	}

	f.ThrottleNext("GET /api/spaces/coworkers", 1, time.Minute)
	_, err := c.Page(context.Background(), nexudus.StreamMembers, nil, "")
	var te *connectors.ThrottledError
	if !errors.As(err, &te) || te.RetryAfter != time.Minute {
		t.Fatalf("Page = %v, want a ThrottledError of a minute", err)
	}
}

// The documented budgets, shrunk: a full read of everything under them
// gets every record.
func TestBudgetsSlowTheSync(t *testing.T) {
	f := newFake(t)
	s := seed(f)
	f.SetLimits(nexudustest.Limits{MinInterval: 100 * time.Millisecond, PerMinute: 6, Minute: 2 * time.Second})
	c := newClient(f)
	members, _, _ := readAll(t, c, nexudus.StreamMembers, nil)
	bookings, _, _ := readAll(t, c, nexudus.StreamBookings, nil)
	if len(members) != 2 || bookings[itoa(s.booking)].ID == "" {
		t.Fatalf("members %d, bookings %v", len(members), bookings)
	}
}

// A 5xx is retried; persistent ones are a retryable StatusError.
func TestServerErrorsAreRetried(t *testing.T) {
	f := newFake(t)
	seedCoworkers(f, 5)
	c := newClient(f)
	f.FailNext("GET /api/spaces/coworkers", 2, http.StatusBadGateway)
	if recs, _, _ := readAll(t, c, nexudus.StreamMembers, nil); len(recs) != 5 {
		t.Fatalf("%d members after two 502s, want 5", len(recs))
	}
	f.FailNext("GET /api/spaces/coworkers", 10, http.StatusServiceUnavailable)
	_, err := c.Page(context.Background(), nexudus.StreamMembers, nil, "")
	var se *nexudus.StatusError
	if !errors.As(err, &se) || !se.Retryable() {
		t.Fatalf("Page = %v, want a retryable StatusError", err)
	}
}

// An incremental read asks for what changed since the minute of since.
func TestIncrementalReadsOnlyChanges(t *testing.T) {
	f := newFake(t)
	seedCoworkers(f, 20)
	c := newClient(f)
	since := time.Now().Add(2 * time.Minute) // nothing has changed at or after it
	if recs, _, _ := readAll(t, c, nexudus.StreamMembers, &since); len(recs) != 0 {
		t.Fatalf("%d members changed since a future minute, want 0", len(recs))
	}
	past := time.Now().Add(-time.Minute)
	if recs, _, _ := readAll(t, c, nexudus.StreamMembers, &past); len(recs) != 20 {
		t.Fatalf("%d members changed in the last minute, want 20", len(recs))
	}
}
