package api_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
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
		`doorsync_holds_pending{org="acme"} 0`,
		`doorsync_people_with_problems{org="acme"} 0`,
		`doorsync_outbox_oldest_pending_age_seconds `,
		`doorsync_webhook_deliveries_pending 0`,
		`go_goroutines`,
		// errors handled where they happen, counted by their packages
		`doorsync_outbox_reschedule_failures_total 0`,
		`doorsync_outbox_corrupt_pokes_total 0`,
		`doorsync_outbox_send_failures_total `,
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

// newClockedAPI is the API on a clock that stands still until advance
// moves it.
func newClockedAPI(t *testing.T) (*testAPI, func(time.Duration)) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	a := newTestAPI(t, func(d *api.Deps) {
		d.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	return a, func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
}

// The outbox gauge reads the outbox at most once per refresh interval,
// however often /metrics is scraped.
func TestMetricsReadTheOutboxOncePerInterval(t *testing.T) {
	a, advance := newClockedAPI(t)
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

// doorsync's own health, read from the store: each gauge against values
// seeded in Postgres, for two orgs.
func TestHealthMetricsFromTheStore(t *testing.T) {
	a := newTestAPI(t)
	a.createOrg("acme")
	a.createOrg("beta")
	a.createOrg("idle")
	for _, sql := range []string{
		// the oldest poke still sent waited 90s; an older one set aside does not count
		`insert into outbox (org_id, kind, target, created_at) values ('acme', 'access', 'member:m1', now() - interval '90 seconds')`,
		`insert into outbox (org_id, kind, target, created_at) values ('beta', 'access', 'member:m2', now() - interval '10 seconds')`,
		`insert into outbox (org_id, kind, target, created_at, next_attempt_at, last_error)
			values ('acme', 'access', 'member:m0', now() - interval '1 hour', 'infinity', 'corrupt payload: x')`,
		// problems: two in acme (a cleared one does not count), one in beta
		`insert into person_status (org_id, person, last_error) values ('acme', 'member:a', 'no seats'), ('acme', 'member:b', 'refused'),
			('acme', 'member:c', ''), ('beta', 'member:d', 'no seats')`,
		// holds: one pending in acme (an approved one does not count)
		`insert into removal_holds (id, org_id, site_id, group_id, status) values ('h1', 'acme', 's', 'g1', 'pending'),
			('h2', 'acme', 's', 'g2', 'approved'), ('h3', 'beta', 's', 'g1', 'rejected')`,
		// connections: acme works, beta's last call failed, idle has none
		`insert into salto_connections (org_id, mode, identity_url, api_url, client_id, client_secret_enc)
			values ('acme', 'password', 'https://i', 'https://a', 'c', 's')`,
		`insert into salto_connections (org_id, mode, identity_url, api_url, client_id, client_secret_enc, last_error, last_error_at)
			values ('beta', 'password', 'https://i', 'https://a', 'c', 's', 'token: invalid_grant (HTTP 400)', now())`,
		// runs: acme's latest completed real run found 5 and made 4; a later dry
		// run, a failed run and a running one do not count; beta has none
		`insert into reconcile_runs (id, org_id, status, finished_at, summary) values
			('r1', 'acme', 'completed', now() - interval '2 hours', '{"adds":7,"removes":0,"applied":7}'),
			('r2', 'acme', 'completed', now() - interval '1 hour', '{"adds":3,"removes":2,"applied":4}')`,
		`insert into reconcile_runs (id, org_id, dry_run, status, finished_at, summary) values
			('r3', 'acme', true, 'completed', now() - interval '30 minutes', '{"adds":9,"removes":9,"applied":0}')`,
		`insert into reconcile_runs (id, org_id, status, finished_at, summary, error) values
			('r4', 'acme', 'failed', now() - interval '20 minutes', '{"adds":1,"removes":1,"applied":0}', 'boom')`,
		`insert into reconcile_runs (id, org_id, status) values ('r5', 'acme', 'running'), ('r6', 'beta', 'running')`,
		// removals: acme's latest timed one landed 42s late (a later one without a
		// due instant, a deletion, does not count); beta's 5s; idle none
		`insert into audit_log (org_id, at, action, person, trigger, result, due_at) values
			('acme', now() - interval '1 hour', 'remove', 'member:a', 'realtime', 'ok', now() - interval '1 hour' - interval '600 seconds'),
			('acme', now() - interval '10 minutes', 'remove', 'member:b', 'realtime', 'ok', now() - interval '10 minutes' - interval '42 seconds'),
			('acme', now(), 'remove', 'member:c', 'realtime', 'ok', null),
			('acme', now(), 'add', 'member:c', 'realtime', 'ok', null),
			('beta', now(), 'remove', 'member:d', 'realtime', 'ok', now() - interval '5 seconds')`,
	} {
		a.exec(sql)
	}
	body := string(a.must(200, "GET", "/metrics", "", nil).Body)
	for _, want := range []string{
		`doorsync_outbox_pending 3`,
		`doorsync_people_with_problems{org="acme"} 2`,
		`doorsync_people_with_problems{org="beta"} 1`,
		`doorsync_people_with_problems{org="idle"} 0`,
		`doorsync_holds_pending{org="acme"} 1`,
		`doorsync_holds_pending{org="beta"} 0`,
		`doorsync_holds_pending{org="idle"} 0`,
		`doorsync_salto_connection_up{org="acme"} 1`,
		`doorsync_salto_connection_up{org="beta"} 0`,
		`doorsync_reconcile_drift_found{org="acme"} 5`,
		`doorsync_reconcile_drift_repaired{org="acme"} 4`,
		`doorsync_revocation_lateness_seconds{org="acme"} 42`,
		`doorsync_revocation_lateness_seconds{org="beta"} 5`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
	for _, absent := range []string{
		`doorsync_salto_connection_up{org="idle"}`,
		`doorsync_reconcile_drift_found{org="beta"}`,
		`doorsync_reconcile_drift_found{org="idle"}`,
		`doorsync_revocation_lateness_seconds{org="idle"}`,
	} {
		if strings.Contains(body, absent) {
			t.Errorf("metrics have %q, want no series", absent)
		}
	}
	age := metricValue(t, body, "doorsync_outbox_oldest_pending_age_seconds")
	if age < 90 || age > 120 {
		t.Errorf("oldest pending poke age = %v, want about 90 (the set-aside poke left out)", age)
	}
}

// The org-labelled gauges are read once per refresh interval too.
func TestOrgGaugesAreReadOncePerInterval(t *testing.T) {
	a, advance := newClockedAPI(t)
	a.createOrg("acme")
	problems := func() float64 {
		return metricValue(t, string(a.must(200, "GET", "/metrics", "", nil).Body), `doorsync_people_with_problems{org="acme"}`)
	}
	if got := problems(); got != 0 {
		t.Fatalf("first scrape = %v, want 0", got)
	}
	a.exec(`insert into person_status (org_id, person, last_error) values ('acme', 'member:a', 'no seats')`)
	advance(14 * time.Second)
	if got := problems(); got != 0 {
		t.Fatalf("a scrape within 15s of the last read = %v, want the kept 0", got)
	}
	advance(time.Second)
	if got := problems(); got != 1 {
		t.Errorf("a scrape 15s after the last read = %v, want 1", got)
	}
}

// metricValue is the value of the series named exactly series in body.
func metricValue(t *testing.T, body, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s = %q: %v", series, v, err)
			}
			return f
		}
	}
	t.Fatalf("no %s in the metrics", series)
	return 0
}
