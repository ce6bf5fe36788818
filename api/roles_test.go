package api_test

import (
	"crypto/sha256"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"doorsync/api"
)

// Who may use each route, as API.md's auth section gives it: "public" needs
// no token; "platform", "operator" and "admin" name the least role that may.
var (
	publicRoute   = "public"
	platformRoute = "platform"
	operatorRoute = "operator"
	adminRoute    = "admin"
	// signedRoute takes no token: a platform signs its webhook deliveries
	// with the connection's secret, and anything unsigned answers 401.
	signedRoute = "signed"
	// sessionRoute is the console's: a bearer token does not get in, only
	// its own session (console_test.go).
	sessionRoute = "session"
)

// routeRoles is every route of the API with the least role that may use it.
// A route added to api/routes.go must be added here too.
func routeRoles() map[string]string {
	roles := map[string]string{
		"GET /healthz":                        publicRoute,
		"GET /readyz":                         publicRoute,
		"* /metrics":                          publicRoute,
		"* /console/*":                        sessionRoute,
		"GET /openapi.yaml":                   publicRoute,
		"GET /v1/salto/callback":              publicRoute,
		"POST /v1/hooks/officernd/{org}":      signedRoute,
		"POST /v1/hooks/nexudus/{org}":        signedRoute,
		"PUT /v1/orgs/{org}/platform":         operatorRoute,
		"GET /v1/orgs/{org}/platform":         operatorRoute,
		"DELETE /v1/orgs/{org}/platform":      operatorRoute,
		"POST /v1/orgs/{org}/platform/sync":   operatorRoute,
		"GET /v1/orgs":                        adminRoute,
		"POST /v1/codec/encode":               adminRoute,
		"POST /v1/codec/decode":               adminRoute,
		"PUT /v1/orgs/{org}":                  adminRoute,
		"DELETE /v1/orgs/{org}":               adminRoute,
		"GET /v1/orgs/{org}":                  platformRoute,
		"POST /v1/orgs/{org}/api-keys":        adminRoute,
		"DELETE /v1/orgs/{org}/api-keys/{id}": adminRoute,

		"PUT /v1/orgs/{org}/salto":                            operatorRoute,
		"GET /v1/orgs/{org}/salto":                            operatorRoute,
		"GET /v1/orgs/{org}/salto/authorize":                  operatorRoute,
		"GET /v1/orgs/{org}/salto/sites":                      operatorRoute,
		"GET /v1/orgs/{org}/salto/sites/{site}/access-groups": operatorRoute,
		"POST /v1/orgs/{org}/day-passes/{id}/uses":            platformRoute,
		"POST /v1/orgs/{org}/import":                          platformRoute,
		"GET /v1/orgs/{org}/mappings":                         operatorRoute,
		"PUT /v1/orgs/{org}/mappings/{kind}/{ref}":            operatorRoute,
		"DELETE /v1/orgs/{org}/mappings/{kind}/{ref}":         operatorRoute,
		"GET /v1/orgs/{org}/members/{id}/access":              platformRoute,
		"GET /v1/orgs/{org}/guests/{email}/access":            platformRoute,
		"GET /v1/orgs/{org}/audit":                            platformRoute,
		"POST /v1/orgs/{org}/reconcile":                       operatorRoute,
		"GET /v1/orgs/{org}/reconcile/runs/{run_id}":          operatorRoute,
		"GET /v1/orgs/{org}/holds":                            operatorRoute,
		"POST /v1/orgs/{org}/holds/{id}/approve":              operatorRoute,
		"POST /v1/orgs/{org}/holds/{id}/reject":               operatorRoute,
		"GET /v1/orgs/{org}/problems":                         platformRoute,
		"POST /v1/orgs/{org}/members/{id}/reapply":            platformRoute,
		"GET /v1/orgs/{org}/webhooks":                         operatorRoute,
		"PUT /v1/orgs/{org}/webhooks/{id}":                    operatorRoute,
		"GET /v1/orgs/{org}/webhooks/{id}":                    operatorRoute,
		"DELETE /v1/orgs/{org}/webhooks/{id}":                 operatorRoute,
		"GET /v1/orgs/{org}/webhooks/{id}/deliveries":         operatorRoute,
		"POST /v1/orgs/{org}/webhooks/{id}/test":              operatorRoute,
		"PATCH /v1/orgs/{org}/locations/{id}":                 operatorRoute,
		"PATCH /v1/orgs/{org}/resources/{id}":                 operatorRoute,
	}
	for _, kind := range []string{"locations", "floors", "resources", "plans", "teams", "members", "memberships", "bookings", "day-passes"} {
		for _, m := range []string{"PUT", "GET", "DELETE"} {
			roles[m+" /v1/orgs/{org}/"+kind+"/{id}"] = platformRoute
		}
		roles["GET /v1/orgs/{org}/"+kind] = platformRoute
	}
	return roles
}

// rank orders the roles: each may use the routes of those below it.
var rank = map[string]int{publicRoute: 0, platformRoute: 1, operatorRoute: 2, adminRoute: 3}

// TestEveryRouteNeedsItsRole walks the real router and sends every route a
// request as a platform key, an operator key, the admin and another org's
// key: a principal below the route's role gets 403 problem+json, one at or
// above it is let through to the handler, another org's key gets 404.
func TestEveryRouteNeedsItsRole(t *testing.T) {
	a := newTestAPI(t)
	a.createOrg("a")
	otherOrg := a.createOrg("b")
	principals := []struct{ name, role, token string }{
		{"a platform key", platformRoute, a.createKey("a", "the platform", "platform")},
		{"an operator key", operatorRoute, a.createKey("a", "ops desk", "operator")},
		{"the admin", adminRoute, adminToken},
	}

	want := routeRoles()
	walked := map[string]bool{}
	err := chi.Walk(api.NewHandler(a.deps).(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.TrimSuffix(route, "/")
		key := method + " " + route
		if _, ok := want[key]; !ok && (route == "/metrics" || route == "/console/*") {
			key = "* " + route // mounted for every method
		}
		walked[key] = true
		role, ok := want[key]
		if !ok {
			t.Errorf("%s has no expected role: add it to routeRoles", key)
			return nil
		}
		path := fillParams(strings.Replace(route, "{org}", "a", 1))
		if role == signedRoute {
			for _, p := range principals {
				if r := a.sendAs(method, path, p.token); r.Status != 401 {
					t.Errorf("%s unsigned as %s = %d, want 401: a token is no signature", key, p.name, r.Status)
				}
			}
			return nil
		}
		if role == sessionRoute {
			for _, p := range principals {
				if r := a.sendAs(method, "/console/holds", p.token); r.Status == 200 {
					t.Errorf("%s as %s = 200, want the bearer token ignored", key, p.name)
				}
			}
			return nil
		}
		if role == publicRoute {
			if r := a.sendAs(method, path, ""); r.Status == 401 || r.Status == 403 {
				t.Errorf("%s without a token = %d, want it public", key, r.Status)
			}
			return nil
		}
		for _, p := range principals {
			r := a.sendAs(method, path, p.token)
			switch {
			case rank[p.role] < rank[role]:
				if r.Status != 403 || r.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s as %s = %d %s, want 403 problem+json (it needs %s)\n%s",
						key, p.name, r.Status, r.Header.Get("Content-Type"), role, r.Body)
				}
			case r.Status == 401 || r.Status == 403:
				t.Errorf("%s as %s = %d, want it let through (it needs %s)\n%s", key, p.name, r.Status, role, r.Body)
			}
		}
		// A route of no org (an admin's list of orgs) has no other org.
		if r := a.sendAs(method, path, otherOrg); strings.Contains(route, "{org}") && r.Status != 404 {
			t.Errorf("%s with another org's key = %d, want 404", key, r.Status)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key := range want {
		if !walked[key] {
			t.Errorf("routeRoles names %s, which the router does not have", key)
		}
	}
}

// sendAs sends method path with token and an empty JSON object, without
// following redirects (the authorization flow answers one).
func (a *testAPI) sendAs(method, path, token string) response {
	a.t.Helper()
	req, err := http.NewRequest(method, a.URL+path, strings.NewReader("{}"))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// createKey makes a key of role ("" for none given) in org and returns it.
func (a *testAPI) createKey(org, name, role string) string {
	a.t.Helper()
	body := map[string]any{"name": name}
	if role != "" {
		body["role"] = role
	}
	r := a.must(201, "POST", "/v1/orgs/"+org+"/api-keys", adminToken, body).JSON(a.t)
	want := role
	if want == "" {
		want = "operator"
	}
	if r["role"] != want {
		a.t.Fatalf("created key's role = %v, want %q", r["role"], role)
	}
	return r["key"].(string)
}

func TestAPIKeysHaveARole(t *testing.T) {
	a := newTestAPI(t)
	a.createOrg("a")
	a.hold("a", "hold-1", "g1", "2026-01-01T10:00:00Z")

	// The role is answered with the key; operator unless asked otherwise.
	r := a.must(201, "POST", "/v1/orgs/a/api-keys", adminToken, map[string]any{"name": "default"}).JSON(t)
	if r["role"] != "operator" {
		t.Errorf("a key without a role = %v, want an operator", r)
	}
	operator := r["key"].(string)
	platform := a.createKey("a", "platform", "platform")
	for _, bad := range []any{"admin", "Platform", "", 1} {
		body := map[string]any{"name": "x", "role": bad}
		if bad == "" {
			body = map[string]any{"role": "operator"} // no name
		}
		p := a.must(400, "POST", "/v1/orgs/a/api-keys", adminToken, body)
		if p.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("role %v: %s", bad, p.Header.Get("Content-Type"))
		}
	}

	// A platform key keeps the space but not the doors' configuration.
	a.must(201, "PUT", "/v1/orgs/a/plans/p1", platform, map[string]any{"name": "Hot desk"})
	a.must(200, "GET", "/v1/orgs/a/audit", platform, nil)
	p := a.must(403, "GET", "/v1/orgs/a/holds", platform, nil).JSON(t)
	if p["status"] != float64(403) || !strings.Contains(p["detail"].(string), "operator") {
		t.Errorf("403 = %v", p)
	}
	a.must(403, "PUT", "/v1/orgs/a/mappings/plans/p1", platform, map[string]any{"groups": []any{}})
	a.must(200, "GET", "/v1/orgs/a/holds", operator, nil)

	// Keys made before roles existed are operators.
	legacy := "dsk_legacy1_secret"
	sum := sha256.Sum256([]byte(legacy))
	a.exec(`insert into api_keys (id, org_id, name, key_hash) values ('legacy1', 'a', 'old key', $1)`, sum[:])
	a.must(200, "GET", "/v1/orgs/a/holds", legacy, nil)
	if rows := a.query(`select role from api_keys where id = 'legacy1'`); rows[0][0] != "operator" {
		t.Errorf("a key without a role is %v", rows)
	}
}

// TestOpenAPINamesEachOperationsRole: every operation of openapi.yaml
// states in x-required-role the role routeRoles expects, and every one a
// key may be refused answers 403 there.
func TestOpenAPINamesEachOperationsRole(t *testing.T) {
	params := regexp.MustCompile(`\{[^}]*\}`)
	want := map[string]string{}
	for key, role := range routeRoles() {
		want[params.ReplaceAllString(key, "{}")] = role
	}
	for op, spec := range operations(t, loadOpenAPI(t)) {
		key := op[0] + " " + params.ReplaceAllString(op[1], "{}")
		role, ok := want[key]
		if !ok {
			role, ok = want["* "+op[1]]
		}
		if !ok {
			t.Errorf("%s %s: no expected role", op[0], op[1])
			continue
		}
		got, _ := spec["x-required-role"].(string)
		if role == publicRoute || role == signedRoute {
			if got != "" {
				t.Errorf("%s %s: x-required-role %q on a public operation", op[0], op[1], got)
			}
			continue
		}
		if got != role {
			t.Errorf("%s %s: x-required-role = %q, want %q", op[0], op[1], got, role)
		}
		if role != platformRoute && dig(spec, "responses", "403") == nil {
			t.Errorf("%s %s: no 403 response", op[0], op[1])
		}
	}
}
