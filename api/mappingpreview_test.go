package api_test

import (
	"reflect"
	"testing"
)

// preview is what a dry run answers, each group as "site/group" with the
// ids it adds and removes.
type preview map[string][2][]string

func (a *testAPI) preview(path, key string, body any) preview {
	a.t.Helper()
	got := a.must(200, "PUT", "/v1/orgs/acme/mappings/"+path+"?dry_run=true", key, body).JSON(a.t)
	out := preview{}
	for _, g := range got["groups"].([]any) {
		g := g.(map[string]any)
		var ids [2][]string
		for i, side := range []string{"add", "remove"} {
			for _, p := range g[side].([]any) {
				ids[i] = append(ids[i], p.(map[string]any)["id"].(string))
			}
		}
		out[g["site_id"].(string)+"/"+g["group_id"].(string)] = ids
	}
	return out
}

func TestMappingDryRunSaysWhomItAddsAndRemoves(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	for _, pb := range []struct {
		path string
		body any
	}{
		{"locations/l1", map[string]any{"name": "London", "time_zone": "Europe/London", "salto_site_id": siteLondon}},
		{"plans/hot", map[string]any{"name": "Hot desk"}},
		{"plans/fixed", map[string]any{"name": "Fixed desk"}},
		{"members/m1", map[string]any{"email": "alice@example.com", "first_name": "Alice", "last_name": "Liddell"}},
		{"members/m2", map[string]any{"email": "bob@example.com"}},
		{"members/m3", map[string]any{"email": "carol@example.com"}},
		{"memberships/ms1", map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": "2026-01-01"}},
		{"memberships/ms2", map[string]any{"plan_id": "hot", "member_id": "m2", "starts_at": "2026-01-01"}},
		{"memberships/ms3", map[string]any{"plan_id": "hot", "member_id": "m3", "starts_at": "2026-01-01"}},
		{"memberships/ms4", map[string]any{"plan_id": "fixed", "member_id": "m3", "starts_at": "2026-01-01"}},
		{"mappings/plans/fixed", groups(siteLondon, groupMembers)},
	} {
		a.must(201, "PUT", "/v1/orgs/acme/"+pb.path, key, pb.body)
	}
	a.clearOutbox()
	mappings := a.dumpTable("mappings")

	// m3 is in London Members through the fixed plan already.
	got := a.preview("plans/hot", key, groups(siteLondon, groupMembers, siteLondon, groupRoom))
	want := preview{
		siteLondon + "/" + groupMembers: {{"m1", "m2"}, nil},
		siteLondon + "/" + groupRoom:    {{"m1", "m2", "m3"}, nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("preview = %v, want %v", got, want)
	}
	if a.dumpTable("mappings") != mappings || len(a.outbox()) != 0 {
		t.Fatalf("a dry run changed something: mappings %s, outbox %v", a.dumpTable("mappings"), a.outbox())
	}

	// Persons are named as explain names them; groups as Salto KS did.
	a.connectPassword("acme")
	a.must(200, "GET", "/v1/orgs/acme/salto/sites/"+siteLondon+"/access-groups", key, nil)
	full := a.must(200, "PUT", "/v1/orgs/acme/mappings/plans/hot?dry_run=true", key, groups(siteLondon, groupMembers)).JSON(t)
	g := full["groups"].([]any)[0].(map[string]any)
	if g["group_name"] != "London Members" || g["site_name"] != "London" {
		t.Errorf("names = %v", g)
	}
	alice := map[string]any{"kind": "member", "id": "m1", "email": "alice@example.com", "name": "Alice Liddell"}
	if first := g["add"].([]any)[0]; !reflect.DeepEqual(first, alice) {
		t.Errorf("first added = %v, want %v", first, alice)
	}

	// Once saved, moving the plan to the room removes those only it gave.
	a.must(201, "PUT", "/v1/orgs/acme/mappings/plans/hot", key, groups(siteLondon, groupMembers))
	got = a.preview("plans/hot", key, groups(siteLondon, groupRoom))
	want = preview{
		siteLondon + "/" + groupMembers: {nil, {"m1", "m2"}},
		siteLondon + "/" + groupRoom:    {{"m1", "m2", "m3"}, nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("moving: preview = %v, want %v", got, want)
	}
	// No groups: the mapping would go. The same groups: nothing changes.
	if got := a.preview("plans/hot", key, groups()); !reflect.DeepEqual(got, preview{siteLondon + "/" + groupMembers: {nil, {"m1", "m2"}}}) {
		t.Errorf("removing: preview = %v", got)
	}
	if got := a.preview("plans/hot", key, groups(siteLondon, groupMembers)); len(got) != 0 {
		t.Errorf("no change: preview = %v", got)
	}
}

func TestMappingDryRunValidatesAsTheWriteDoes(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	other := a.createOrg("other")
	platform := a.createKey("acme", "the platform", "platform")
	a.must(201, "PUT", "/v1/orgs/acme/locations/l1", key, map[string]any{"name": "London", "salto_site_id": siteLondon})
	a.must(201, "PUT", "/v1/orgs/other/mappings/plans/p", other, groups(siteLondon, groupRoom))
	a.clearOutbox()

	a.must(400, "PUT", "/v1/orgs/acme/mappings/locations/l1?dry_run=true", key, groups(siteNY, "g2"))
	a.must(400, "PUT", "/v1/orgs/acme/mappings/plans/p?dry_run=maybe", key, groups(siteLondon, "g1"))
	a.must(400, "PUT", "/v1/orgs/acme/mappings/plans/p?dry_run=true", key, map[string]any{})
	a.must(409, "PUT", "/v1/orgs/acme/mappings/plans/p?dry_run=true", key, groups(siteLondon, groupRoom))
	a.must(403, "PUT", "/v1/orgs/acme/mappings/plans/p?dry_run=true", platform, groups(siteLondon, "g1"))
	a.must(404, "PUT", "/v1/orgs/nope/mappings/plans/p?dry_run=true", adminToken, groups(siteLondon, "g1"))
	if got := a.preview("plans/p", key, groups(siteLondon, "g1")); len(got) != 0 {
		t.Errorf("a plan no one is on: preview = %v", got)
	}
	if rows := a.query(`select count(*) from mappings where org_id = 'acme'`); rows[0][0] != "0" || len(a.outbox()) != 0 {
		t.Errorf("dry runs wrote: %v mappings, outbox %v", rows, a.outbox())
	}
}
