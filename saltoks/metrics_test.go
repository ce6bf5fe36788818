package saltoks_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"doorsync/saltoks"
	"doorsync/saltoks/saltokstest"
)

func TestRouteTemplate(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/v1.2/me", "/v1.2/me"},
		{"/v1.2/sites", "/v1.2/sites"},
		{"/v1.2/sites/" + london, "/v1.2/sites/{id}"},
		{"/v1.2/sites/" + london + "/access_groups", "/v1.2/sites/{id}/access_groups"},
		{"/v1.2/sites/" + london + "/access_groups/" + londonMembers + "/users", "/v1.2/sites/{id}/access_groups/{id}/users"},
		{"/v1.2/sites/s1/access_groups/g1/users/" + adaUserID, "/v1.2/sites/{id}/access_groups/{id}/users/{id}"},
		{"/v1.2/sites/s1/users/u1/subscription", "/v1.2/sites/{id}/users/{id}/subscription"},
		{"/v1.2/sites/s1/tags", "/v1.2/sites/{id}/tags"},
		{"/v1.2/sites/s1/locks", "/v1.2/sites/{id}/locks"},
		{"/base/path/v1.2/sites/s1/users", "/v1.2/sites/{id}/users"},    // APIURL's own path is left out
		{"/v1.2/sites/ada@example.com/users", "/v1.2/sites/{id}/users"}, // no e-mail in a label
		{"/connect/token", "/connect/token"},
		{"/identity/connect/token", "/connect/token"},
		{"/v1.2/sites/s1/unknown", "other"}, // a collection the client does not call
		{"/v1.2/sites/s1/unknown/x/y", "other"},
		{"/v2/sites", "other"},
		{"/v1.2", "other"},
		{"/v1.2/", "other"},
		{"/", "other"},
		{"", "other"},
		{"/v1.2/sites//users", "other"},
	} {
		if got := saltoks.RouteTemplate(tc.path); got != tc.want {
			t.Errorf("RouteTemplate(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

// series reads one labelled series of the default registry (counter value
// or histogram count; 0 when absent).
func series(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if len(got) != len(labels) {
				continue
			}
			for k, v := range labels {
				if got[k] != v {
					continue metrics
				}
			}
			return value(m)
		}
	}
	return 0
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

// TestCallsAreMeasured goes through the fake on loopback: a 429 then a 200
// on a group's members, and the password grant before them.
func TestCallsAreMeasured(t *testing.T) {
	const route = "/v1.2/sites/{id}/access_groups/{id}/users"
	get := func(status string) map[string]string {
		return map[string]string{"method": "GET", "route": route, "status": status}
	}
	token := map[string]string{"method": "POST", "route": "/connect/token", "status": "2xx"}
	plain := map[string]string{"method": "GET", "route": route}
	before := map[string]float64{
		"ok": series(t, "doorsync_salto_requests_total", get("2xx")), "limited": series(t, "doorsync_salto_requests_total", get("4xx")),
		"latency": series(t, "doorsync_salto_request_duration_seconds", get("2xx")),
		"429":     series(t, "doorsync_salto_rate_limited_total", plain), "retries": series(t, "doorsync_salto_retries_total", plain),
		"token": series(t, "doorsync_salto_requests_total", token),
	}

	e := newEnv(t, func(c *saltoks.Config) { c.MaxRetries = 2 })
	if err := e.fake.AddFault(saltokstest.Fault{Method: "GET", RoutePattern: "/v1.2/sites/*/access_groups/*/users", Status: 429, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ListGroupMembers(ctx(t), london, londonMembers); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		what, key, name string
		labels          map[string]string
		want            float64
	}{
		{"2xx calls", "ok", "doorsync_salto_requests_total", get("2xx"), 1},
		{"4xx calls", "limited", "doorsync_salto_requests_total", get("4xx"), 1},
		{"2xx latencies", "latency", "doorsync_salto_request_duration_seconds", get("2xx"), 1},
		{"429s", "429", "doorsync_salto_rate_limited_total", plain, 1},
		{"retries", "retries", "doorsync_salto_retries_total", plain, 1},
		{"token calls", "token", "doorsync_salto_requests_total", token, 1},
	} {
		if got := series(t, c.name, c.labels) - before[c.key]; got != c.want {
			t.Errorf("%s: %s%v went up by %v, want %v", c.what, c.name, c.labels, got, c.want)
		}
	}
}
