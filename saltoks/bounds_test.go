package saltoks_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"doorsync/saltoks"
)

// listStub is a loopback Connect API whose /v1.2/sites listing misbehaves
// as its mode says: "endless" (every page links to a new one), "loop" (page
// 3 links back to page 2) or "big" (one page of bodyBytes).
type listStub struct {
	*httptest.Server
	mode      string
	bodyBytes int
	served    atomic.Int64
}

func newListStub(t *testing.T, mode string) *listStub {
	t.Helper()
	s := &listStub{mode: mode}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *listStub) serve(w http.ResponseWriter, r *http.Request) {
	s.served.Add(1)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	w.Header().Set("Content-Type", "application/json")
	if s.mode == "big" {
		name := strings.Repeat("x", s.bodyBytes)
		fmt.Fprintf(w, `{"items":[{"id":"s1","name":%q}],"next_page_link":null}`, name)
		return
	}
	next := page + 1
	if s.mode == "loop" && page == 3 {
		next = 2
	}
	fmt.Fprintf(w, `{"items":[{"id":"s%d","name":"Site %d"}],"next_page_link":"%s/v1.2/sites?page=%d"}`, page, page, s.URL, next)
}

func (s *listStub) client(tweak func(*saltoks.Config)) *saltoks.Client {
	cfg := saltoks.Config{IdentityURL: s.URL, APIURL: s.URL, ClientID: "c", ClientSecret: "s"}
	if tweak != nil {
		tweak(&cfg)
	}
	return saltoks.New(cfg, validToken())
}

func TestListingStopsAtMaxPages(t *testing.T) {
	stub := newListStub(t, "endless")
	_, err := stub.client(func(c *saltoks.Config) { c.MaxPages = 25 }).ListSites(ctx(t))
	if !errors.Is(err, saltoks.ErrTooManyPages) {
		t.Fatalf("endless listing: err = %v, want ErrTooManyPages", err)
	}
	if got := stub.served.Load(); got != 25 {
		t.Errorf("pages fetched = %d, want 25", got)
	}
}

func TestListingDefaultPageCapIsTenThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches 10,000 pages")
	}
	stub := newListStub(t, "endless")
	_, err := stub.client(nil).ListSites(ctx(t))
	if !errors.Is(err, saltoks.ErrTooManyPages) {
		t.Fatalf("endless listing: err = %v, want ErrTooManyPages", err)
	}
	if got := stub.served.Load(); got != saltoks.DefaultMaxPages {
		t.Errorf("pages fetched = %d, want %d", got, saltoks.DefaultMaxPages)
	}
}

func TestListingRefusesANextPageLinkLoop(t *testing.T) {
	stub := newListStub(t, "loop")
	_, err := stub.client(nil).ListSites(ctx(t))
	if !errors.Is(err, saltoks.ErrPageLoop) {
		t.Fatalf("looping listing: err = %v, want ErrPageLoop", err)
	}
	if got := stub.served.Load(); got != 4 {
		t.Errorf("pages fetched = %d, want 4 (1, 2, 3, then 2's link seen again)", got)
	}
	if strings.Contains(err.Error(), "page=") {
		t.Errorf("the error repeats the page link: %v", err)
	}
}

func TestPageTrailForCallersThatPageThemselves(t *testing.T) {
	stub := newListStub(t, "loop")
	c := stub.client(nil)
	trail := c.NewPageTrail()
	next := ""
	for i := 0; ; i++ {
		page, err := c.UsersPage(ctx(t), "site", saltoks.ListOptions{}, next)
		if err != nil {
			t.Fatal(err)
		}
		if err := trail.Follow(page.NextPageLink); err != nil {
			if !errors.Is(err, saltoks.ErrPageLoop) {
				t.Fatalf("err = %v, want ErrPageLoop", err)
			}
			return
		}
		if i > 10 {
			t.Fatal("the trail never saw the loop")
		}
		next = page.NextPageLink
	}
}

func TestResponseBodyIsCapped(t *testing.T) {
	stub := newListStub(t, "big")
	stub.bodyBytes = 9 << 20 // over the 8 MiB default
	_, err := stub.client(nil).ListSites(ctx(t))
	if !errors.Is(err, saltoks.ErrResponseTooLarge) {
		t.Fatalf("9 MiB answer: err = %v, want ErrResponseTooLarge", err)
	}
	if saltoks.IsRetryable(err) {
		t.Error("an oversized answer is retryable; it would be fetched again and again")
	}

	stub.bodyBytes = 1000
	_, err = stub.client(func(c *saltoks.Config) { c.MaxResponseBytes = 512 }).ListSites(ctx(t))
	if !errors.Is(err, saltoks.ErrResponseTooLarge) {
		t.Fatalf("1000-byte answer with a 512-byte cap: err = %v", err)
	}
	sites, err := stub.client(nil).ListSites(ctx(t))
	if err != nil || len(sites) != 1 {
		t.Fatalf("a small answer: %v, %v", sites, err)
	}
}
