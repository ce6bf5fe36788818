package api_test

import (
	"strings"
	"testing"
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
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, `route="/v1/orgs/acme`) {
		t.Error("metrics are labelled with raw paths, not route patterns")
	}
}
