package api_test

import (
	"testing"
)

// explainedGroup returns the first group of a member's explained access.
func (a *testAPI) explainedGroup(org, member, key string) map[string]any {
	a.t.Helper()
	got := a.must(200, "GET", "/v1/orgs/"+org+"/members/"+member+"/access", key, nil).JSON(a.t)
	gs := got["groups"].([]any)
	if len(gs) != 1 {
		a.t.Fatalf("groups = %v, want one", gs)
	}
	return gs[0].(map[string]any)
}

func TestExplainNamesGroupsAndSitesAsSaltoKSDid(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	for path, body := range map[string]any{
		"locations/l1":       map[string]any{"name": "London", "time_zone": "Europe/London", "salto_site_id": siteLondon},
		"plans/hot":          map[string]any{"name": "Hot desk"},
		"members/m1":         map[string]any{"email": "joe@example.com"},
		"memberships/ms1":    map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": "2026-01-01"},
		"mappings/plans/hot": groups(siteLondon, groupMembers),
	} {
		a.must(201, "PUT", "/v1/orgs/acme/"+path, key, body)
	}
	// Never listed: the ids alone, and no call to Salto KS (not even
	// connected).
	g := a.explainedGroup("acme", "m1", key)
	if _, ok := g["site_name"]; ok {
		t.Errorf("a name before any listing: %v", g)
	}
	if _, ok := g["group_name"]; ok {
		t.Errorf("a name before any listing: %v", g)
	}

	a.connectPassword("acme") // lists the sites
	if g := a.explainedGroup("acme", "m1", key); g["site_name"] != "London" || g["group_name"] != nil {
		t.Errorf("after connecting: %v, want the site's name only", g)
	}
	a.must(200, "GET", "/v1/orgs/acme/salto/sites/"+siteLondon+"/access-groups", key, nil)
	if g := a.explainedGroup("acme", "m1", key); g["site_name"] != "London" || g["group_name"] != "London Members" {
		t.Errorf("after listing the groups: %v", g)
	}

	// A later listing refreshes what was seen.
	a.exec(`update salto_names set name = 'stale', seen_at = now() - interval '1 day' where org_id = 'acme'`)
	a.must(200, "GET", "/v1/orgs/acme/salto/sites", key, nil)
	a.must(200, "GET", "/v1/orgs/acme/salto/sites/"+siteLondon+"/access-groups", key, nil)
	if g := a.explainedGroup("acme", "m1", key); g["site_name"] != "London" || g["group_name"] != "London Members" {
		t.Errorf("after listing again: %v", g)
	}
	if rows := a.query(`select count(*) from salto_names where org_id = 'acme' and seen_at < now() - interval '1 hour'`); rows[0][0] != "0" {
		t.Errorf("stale rows left: %v", rows)
	}
}
