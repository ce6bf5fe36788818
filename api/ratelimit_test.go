package api_test

import (
	"strings"
	"testing"
)

// TestOrgSaltoRateLimitSetting: salto_rate_limit is validated, stored and
// answered; absent, the org has none of its own (the deployment's applies).
func TestOrgSaltoRateLimitSetting(t *testing.T) {
	a := newTestAPI(t)
	org := map[string]any{"name": "Acme", "time_zone": "UTC"}
	r := a.must(201, "PUT", "/v1/orgs/acme", adminToken, org)
	if _, ok := r.JSON(t)["salto_rate_limit"]; ok {
		t.Fatalf("an org without the setting answers one: %s", r.Body)
	}
	org["salto_rate_limit"] = map[string]any{"per_second": 0, "burst": 0}
	r = a.must(400, "PUT", "/v1/orgs/acme", adminToken, org)
	for _, field := range []string{"salto_rate_limit.per_second", "salto_rate_limit.burst"} {
		if !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("problem does not name %s: %s", field, r.Body)
		}
	}
	org["salto_rate_limit"] = map[string]any{"per_second": 2.5}
	a.must(400, "PUT", "/v1/orgs/acme", adminToken, org)
	org["salto_rate_limit"] = map[string]any{"per_second": 2.5, "burst": 5}
	a.must(200, "PUT", "/v1/orgs/acme", adminToken, org)
	got := a.must(200, "GET", "/v1/orgs/acme", adminToken, nil).JSON(t)["salto_rate_limit"]
	if l, ok := got.(map[string]any); !ok || l["per_second"] != 2.5 || l["burst"] != 5.0 {
		t.Fatalf("salto_rate_limit = %v, want per_second 2.5 and burst 5", got)
	}
}
