package api_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"doorsync/api"
)

const groupRoom = "6a000001-0001-4000-8000-000000000002"

func TestExplainedAccess(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	a := newTestAPI(t, func(d *api.Deps) { d.Now = func() time.Time { return now } })
	key := a.createOrg("acme")
	for path, body := range map[string]any{
		"locations/l1":            map[string]any{"name": "London", "time_zone": "Europe/London", "salto_site_id": siteLondon},
		"plans/hot-desk":          map[string]any{"name": "Hot desk"},
		"members/m1":              map[string]any{"email": "Joe@Example.com"},
		"members/m2":              map[string]any{"email": "ann@example.com", "primary_member_id": "m1"},
		"memberships/ms1":         map[string]any{"plan_id": "hot-desk", "member_id": "m1", "starts_at": "2026-01-01"},
		"resources/r1":            map[string]any{"kind": "bookable", "name": "Room 1", "location_id": "l1"},
		"mappings/plans/hot-desk": groups(siteLondon, groupMembers),
		"mappings/resources/r1":   groups(siteLondon, groupRoom),
		"bookings/b1": map[string]any{"resource_id": "r1", "member_id": "m1", "guests": []any{map[string]any{"email": "Guest@Example.com"}},
			"starts_at": "2026-11-22T09:00:00Z", "ends_at": "2026-11-22T10:00:00Z"},
	} {
		if r := a.do("PUT", "/v1/orgs/acme/"+path, key, body); r.Status != 201 {
			t.Fatalf("PUT %s = %d: %s", path, r.Status, r.Body)
		}
	}
	planGroup := func(applied bool, through string) map[string]any {
		reason := map[string]any{"kind": "membership", "id": "ms1", "via": "plan", "ref": "hot-desk"}
		if through != "" {
			reason["through"] = through
		}
		return map[string]any{"site_id": siteLondon, "group_id": groupMembers, "active": true,
			"from": "2026-01-01T00:00:00Z", "until": nil, "applied": applied, "reasons": []any{reason}}
	}
	room := map[string]any{"site_id": siteLondon, "group_id": groupRoom, "active": false,
		"from": "2026-11-22T08:45:00Z", "until": "2026-11-22T10:15:00Z", "applied": false,
		"reasons": []any{map[string]any{"kind": "booking", "id": "b1", "via": "bookable_resource", "ref": "r1"}}}

	got := a.must(200, "GET", "/v1/orgs/acme/members/m1/access", key, nil).JSON(t)
	want := map[string]any{
		"person":      map[string]any{"kind": "member", "id": "m1", "email": "Joe@Example.com"},
		"salto_users": []any{}, "groups": []any{planGroup(false, "")}, "upcoming": []any{room},
		"applied_not_granted": []any{}, "problem": "",
	}
	if !reflect.DeepEqual(got, jsonValue(want)) {
		t.Errorf("explained:\n got %v\nwant %v", got, jsonValue(want))
	}

	// what doorsync applied shows, and what it applied but nothing grants
	// any more is about to be revoked
	a.exec(`insert into applied_access (org_id, person, site_id, group_id, user_id) values
		('acme', 'member:m1', $1, $2, 'u1'), ('acme', 'member:m1', $3, 'old-group', 'u2')`, siteLondon, groupMembers, siteNY)
	a.exec(`insert into salto_identities (org_id, person, site_id, site_user_id, user_id, subscription_state)
		values ('acme', 'member:m1', $1, 'su1', 'u1', 'subscribed')`, siteLondon)
	if err := a.Store.SetPersonProblem(context.Background(), "acme", "member:m1", "no seats left on site London"); err != nil {
		t.Fatal(err)
	}
	got = a.must(200, "GET", "/v1/orgs/acme/members/m1/access", key, nil).JSON(t)
	if g := got["groups"].([]any)[0].(map[string]any); g["applied"] != true {
		t.Errorf("applied = %v", g["applied"])
	}
	users := []any{map[string]any{"site_id": siteLondon, "site_user_id": "su1", "user_id": "u1", "subscription_state": "subscribed"}}
	if !reflect.DeepEqual(got["salto_users"], users) {
		t.Errorf("salto_users = %v", got["salto_users"])
	}
	stale := got["applied_not_granted"].([]any)
	if len(stale) != 1 || stale[0].(map[string]any)["group_id"] != "old-group" || stale[0].(map[string]any)["site_id"] != siteNY {
		t.Errorf("applied_not_granted = %v", stale)
	}
	if got["problem"] != "no seats left on site London" {
		t.Errorf("problem = %v", got["problem"])
	}

	// a co-member has the primary's access, and says so
	got = a.must(200, "GET", "/v1/orgs/acme/members/m2/access", key, nil).JSON(t)
	if !reflect.DeepEqual(got["groups"], jsonValue([]any{planGroup(false, "co_member")})) {
		t.Errorf("co-member groups = %v", got["groups"])
	}

	// a guest, by e-mail in any case
	got = a.must(200, "GET", "/v1/orgs/acme/guests/Guest%40Example.com/access", key, nil).JSON(t)
	want = map[string]any{
		"person":      map[string]any{"kind": "guest", "id": "guest@example.com", "email": "guest@example.com"},
		"salto_users": []any{}, "groups": []any{}, "upcoming": []any{room}, "applied_not_granted": []any{}, "problem": "",
	}
	if !reflect.DeepEqual(got, jsonValue(want)) {
		t.Errorf("guest:\n got %v\nwant %v", got, jsonValue(want))
	}
	got = a.must(200, "GET", "/v1/orgs/acme/guests/nobody@example.com/access", key, nil).JSON(t)
	if len(got["groups"].([]any))+len(got["upcoming"].([]any)) != 0 {
		t.Errorf("a guest without bookings = %v", got)
	}

	a.must(404, "GET", "/v1/orgs/acme/members/m9/access", key, nil)
	a.must(400, "GET", "/v1/orgs/acme/members/bad%20id/access", key, nil)
	a.must(400, "GET", "/v1/orgs/acme/guests/not-an-email/access", key, nil)
	a.must(404, "GET", "/v1/orgs/nobody/guests/joe@example.com/access", adminToken, nil)
}

// An add being applied (its outcome not recorded yet) is not claimed as
// applied.
func TestExplainDoesNotClaimAnUnconfirmedAdd(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	for path, body := range map[string]any{
		"locations/l1":            map[string]any{"name": "London", "time_zone": "Europe/London", "salto_site_id": siteLondon},
		"plans/hot-desk":          map[string]any{"name": "Hot desk"},
		"members/m1":              map[string]any{"email": "joe@example.com"},
		"memberships/ms1":         map[string]any{"plan_id": "hot-desk", "member_id": "m1", "starts_at": "2026-01-01"},
		"mappings/plans/hot-desk": groups(siteLondon, groupMembers),
	} {
		if r := a.do("PUT", "/v1/orgs/acme/"+path, key, body); r.Status != 201 {
			t.Fatalf("PUT %s = %d: %s", path, r.Status, r.Body)
		}
	}
	a.exec(`insert into applied_access (org_id, person, site_id, group_id, user_id, confirmed) values
		('acme', 'member:m1', $1, $2, 'u1', false)`, siteLondon, groupMembers)
	got := a.must(200, "GET", "/v1/orgs/acme/members/m1/access", key, nil).JSON(t)
	if g := got["groups"].([]any)[0].(map[string]any); g["applied"] != false {
		t.Errorf("applied = %v for an add whose outcome is not recorded, want false", g["applied"])
	}
}
