package api_test

import (
	"reflect"
	"testing"
	"time"

	"doorsync/api"
)

// A mapping accepted while its resource's location is unknown grants
// nothing until the location arrives, and then only its groups on that
// location's site: a location that moves to another site takes them back.
func TestALocationBoundMappingGrantsOnlyOnItsLocationsSite(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	a := newTestAPI(t, func(d *api.Deps) { d.Now = func() time.Time { return now } })
	key := a.createOrg("acme")
	for _, put := range []struct {
		path string
		body any
	}{
		{"resources/desk", map[string]any{"kind": "assignable", "name": "Desk", "location_id": "l1"}},
		{"mappings/resources/desk", groups(siteNY, "ny-desk")},
		{"plans/bare", map[string]any{"name": "No mapping"}},
		{"members/m1", map[string]any{"email": "joe@example.com"}},
		{"memberships/ms1", map[string]any{"plan_id": "bare", "member_id": "m1", "resource_id": "desk", "starts_at": "2026-01-01T00:00:00Z"}},
	} {
		a.must(201, "PUT", "/v1/orgs/acme/"+put.path, key, put.body)
	}
	accessGroups := func() []string {
		t.Helper()
		var explained struct {
			Groups []struct {
				SiteID  string `json:"site_id"`
				GroupID string `json:"group_id"`
			} `json:"groups"`
		}
		decode(t, a.must(200, "GET", "/v1/orgs/acme/members/m1/access", key, nil), &explained)
		out := []string{}
		for _, g := range explained.Groups {
			out = append(out, g.SiteID+"/"+g.GroupID)
		}
		return out
	}
	check := func(what string, want ...string) {
		t.Helper()
		if got := accessGroups(); !reflect.DeepEqual(got, append([]string{}, want...)) {
			t.Errorf("%s: groups = %q, want %q", what, got, want)
		}
	}
	check("the desk's location unknown")
	a.must(201, "PUT", "/v1/orgs/acme/locations/l1", key, map[string]any{"name": "London", "salto_site_id": siteLondon})
	check("the location on another site than the mapping's group")
	a.must(200, "PUT", "/v1/orgs/acme/locations/l1", key, map[string]any{"name": "New York", "salto_site_id": siteNY})
	check("the location on the group's site", siteNY+"/ny-desk")
	a.must(200, "PUT", "/v1/orgs/acme/locations/l1", key, map[string]any{"name": "London", "salto_site_id": siteLondon})
	check("the location moved back")
}
