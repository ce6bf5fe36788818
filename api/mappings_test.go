package api_test

import (
	"reflect"
	"testing"
)

func groups(pairs ...string) map[string]any {
	gs := []any{}
	for i := 0; i < len(pairs); i += 2 {
		gs = append(gs, map[string]any{"site_id": pairs[i], "group_id": pairs[i+1]})
	}
	return map[string]any{"access_groups": gs}
}

func TestMappingsCheckTheLocationsSite(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.must(201, "PUT", "/v1/orgs/acme/locations/l1", key, map[string]any{"name": "London", "salto_site_id": siteLondon})
	a.must(201, "PUT", "/v1/orgs/acme/floors/f1", key, map[string]any{"location_id": "l1", "name": "Ground"})
	a.must(201, "PUT", "/v1/orgs/acme/resources/r1", key, map[string]any{"kind": "bookable", "name": "Room", "location_id": "l1", "floor_id": "f1"})
	a.must(201, "PUT", "/v1/orgs/acme/resources/r2", key, map[string]any{"kind": "assignable", "name": "Desk", "location_id": "l9"})

	for _, path := range []string{"locations/l1", "floors/f1", "resources/r1", "day-passes/l1"} {
		r := a.must(400, "PUT", "/v1/orgs/acme/mappings/"+path, key, groups(siteLondon, "g1", siteNY, "g2"))
		if got := problemFields(t, r); !reflect.DeepEqual(got, []string{"access_groups[1].site_id"}) {
			t.Errorf("%s: fields = %v", path, got)
		}
	}
	created := a.must(201, "PUT", "/v1/orgs/acme/mappings/locations/l1", key, groups(siteLondon, "g1", siteLondon, "g1")).JSON(t)
	want := map[string]any{"kind": "locations", "id": "l1", "access_groups": groups(siteLondon, "g1")["access_groups"]}
	if !reflect.DeepEqual(created, jsonValue(want)) {
		t.Errorf("mapping = %v, want %v", created, want)
	}
	a.must(200, "PUT", "/v1/orgs/acme/mappings/locations/l1", key, groups(siteLondon, "g1", siteLondon, "g3"))
	a.must(201, "PUT", "/v1/orgs/acme/mappings/floors/f1", key, groups(siteLondon, "g4"))
	a.must(201, "PUT", "/v1/orgs/acme/mappings/resources/r1", key, groups(siteLondon, "g5"))
	// entities doorsync does not know yet (or whose location it does not)
	// accept any site; plans are bound to no location
	a.must(201, "PUT", "/v1/orgs/acme/mappings/locations/l2", key, groups(siteNY, "g6"))
	a.must(201, "PUT", "/v1/orgs/acme/mappings/resources/r2", key, groups(siteNY, "g7"))
	a.must(201, "PUT", "/v1/orgs/acme/mappings/plans/p1", key, groups(siteLondon, "g8", siteNY, "g9"))
	a.must(201, "PUT", "/v1/orgs/acme/mappings/day-passes/*", key, groups(siteLondon, "g10", siteNY, "g11"))

	for _, tc := range []struct {
		path   string
		body   any
		fields []string
	}{
		{"plans/*", groups(siteLondon, "g1"), []string{"id"}},
		{"desks/d1", groups(siteLondon, "g1"), []string{"kind"}},
		{"plans/bad%20id", groups(siteLondon, "g1"), []string{"id"}},
		{"plans/p1", map[string]any{}, []string{"access_groups"}},
		{"plans/p1", groups("", "g1", siteLondon, ""), []string{"access_groups[0].site_id", "access_groups[1].group_id"}},
	} {
		r := a.must(400, "PUT", "/v1/orgs/acme/mappings/"+tc.path, key, tc.body)
		if got := problemFields(t, r); !reflect.DeepEqual(got, tc.fields) {
			t.Errorf("%s: fields = %v, want %v", tc.path, got, tc.fields)
		}
	}

	var list struct {
		Data []struct {
			Kind, ID     string
			AccessGroups []map[string]string `json:"access_groups"`
		}
		NextCursor string `json:"next_cursor"`
	}
	decode(t, a.must(200, "GET", "/v1/orgs/acme/mappings", key, nil), &list)
	var got []string
	for _, m := range list.Data {
		got = append(got, m.Kind+"/"+m.ID)
	}
	wantList := []string{"day-passes/*", "floors/f1", "locations/l1", "locations/l2", "plans/p1", "resources/r1", "resources/r2"}
	if !reflect.DeepEqual(got, wantList) || list.NextCursor != "" {
		t.Errorf("mappings = %v (next %q), want %v", got, list.NextCursor, wantList)
	}
	if len(list.Data[2].AccessGroups) != 2 {
		t.Errorf("locations/l1 = %v", list.Data[2])
	}
	// paging
	got = nil
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		list.NextCursor = ""
		decode(t, a.must(200, "GET", "/v1/orgs/acme/mappings?limit=3&cursor="+cursor, key, nil), &list)
		for _, m := range list.Data {
			got = append(got, m.Kind+"/"+m.ID)
		}
		if cursor = list.NextCursor; cursor == "" {
			break
		}
	}
	if !reflect.DeepEqual(got, wantList) {
		t.Errorf("paged = %v", got)
	}
	a.must(400, "GET", "/v1/orgs/acme/mappings?limit=0", key, nil)
	a.must(400, "GET", "/v1/orgs/acme/mappings?cursor=!!!", key, nil)
	a.must(400, "GET", "/v1/orgs/acme/mappings?cursor=bm9wZQ", key, nil) // "nope"

	a.must(204, "DELETE", "/v1/orgs/acme/mappings/day-passes/*", key, nil)
	a.must(404, "DELETE", "/v1/orgs/acme/mappings/day-passes/*", key, nil)
	a.must(404, "DELETE", "/v1/orgs/acme/mappings/plans/p9", key, nil)
	a.must(400, "DELETE", "/v1/orgs/acme/mappings/plans/*", key, nil)
	// an empty list removes every group
	a.must(200, "PUT", "/v1/orgs/acme/mappings/plans/p1", key, groups())
	a.must(404, "DELETE", "/v1/orgs/acme/mappings/plans/p1", key, nil)
}

func TestMappingChangesPokeWhatTheyReach(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.must(201, "PUT", "/v1/orgs/acme/memberships/ms1", key, map[string]any{"plan_id": "p1", "member_id": "m1", "starts_at": "2026-01-01"})
	a.must(201, "PUT", "/v1/orgs/acme/day-passes/dp1", key, map[string]any{"member_id": "m1", "location_id": "l1",
		"passes": 1, "valid_from": "2026-01-01", "valid_until": "2026-01-31"})
	a.clearOutbox()
	a.must(201, "PUT", "/v1/orgs/acme/mappings/plans/p1", key, groups(siteLondon, groupMembers))
	a.must(201, "PUT", "/v1/orgs/acme/mappings/day-passes/*", key, groups(siteLondon, groupMembers))
	a.must(204, "DELETE", "/v1/orgs/acme/mappings/plans/p1", key, nil)
	want := []string{"lifecycle membership:ms1", "lifecycle day_pass:dp1", "lifecycle membership:ms1"}
	if got := a.outbox(); !reflect.DeepEqual(got, want) {
		t.Errorf("pokes = %v, want %v", got, want)
	}
}
