package api_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"doorsync/api"
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
	if guard["max_fraction"] != 0.2 || guard["min_count"] != 10.0 || guard["hold_expires_after"] != "72h" {
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

// removal_guard.hold_expires_after is 72h unless given, between 1h and 30
// days, and kept with the guard's other settings.
func TestHoldExpiresAfterSetting(t *testing.T) {
	a := newTestAPI(t)
	for _, bad := range []string{"30m", "721h", "-1h"} {
		r := a.must(400, "PUT", "/v1/orgs/acme", adminToken, map[string]any{"name": "Acme", "time_zone": "Europe/London",
			"removal_guard": map[string]any{"hold_expires_after": bad}})
		if !strings.Contains(string(r.Body), `"field":"removal_guard.hold_expires_after"`) {
			t.Errorf("%s: %s", bad, r.Body)
		}
	}
	a.must(201, "PUT", "/v1/orgs/acme", adminToken, map[string]any{"name": "Acme", "time_zone": "Europe/London",
		"removal_guard": map[string]any{"min_count": 3, "hold_expires_after": "24h"}})
	guard := a.must(200, "GET", "/v1/orgs/acme", adminToken, nil).JSON(t)["removal_guard"].(map[string]any)
	if guard["hold_expires_after"] != "24h" || guard["min_count"] != 3.0 || guard["max_fraction"] != 0.2 {
		t.Errorf("removal_guard = %v", guard)
	}
	o, err := a.Store.GetOrg(context.Background(), "acme")
	if err != nil || o.Settings.RemovalGuard.ExpiresAfter() != 24*time.Hour {
		t.Errorf("stored guard = %+v, %v", o.Settings.RemovalGuard, err)
	}
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

// A change of the org's booking buffers or time zone moves windows: it
// pokes the lifecycle workflow of every entity whose windows from now on
// move (so it resets its timers) and the persons whose access it changes
// now; a change the engine does not read pokes nothing.
func TestOrgSettingsChangePokesWhatItMoves(t *testing.T) {
	now := time.Date(2030, 3, 10, 12, 0, 0, 0, time.UTC)
	a := newTestAPI(t, func(d *api.Deps) { d.Now = func() time.Time { return now } })
	org := map[string]any{"name": "Acme", "time_zone": "Pacific/Kiritimati"} // UTC+14
	a.must(201, "PUT", "/v1/orgs/acme", adminToken, org)
	key := a.must(201, "POST", "/v1/orgs/acme/api-keys", adminToken, map[string]any{"name": "platform"}).JSON(t)["key"].(string)
	put := func(path string, body map[string]any) {
		t.Helper()
		if r := a.do("PUT", "/v1/orgs/acme/"+path, key, body); r.Status != 200 && r.Status != 201 {
			t.Fatalf("PUT %s = %d: %s", path, r.Status, r.Body)
		}
	}
	group := []any{map[string]any{"site_id": siteLondon, "group_id": groupMembers}}
	put("locations/l1", map[string]any{"name": "London", "salto_site_id": siteLondon, "time_zone": "Europe/London"})
	put("resources/r1", map[string]any{"kind": "bookable", "name": "Room", "location_id": "l1"})
	put("resources/r2", map[string]any{"kind": "bookable", "name": "Own buffers", "location_id": "l1",
		"buffer_before": "5m", "buffer_after": "5m"})
	put("resources/desk1", map[string]any{"kind": "assignable", "name": "Desk", "location_id": "l1"})
	put("plans/p1", map[string]any{"name": "Hot desk"})
	for _, kind := range []string{"resources/r1", "resources/r2", "plans/p1"} {
		put("mappings/"+kind, map[string]any{"access_groups": group})
	}
	put("members/m1", map[string]any{"email": "joe@example.com"})
	put("members/m2", map[string]any{"email": "amy@example.com"})

	booking := func(booker string, from, until time.Time, resource string) map[string]any {
		return map[string]any{"resource_id": resource, "booker": map[string]any{"email": booker},
			"guests":    []any{map[string]any{"email": "guest-of-" + booker}},
			"starts_at": from.Format(time.RFC3339), "ends_at": until.Format(time.RFC3339)}
	}
	put("bookings/ahead", booking("ann@example.com", now.Add(48*time.Hour), now.Add(49*time.Hour), "r1"))
	put("bookings/soon", booking("fay@example.com", now.Add(12*time.Hour), now.Add(13*time.Hour), "r1"))
	put("bookings/under-way", booking("bob@example.com", now.Add(-time.Hour), now.Add(time.Hour), "r1"))
	put("bookings/just-ended", booking("cat@example.com", now.Add(-time.Hour), now.Add(-10*time.Minute), "r1"))
	put("bookings/past", booking("dan@example.com", now.Add(-49*time.Hour), now.Add(-48*time.Hour), "r1"))
	put("bookings/own-buffers", booking("eve@example.com", now.Add(48*time.Hour), now.Add(49*time.Hour), "r2"))
	// Date-only values are local days in the org's zone unless the
	// membership's location has one. Today's end is 10:00 UTC in
	// Kiritimati (over) and 11:00 UTC tomorrow in Pago Pago (UTC-11).
	today, later := now.Format(time.DateOnly), now.AddDate(0, 1, 0).Format(time.DateOnly)
	put("memberships/date-only", map[string]any{"plan_id": "p1", "member_id": "m1", "starts_at": "2030-01-01", "ends_at": later})
	put("memberships/ends-today", map[string]any{"plan_id": "p1", "member_id": "m2", "starts_at": "2030-01-01", "ends_at": today})
	put("memberships/at-desk", map[string]any{"plan_id": "p1", "member_id": "m1", "resource_id": "desk1",
		"starts_at": "2030-01-01", "ends_at": later})
	put("memberships/timed", map[string]any{"plan_id": "p1", "member_id": "m1",
		"starts_at": now.Add(-time.Hour).Format(time.RFC3339), "ends_at": now.Add(time.Hour).Format(time.RFC3339)})
	a.clearOutbox()

	change := func(what string, settings map[string]any, want ...string) { // want in any order
		t.Helper()
		for k, v := range settings {
			org[k] = v
		}
		a.must(200, "PUT", "/v1/orgs/acme", adminToken, org)
		got := a.outbox()
		slices.Sort(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s queued %v, want %v", what, got, want)
		}
		a.clearOutbox()
	}
	change("a shorter buffer after", map[string]any{"booking_buffer_after": "5m"},
		"access guest:cat@example.com", "access guest:guest-of-cat@example.com", "lifecycle booking:ahead",
		"lifecycle booking:soon", "lifecycle booking:under-way")
	change("a longer buffer after", map[string]any{"booking_buffer_after": "24h"},
		"access guest:cat@example.com", "access guest:guest-of-cat@example.com", "lifecycle booking:ahead",
		"lifecycle booking:just-ended", "lifecycle booking:soon", "lifecycle booking:under-way")
	change("a longer buffer before", map[string]any{"booking_buffer_before": "24h"},
		"access guest:fay@example.com", "access guest:guest-of-fay@example.com",
		"lifecycle booking:ahead", "lifecycle booking:soon")
	change("the same settings", nil)
	change("a new name and removal guard", map[string]any{"name": "Acme Ltd", "reconcile_interval": "1h",
		"removal_guard": map[string]any{"max_fraction": 0.5, "min_count": 3}, "no_access_policy": "suspend"})
	change("a new time zone", map[string]any{"time_zone": "Pacific/Pago_Pago"},
		"access member:m2", "lifecycle membership:date-only", "lifecycle membership:ends-today")
}
