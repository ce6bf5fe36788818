package api_test

import (
	"strings"
	"testing"
)

func TestOrgDefaultsAndUpdate(t *testing.T) {
	a := newTestAPI(t)
	r := a.must(201, "PUT", "/v1/orgs/acme", adminToken, map[string]any{"name": "Acme", "time_zone": "Europe/London"})
	org := r.JSON(t)
	want := map[string]any{"id": "acme", "name": "Acme", "booking_buffer_before": "15m", "booking_buffer_after": "15m",
		"reconcile_interval": "15m", "no_access_policy": "keep"}
	for k, v := range want {
		if org[k] != v {
			t.Errorf("%s = %v, want %v", k, org[k], v)
		}
	}
	guard := org["removal_guard"].(map[string]any)
	if guard["max_fraction"] != 0.2 || guard["min_count"] != 10.0 {
		t.Errorf("removal_guard = %v", guard)
	}

	a.must(200, "PUT", "/v1/orgs/acme", adminToken, map[string]any{"name": "Acme Ltd", "time_zone": "America/New_York",
		"booking_buffer_before": "5m", "no_access_policy": "suspend", "protected_salto_users": []string{"staff@acme.test"}})
	got := a.must(200, "GET", "/v1/orgs/acme", adminToken, nil).JSON(t)
	if got["name"] != "Acme Ltd" || got["booking_buffer_before"] != "5m" || got["no_access_policy"] != "suspend" {
		t.Errorf("after update: %v", got)
	}
}

func TestOrgValidationNamesEachFieldAndChangesNothing(t *testing.T) {
	a := newTestAPI(t)
	r := a.must(400, "PUT", "/v1/orgs/acme", adminToken, map[string]any{"time_zone": "Mars/Olympus",
		"booking_buffer_after": "-5m", "no_access_policy": "delete", "removal_guard": map[string]any{"max_fraction": 2}})
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q", ct)
	}
	body := string(r.Body)
	for _, field := range []string{"name", "time_zone", "booking_buffer_after", "no_access_policy", "removal_guard.max_fraction"} {
		if !strings.Contains(body, `"field":"`+field+`"`) {
			t.Errorf("problem does not name %s: %s", field, body)
		}
	}
	a.must(404, "GET", "/v1/orgs/acme", adminToken, nil)
}

func TestRequestFormatErrors(t *testing.T) {
	a := newTestAPI(t)
	for _, tc := range []struct {
		name string
		body any
		ct   string
		want int
	}{
		{"unknown field", `{"name":"x","time_zone":"UTC","colour":"red"}`, "application/json", 400},
		{"malformed", `{"name":`, "application/json", 400},
		{"wrong type", `{"name":7,"time_zone":"UTC"}`, "application/json", 400},
		{"not json", `name=x`, "application/x-www-form-urlencoded", 415},
		{"too large", `{"name":"` + strings.Repeat("x", 1<<20+10) + `"}`, "application/json", 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := a.doRaw("PUT", "/v1/orgs/acme", adminToken, tc.ct, tc.body.(string))
			if r.Status != tc.want {
				t.Fatalf("status = %d, want %d: %s", r.Status, tc.want, r.Body)
			}
		})
	}
	a.must(400, "GET", "/v1/orgs/bad%20id", adminToken, nil)
	a.must(400, "GET", "/v1/orgs/"+strings.Repeat("a", 129), adminToken, nil)
}

func TestAPIKeysAreShownOnceAndScopedToTheirOrg(t *testing.T) {
	a := newTestAPI(t)
	keyA := a.createOrg("a")
	keyB := a.createOrg("b")

	a.must(200, "GET", "/v1/orgs/a", keyA, nil)
	a.must(404, "GET", "/v1/orgs/b", keyA, nil)
	a.must(404, "GET", "/v1/orgs/a", keyB, nil)
	a.must(401, "GET", "/v1/orgs/a", "", nil)
	a.must(401, "GET", "/v1/orgs/a", "dsk_nope_nope", nil)
	a.must(401, "GET", "/v1/orgs/a", keyA+"x", nil)
	// org keys cannot do admin things, even in their own org
	a.must(403, "PUT", "/v1/orgs/a", keyA, map[string]any{"name": "x", "time_zone": "UTC"})
	a.must(403, "POST", "/v1/orgs/a/api-keys", keyA, map[string]any{"name": "more"})

	// the key is stored only as a hash
	if strings.Contains(a.dumpTable("api_keys"), keyA) {
		t.Error("api_keys holds the key in clear")
	}
	r := a.must(201, "POST", "/v1/orgs/a/api-keys", adminToken, map[string]any{"name": "second"})
	id := r.JSON(t)["id"].(string)
	a.must(204, "DELETE", "/v1/orgs/a/api-keys/"+id, adminToken, nil)
	a.must(401, "GET", "/v1/orgs/a", r.JSON(t)["key"].(string), nil)
	a.must(404, "DELETE", "/v1/orgs/a/api-keys/"+id, adminToken, nil)
	a.must(404, "POST", "/v1/orgs/missing/api-keys", adminToken, map[string]any{"name": "x"})
}

func TestEveryPathIDIsValidated(t *testing.T) {
	a := newTestAPI(t)
	a.createOrg("acme")
	for _, path := range []string{
		"/v1/orgs/acme/api-keys/bad%20id",
		"/v1/orgs/acme/salto/sites/bad%20site/access-groups",
		"/v1/orgs/acme/members/bad%20id",
	} {
		method := "GET"
		if strings.Contains(path, "api-keys") {
			method = "DELETE"
		}
		if r := a.do(method, path, adminToken, nil); r.Status != 400 {
			t.Errorf("%s %s = %d, want 400", method, path, r.Status)
		}
	}
}
