package api_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	_ "doorsync/activities" // registers its counters with the default registry
	"doorsync/api"
	_ "doorsync/internal/outbox" // likewise
	"doorsync/internal/testenv"
)

func TestMetricsCountRequestsByRoute(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.must(200, "GET", "/v1/orgs/acme", key, nil)
	a.must(404, "GET", "/v1/orgs/other", key, nil)
	a.exec(`insert into outbox (org_id, kind, target) values ('acme', 'access', 'member:m1')`)
	body := string(a.must(200, "GET", "/metrics", "", nil).Body)
	for _, want := range []string{
		`doorsync_http_requests_total{method="GET",route="/v1/orgs/{org}",status="200"} 1`,
		`doorsync_http_requests_total{method="GET",route="/v1/orgs/{org}",status="404"} 1`,
		`doorsync_outbox_pending 1`,
		`doorsync_holds_pending 0`,
		`go_goroutines`,
		// errors handled where they happen, counted by their packages
		`doorsync_outbox_reschedule_failures_total 0`,
		`doorsync_outbox_corrupt_pokes_total 0`,
		`doorsync_reconcile_resume_failures_total 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, `route="/v1/orgs/acme`) {
		t.Error("metrics are labelled with raw paths, not route patterns")
	}
}

// Made-up methods and paths do not grow the label set: methods HTTP does
// not define are OTHER, and paths no route matched are one route.
func TestMetricsLabelsStayBoundedWhateverClientsSend(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	series := func() map[string]bool {
		out := map[string]bool{}
		for _, line := range strings.Split(string(a.must(200, "GET", "/metrics", "", nil).Body), "\n") {
			if strings.HasPrefix(line, "doorsync_http_requests_total{") {
				out[line[:strings.LastIndex(line, " ")]] = true
			}
		}
		return out
	}
	for i := range 40 {
		a.doRaw(fmt.Sprintf("M%03dX", i), fmt.Sprintf("/v1/orgs/acme/members/m%d", i), key, "", "")
		a.doRaw("GET", fmt.Sprintf("/nowhere-%d/x", i), key, "", "")
		a.doRaw("GET", fmt.Sprintf("/v1/orgs/acme/no-such-kind-%d/x", i), key, "", "")
	}
	before := series()
	for i := range 40 {
		a.doRaw(fmt.Sprintf("Q%03dZ", i), fmt.Sprintf("/v1/orgs/acme/plans/p%d", i), key, "", "")
		a.doRaw("GET", fmt.Sprintf("/elsewhere-%d", i), key, "", "")
		a.doRaw("POST", fmt.Sprintf("/v1/orgs/acme/also-not-%d", i), key, "", "")
	}
	after := series()
	body := string(a.must(200, "GET", "/metrics", "", nil).Body)
	for _, made := range []string{"M000X", "Q001Z", "nowhere-", "no-such-kind-", "elsewhere-", "also-not-"} {
		if strings.Contains(body, made) {
			t.Errorf("a made-up method or path reached the metrics: %q", made)
		}
	}
	if !strings.Contains(body, `method="OTHER"`) || !strings.Contains(body, `route="unmatched"`) {
		t.Errorf("metrics lack OTHER or unmatched:\n%s", body)
	}
	for s := range after {
		if !before[s] && !strings.Contains(s, `route="/v1/orgs/{org}/plans/{id}"`) && !strings.Contains(s, `method="POST"`) && !strings.Contains(s, `route="/metrics"`) {
			t.Errorf("new series %s after 120 more made-up requests", s)
		}
	}
	if len(after) > len(before)+3 {
		t.Errorf("the label set grew from %d to %d series", len(before), len(after))
	}
}

// The outbox gauge reads the outbox at most once per refresh interval,
// however often /metrics is scraped.
func TestMetricsReadTheOutboxOncePerInterval(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	a := newTestAPI(t, func(d *api.Deps) {
		d.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	a.createOrg("acme")
	pending := func() string {
		for _, line := range strings.Split(string(a.must(200, "GET", "/metrics", "", nil).Body), "\n") {
			if v, ok := strings.CutPrefix(line, "doorsync_outbox_pending "); ok {
				return v
			}
		}
		t.Fatal("no doorsync_outbox_pending")
		return ""
	}
	a.exec(`insert into outbox (org_id, kind, target) values ('acme', 'access', 'member:m1')`)
	if got := pending(); got != "1" {
		t.Fatalf("first scrape = %s, want 1", got)
	}
	a.exec(`insert into outbox (org_id, kind, target) values ('acme', 'access', 'member:m2')`)
	advance(14 * time.Second)
	for range 5 {
		if got := pending(); got != "1" {
			t.Fatalf("a scrape within 15s of the last read = %s, want the kept 1 (the outbox was read again)", got)
		}
	}
	advance(time.Second)
	if got := pending(); got != "2" {
		t.Errorf("a scrape 15s after the last read = %s, want 2", got)
	}
}

// With SeparateMetrics, /metrics is not on the API's routes; the metrics
// handler serves it, counting the API's requests, and nothing else.
func TestMetricsOnAHandlerOfTheirOwn(t *testing.T) {
	st, _ := testenv.NewStore(t)
	app, metrics := api.NewHandlers(api.Deps{Logger: slog.New(slog.DiscardHandler), Store: st, AdminToken: adminToken, SeparateMetrics: true})
	appSrv, metricsSrv := httptest.NewServer(app), httptest.NewServer(metrics)
	defer appSrv.Close()
	defer metricsSrv.Close()
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(appSrv.URL + "/healthz"); code != 200 {
		t.Fatalf("healthz = %d", code)
	}
	if code, _ := get(appSrv.URL + "/metrics"); code != 404 {
		t.Errorf("the API listener serves /metrics: %d, want 404", code)
	}
	code, body := get(metricsSrv.URL + "/metrics")
	if code != 200 || !strings.Contains(body, `doorsync_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Errorf("metrics listener /metrics = %d:\n%s", code, body)
	}
	if code, _ := get(metricsSrv.URL + "/healthz"); code != 404 {
		t.Errorf("the metrics listener serves /healthz: %d, want 404", code)
	}
}
