package api_test

import (
	"encoding/json"
	"reflect"
	"testing"
)

// decode unmarshals a response body into v.
func decode(t *testing.T, r response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("body: %v\n%s", err, r.Body)
	}
}

func TestDayPassUses(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.must(201, "PUT", "/v1/orgs/acme/day-passes/dp1", key, map[string]any{"member_id": "m1", "location_id": "l1",
		"passes": 2, "valid_from": "2026-01-01", "valid_until": "2026-12-31"})
	a.clearOutbox()
	use := func(want int, useID, date string) map[string]any {
		t.Helper()
		return a.must(want, "POST", "/v1/orgs/acme/day-passes/dp1/uses", key, map[string]any{"use_id": useID, "date": date}).JSON(t)
	}
	if got := use(200, "u1", "2026-01-05")["remaining"]; got != 1.0 {
		t.Errorf("remaining = %v, want 1", got)
	}
	if got := use(200, "u1", "2026-01-05")["remaining"]; got != 1.0 {
		t.Errorf("repeated use: remaining = %v, want 1", got)
	}
	if got := use(200, "u2", "2026-01-06T09:30:00+01:00")["remaining"]; got != 0.0 {
		t.Errorf("remaining = %v, want 0", got)
	}
	if got := use(200, "u2", "2026-01-06T09:30:00+01:00")["remaining"]; got != 0.0 {
		t.Errorf("repeat of the last use: remaining = %v, want 0", got)
	}
	use(409, "u3", "2026-01-07")
	if got := a.query("select use_id, used_on from day_pass_uses order by use_id"); !reflect.DeepEqual(got,
		[][]string{{"u1", "2026-01-05"}, {"u2", "2026-01-06T09:30:00+01:00"}}) {
		t.Errorf("uses = %v", got)
	}
	if got := a.outbox(); !reflect.DeepEqual(got, []string{"lifecycle day_pass:dp1", "lifecycle day_pass:dp1"}) {
		t.Errorf("pokes = %v", got)
	}

	a.must(404, "POST", "/v1/orgs/acme/day-passes/nope/uses", key, map[string]any{"use_id": "u1", "date": "2026-01-05"})
	r := a.must(400, "POST", "/v1/orgs/acme/day-passes/dp1/uses", key, map[string]any{"date": "5 January"})
	if got := problemFields(t, r); !reflect.DeepEqual(got, []string{"date", "use_id"}) {
		t.Errorf("fields = %v", got)
	}
	a.must(400, "POST", "/v1/orgs/acme/day-passes/dp1/uses", key, map[string]any{"use_id": "u4", "date": "2026-01-05", "count": 2})

	// deleting the bundle forgets its uses
	a.must(204, "DELETE", "/v1/orgs/acme/day-passes/dp1", key, nil)
	if got := a.query("select count(*) from day_pass_uses")[0][0]; got != "0" {
		t.Errorf("%s uses left", got)
	}
}
