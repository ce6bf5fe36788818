package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"doorsync/api"
)

// TestEveryOrgRouteIsIsolated walks the route table: on every route under
// /v1/orgs/{org}, another org's key gets 404 and no token gets 401, whatever
// the method, so new routes are covered as they are added.
func TestEveryOrgRouteIsIsolated(t *testing.T) {
	a := newTestAPI(t)
	keyA := a.createOrg("a")
	a.createOrg("b")

	routes, ok := api.NewHandler(a.deps).(chi.Routes)
	if !ok {
		t.Fatal("the handler is not a chi router")
	}
	var n int
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !strings.HasPrefix(route, "/v1/orgs/{org}") {
			return nil
		}
		n++
		path := fillParams(strings.TrimSuffix(strings.Replace(route, "{org}", "b", 1), "/"))
		if r := a.do(method, path, keyA, "{}"); r.Status != http.StatusNotFound {
			t.Errorf("%s %s with another org's key = %d, want 404", method, path, r.Status)
		}
		if r := a.do(method, path, "", "{}"); r.Status != http.StatusUnauthorized {
			t.Errorf("%s %s without a token = %d, want 401", method, path, r.Status)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 8 {
		t.Fatalf("walked only %d org routes; the sweep is not seeing the table", n)
	}
}

// fillParams replaces every {param} with a valid id.
func fillParams(route string) string {
	var b strings.Builder
	for {
		i := strings.Index(route, "{")
		if i < 0 {
			return b.String() + route
		}
		j := strings.Index(route[i:], "}")
		b.WriteString(route[:i] + "x1")
		route = route[i+j+1:]
	}
}
