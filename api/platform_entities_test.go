package api_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"doorsync/access"
	"doorsync/api"
	"doorsync/connectors"
	"doorsync/internal/write"
)

// record writes rec as the connected platform's sync would.
func (a *testAPI) record(platform connectors.Platform, kind access.Kind, id, body, sourceID string) {
	a.t.Helper()
	wr := &write.Writer{Store: a.Store}
	if _, err := wr.Record(context.Background(), "acme", platform, connectors.Record{
		Kind: kind, ID: id, Body: json.RawMessage(body), SourceID: sourceID}); err != nil {
		a.t.Fatal(err)
	}
}

func TestPatchSetsWhatTheOperatorOwns(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	operator := a.createKey("acme", "ops desk", "operator")
	platform := a.createKey("acme", "the platform", "platform")
	a.record(connectors.OfficeRnD, access.KindLocation, "l1", `{"name":"London","version":1700000000000}`, "loc-1")
	a.record(connectors.OfficeRnD, access.KindResource, "r1", `{"kind":"bookable","name":"Room 1","location_id":"l1","version":1700000000000}`, "res-1")

	// A platform's location reads back without a site until one is set.
	got := a.must(200, "GET", "/v1/orgs/acme/locations/l1", key, nil).JSON(t)
	if got["salto_site_id"] != "" {
		t.Fatalf("a platform's location = %v, want no site", got)
	}
	got = a.must(200, "PATCH", "/v1/orgs/acme/locations/l1", operator, map[string]any{"salto_site_id": siteLondon}).JSON(t)
	want := map[string]any{"id": "l1", "name": "London", "salto_site_id": siteLondon, "version": float64(1700000000000), "unresolved": []any{}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("PATCH location = %v, want %v", got, want)
	}
	if get := a.must(200, "GET", "/v1/orgs/acme/locations/l1", key, nil).JSON(t); !reflect.DeepEqual(get, want) {
		t.Fatalf("GET after PATCH = %v, want %v", get, want)
	}
	got = a.must(200, "PATCH", "/v1/orgs/acme/resources/r1", operator, map[string]any{"buffer_before": "15m", "buffer_after": "1h30m"}).JSON(t)
	if got["buffer_before"] != "15m" || got["buffer_after"] != "1h30m" || got["name"] != "Room 1" {
		t.Fatalf("PATCH resource = %v", got)
	}
	got = a.must(200, "PATCH", "/v1/orgs/acme/resources/r1", operator, map[string]any{"buffer_after": ""}).JSON(t)
	if got["buffer_before"] != "15m" || got["buffer_after"] != nil {
		t.Fatalf("PATCH resource, unsetting buffer_after = %v", got)
	}

	// The platform's next change keeps them.
	a.record(connectors.OfficeRnD, access.KindLocation, "l1", `{"name":"London Bridge","version":1700000001000}`, "loc-1")
	if got := a.must(200, "GET", "/v1/orgs/acme/locations/l1", key, nil).JSON(t); got["salto_site_id"] != siteLondon || got["name"] != "London Bridge" {
		t.Fatalf("after the platform's change = %v", got)
	}

	for _, tc := range []struct {
		path   string
		body   any
		fields []string
	}{
		{"locations/l1", map[string]any{"salto_site_id": ""}, []string{"salto_site_id"}},
		{"locations/l1", map[string]any{"name": "Elsewhere"}, []string{"name"}},
		{"locations/l1", map[string]any{"salto_site_id": 7}, []string{"salto_site_id"}},
		{"resources/r1", map[string]any{"buffer_before": "25h", "buffer_after": "soon"}, []string{"buffer_after", "buffer_before"}},
		{"resources/r1", map[string]any{"buffer_before": "5m", "kind": "assignable"}, []string{"kind"}},
		{"resources/r1", `{"buffer_before":"1m","BUFFER_BEFORE":"2m"}`, []string{"BUFFER_BEFORE"}},
	} {
		r := a.do("PATCH", "/v1/orgs/acme/"+tc.path, operator, tc.body)
		if r.Status != 400 || !slices.Equal(problemFields(t, r), tc.fields) {
			t.Errorf("PATCH %s %v = %d %s, want 400 naming %v", tc.path, tc.body, r.Status, r.Body, tc.fields)
		}
	}
	if r := a.do("PATCH", "/v1/orgs/acme/locations/l1", operator, "{"); r.Status != 400 {
		t.Errorf("malformed JSON = %d %s", r.Status, r.Body)
	}
	if r := a.doRaw("PATCH", "/v1/orgs/acme/locations/l1", operator, "text/plain", `{}`); r.Status != 415 {
		t.Errorf("text/plain = %d %s", r.Status, r.Body)
	}
	if r := a.do("PATCH", "/v1/orgs/acme/locations/nowhere", operator, map[string]any{"salto_site_id": siteLondon}); r.Status != 404 {
		t.Errorf("a missing location = %d %s, want 404", r.Status, r.Body)
	}
	if r := a.do("PATCH", "/v1/orgs/acme/locations/l1", platform, map[string]any{"salto_site_id": siteNY}); r.Status != 403 {
		t.Errorf("a platform key = %d %s, want 403", r.Status, r.Body)
	}
	if r := a.do("PATCH", "/v1/orgs/acme/plans/p1", operator, map[string]any{"name": "x"}); r.Status != 405 && r.Status != 404 {
		t.Errorf("PATCH of a plan = %d %s, want no such route", r.Status, r.Body)
	}
	// An API PUT replaces what the operator owns, as it always did.
	a.must(200, "PUT", "/v1/orgs/acme/locations/l1", key, map[string]any{"name": "London", "salto_site_id": siteNY})
	if got := a.must(200, "GET", "/v1/orgs/acme/locations/l1", key, nil).JSON(t); got["salto_site_id"] != siteNY {
		t.Fatalf("after a PUT = %v", got)
	}
}

func TestExplainNamesThePlatformBehindAReason(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	a := newTestAPI(t, func(d *api.Deps) { d.Now = func() time.Time { return now } })
	key := a.createOrg("acme")
	a.must(201, "PUT", "/v1/orgs/acme/plans/hot-desk", key, map[string]any{"name": "Hot desk"})
	a.must(201, "PUT", "/v1/orgs/acme/mappings/plans/hot-desk", key, groups(siteLondon, groupMembers))
	a.must(201, "PUT", "/v1/orgs/acme/members/m1", key, map[string]any{"email": "joe@example.com"})
	a.must(201, "PUT", "/v1/orgs/acme/memberships/by-api", key, map[string]any{"plan_id": "hot-desk", "member_id": "m1", "starts_at": "2026-01-01"})
	a.record(connectors.OfficeRnD, access.KindMembership, "ms1",
		`{"plan_id":"hot-desk","member_id":"m1","starts_at":"2026-01-01","version":1700000000000}`, "64f0c0ffee")

	got := a.must(200, "GET", "/v1/orgs/acme/members/m1/access", key, nil).JSON(t)
	reasons := jsonValue(got["groups"].([]any)[0].(map[string]any)["reasons"])
	want := jsonValue([]any{
		map[string]any{"kind": "membership", "id": "by-api", "via": "plan", "ref": "hot-desk"},
		map[string]any{"kind": "membership", "id": "ms1", "via": "plan", "ref": "hot-desk", "source": "officernd", "source_id": "64f0c0ffee"},
	})
	if !reflect.DeepEqual(reasons, want) {
		t.Errorf("reasons = %v, want %v", reasons, want)
	}
}
