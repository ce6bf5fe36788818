package api_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// problemFields returns the fields a 400 problem names, sorted.
func problemFields(t *testing.T, r response) []string {
	t.Helper()
	var p struct {
		Errors []struct{ Field, Message string }
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("not a problem: %s", r.Body)
	}
	var out []string
	for _, e := range p.Errors {
		if !slices.Contains(out, e.Field) {
			out = append(out, e.Field)
		}
	}
	slices.Sort(out)
	return out
}

// outbox returns the queued pokes as "kind target", in order.
func (a *testAPI) outbox() []string {
	a.t.Helper()
	var out []string
	for _, row := range a.query("select kind, target from outbox order by id") {
		out = append(out, row[0]+" "+row[1])
	}
	return out
}

// in is a for a subtest.
func (a *testAPI) in(t *testing.T) *testAPI {
	c := *a
	c.t = t
	return &c
}

// clearOutbox forgets the pokes queued so far.
func (a *testAPI) clearOutbox() { a.exec("delete from outbox") }

// jsonValue round-trips v through JSON, as a response body holds it.
func jsonValue(v any) any {
	b, _ := json.Marshal(v)
	var out any
	json.Unmarshal(b, &out)
	return out
}

// checkFields fails unless every field of want is in got with that value.
func checkFields(t *testing.T, got map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if k == "version" {
			continue
		}
		if !reflect.DeepEqual(got[k], jsonValue(v)) {
			t.Errorf("%s = %#v, want %#v (body %v)", k, got[k], jsonValue(v), got)
		}
	}
}

func with(body map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range body {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func unresolved(refs ...string) []any {
	out := []any{}
	for _, r := range refs {
		field, rest, _ := strings.Cut(r, "=")
		kind, id, _ := strings.Cut(rest, ":")
		out = append(out, map[string]any{"field": field, "kind": kind, "id": id})
	}
	return out
}

// entityCases is one valid body per kind (naming entities that do not
// exist, so unresolved is non-empty where a kind refers to any), an update
// of it, and the unresolved references it makes.
var entityCases = []struct {
	path, id       string
	create, update map[string]any
	unresolved     []any
}{
	{"locations", "l1",
		map[string]any{"name": "London", "time_zone": "Europe/London", "salto_site_id": siteLondon},
		map[string]any{"name": "London HQ", "salto_site_id": siteLondon},
		unresolved()},
	{"floors", "f1",
		map[string]any{"location_id": "lx", "name": "Ground"},
		map[string]any{"location_id": "lx", "name": "First"},
		unresolved("location_id=location:lx")},
	{"resources", "r1",
		map[string]any{"kind": "bookable", "name": "Room 1", "location_id": "lx", "floor_id": "fx", "buffer_before": "10m", "buffer_after": "1h30m"},
		map[string]any{"kind": "assignable", "name": "Desk 1", "location_id": "lx"},
		unresolved("location_id=location:lx", "floor_id=floor:fx")},
	{"plans", "p1", map[string]any{"name": "Hot desk"}, map[string]any{"name": "Fixed desk"}, unresolved()},
	{"teams", "t1", map[string]any{"name": "Acme"}, map[string]any{"name": "Acme Ltd"}, unresolved()},
	{"members", "m1",
		map[string]any{"email": "Joe@Example.com", "first_name": "Joe", "last_name": "Doe", "phone": "+44 20 1234",
			"team_id": "tx", "primary_member_id": "mx", "access_cards": []string{"0451", "0452"}},
		map[string]any{"email": "joe@example.org", "first_name": "Joe", "last_name": "Doe", "access_cards": []string{}},
		unresolved("team_id=team:tx", "primary_member_id=member:mx")},
	{"memberships", "ms1",
		map[string]any{"plan_id": "px", "member_id": "mx", "resource_id": "rx", "starts_at": "2026-01-01", "ends_at": "2026-12-31T18:00:00+01:00"},
		map[string]any{"plan_id": "px", "team_id": "tx", "starts_at": "2026-02-01T09:00:00Z"},
		unresolved("plan_id=plan:px", "member_id=member:mx", "resource_id=resource:rx")},
	{"bookings", "b1",
		map[string]any{"resource_id": "rx", "booker": map[string]any{"email": "Ann@Example.com", "first_name": "Ann"},
			"guests":    []any{map[string]any{"email": "guest@example.com", "last_name": "Guest"}},
			"starts_at": "2026-11-22T09:00:00+01:00", "ends_at": "2026-11-22T10:30:00+01:00"},
		map[string]any{"resource_id": "rx", "member_id": "mx", "guests": []any{},
			"starts_at": "2026-11-22T09:00:00Z", "ends_at": "2026-11-22T11:00:00Z"},
		unresolved("resource_id=resource:rx")},
	{"day-passes", "dp1",
		map[string]any{"member_id": "mx", "location_id": "lx", "passes": 3, "valid_from": "2026-01-01", "valid_until": "2026-03-31"},
		map[string]any{"team_id": "tx", "location_id": "lx", "passes": 5, "valid_from": "2026-01-01T00:00:00+01:00", "valid_until": "2026-06-30"},
		unresolved("member_id=member:mx", "location_id=location:lx")},
}

func TestEntityLifecycle(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	for _, tc := range entityCases {
		t.Run(tc.path, func(t *testing.T) {
			a := a.in(t)
			path := "/v1/orgs/acme/" + tc.path + "/" + tc.id
			a.must(404, "GET", path, key, nil)

			created := a.must(201, "PUT", path, key, with(tc.create, "version", 1)).JSON(t)
			checkFields(t, created, tc.create)
			if created["id"] != tc.id || created["version"] != 1.0 {
				t.Errorf("id, version = %v, %v", created["id"], created["version"])
			}
			if !reflect.DeepEqual(created["unresolved"], tc.unresolved) {
				t.Errorf("unresolved = %v, want %v", created["unresolved"], tc.unresolved)
			}
			got := a.must(200, "GET", path, key, nil).JSON(t)
			if !reflect.DeepEqual(got, created) {
				t.Errorf("GET = %v\nPUT answered %v", got, created)
			}

			// an identical repeat changes nothing and pokes nothing
			pokes := a.outbox()
			again := a.must(200, "PUT", path, key, with(tc.create, "version", 1)).JSON(t)
			if !reflect.DeepEqual(again, created) {
				t.Errorf("repeat = %v", again)
			}
			// what GET answers can be PUT back as it is
			a.must(200, "PUT", path, key, got)
			if after := a.outbox(); !reflect.DeepEqual(after, pokes) {
				t.Errorf("repeats queued pokes: %v -> %v", pokes, after)
			}

			updated := a.must(200, "PUT", path, key, with(tc.update, "version", 2)).JSON(t)
			checkFields(t, updated, tc.update)
			checkFields(t, a.must(200, "GET", path, key, nil).JSON(t), tc.update)

			// an older version, or the same version with another body, is
			// refused and changes nothing
			a.must(409, "PUT", path, key, with(tc.create, "version", 1))
			a.must(409, "PUT", path, key, with(tc.create, "version", 2))
			if got := a.must(200, "GET", path, key, nil).JSON(t); !reflect.DeepEqual(got, updated) {
				t.Errorf("after stale writes: %v, want %v", got, updated)
			}

			a.must(204, "DELETE", path, key, nil)
			a.must(404, "GET", path, key, nil)
			a.must(404, "DELETE", path, key, nil)
		})
	}
}

func TestEntityResponseShape(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.must(201, "PUT", "/v1/orgs/acme/locations/l1", key, map[string]any{"name": "L", "salto_site_id": siteLondon})
	a.must(201, "PUT", "/v1/orgs/acme/plans/p1", key, map[string]any{"name": "Hot desk"})

	// defaults appear as the API documents them, unset optional fields not
	// at all, references to known entities are resolved
	m := a.must(201, "PUT", "/v1/orgs/acme/members/m1", key, map[string]any{"email": "joe@example.com"}).JSON(t)
	want := map[string]any{"id": "m1", "email": "joe@example.com", "first_name": "", "last_name": "",
		"access_cards": []any{}, "unresolved": []any{}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("member = %v, want %v", m, want)
	}
	ms := a.must(201, "PUT", "/v1/orgs/acme/memberships/ms1", key, map[string]any{"plan_id": "p1", "member_id": "m1",
		"starts_at": "2026-01-01"}).JSON(t)
	if _, ok := ms["ends_at"]; ok || !reflect.DeepEqual(ms["unresolved"], []any{}) || ms["version"] != nil {
		t.Errorf("membership = %v", ms)
	}
	// a reference resolves once its entity arrives
	dp := a.must(201, "PUT", "/v1/orgs/acme/day-passes/dp1", key, map[string]any{"member_id": "m1", "location_id": "l2",
		"passes": 1, "valid_from": "2026-01-01", "valid_until": "2026-01-31"}).JSON(t)
	if !reflect.DeepEqual(dp["unresolved"], unresolved("location_id=location:l2")) {
		t.Errorf("unresolved = %v", dp["unresolved"])
	}
	a.must(201, "PUT", "/v1/orgs/acme/locations/l2", key, map[string]any{"name": "L2", "salto_site_id": siteNY})
	if dp := a.must(200, "GET", "/v1/orgs/acme/day-passes/dp1", key, nil).JSON(t); !reflect.DeepEqual(dp["unresolved"], []any{}) {
		t.Errorf("unresolved after the location arrived = %v", dp["unresolved"])
	}
	// the stored body is the engine's; the member's e-mail is indexed lower-cased
	a.must(201, "PUT", "/v1/orgs/acme/bookings/b1", key, map[string]any{"resource_id": "r1",
		"booker": map[string]any{"email": " Ann@Example.COM "}, "guests": []any{map[string]any{"email": "Bob@example.com"}},
		"starts_at": "2026-11-22T09:00:00+01:00", "ends_at": "2026-11-22T10:00:00+01:00"})
	if got := a.query("select emails::text from entities where kind = 'booking' and id = 'b1'"); got[0][0] != "{ann@example.com,bob@example.com}" {
		t.Errorf("booking emails = %v", got)
	}

	a.must(400, "PUT", "/v1/orgs/acme/plans/p2", key, map[string]any{"id": "p3", "name": "x"})
	a.must(400, "PUT", "/v1/orgs/acme/plans/bad%20id", key, map[string]any{"name": "x"})
	a.must(400, "GET", "/v1/orgs/acme/plans/"+strings.Repeat("p", 129), key, nil)
	a.must(404, "PUT", "/v1/orgs/nobody/plans/p1", adminToken, map[string]any{"name": "x"})
	if r := a.doRaw("PUT", "/v1/orgs/acme/plans/p1", key, "text/plain", `{"name":"x"}`); r.Status != 415 {
		t.Errorf("text/plain = %d", r.Status)
	}
}

func TestEntityValidationNamesEveryField(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	for _, tc := range []struct {
		path   string
		body   any
		fields []string
	}{
		{"locations/l1", map[string]any{}, []string{"name", "salto_site_id"}},
		{"locations/l1", map[string]any{"name": "L", "salto_site_id": "s", "time_zone": "Mars/Olympus"}, []string{"time_zone"}},
		{"locations/l1", map[string]any{"name": "L", "salto_site_id": "s", "time_zone": "Local"}, []string{"time_zone"}},
		{"floors/f1", map[string]any{}, []string{"location_id", "name"}},
		{"floors/f1", map[string]any{"location_id": "bad id", "name": "x"}, []string{"location_id"}},
		{"resources/r1", map[string]any{}, []string{"kind", "location_id", "name"}},
		{"resources/r1", map[string]any{"kind": "desk", "name": "x", "location_id": "l", "floor_id": "f/1",
			"buffer_before": "soon", "buffer_after": "-5m"}, []string{"buffer_after", "buffer_before", "floor_id", "kind"}},
		{"plans/p1", map[string]any{}, []string{"name"}},
		{"plans/p1", map[string]any{"name": "x", "colour": "red"}, []string{"colour"}},
		{"teams/t1", map[string]any{"name": 7}, []string{"name"}},
		{"teams/t1", map[string]any{"name": "x", "version": "two"}, []string{"version"}},
		{"members/m1", map[string]any{}, []string{"email"}},
		{"members/m1", map[string]any{"email": "Joe <joe@example.com>", "access_cards": []string{"1", ""},
			"primary_member_id": "m1", "team_id": "a b"}, []string{"access_cards[1]", "email", "primary_member_id", "team_id"}},
		{"members/m1", map[string]any{"email": "not-an-email"}, []string{"email"}},
		{"members/m1", map[string]any{"email": "a@b.c", "access_cards": "0451"}, []string{"access_cards"}},
		{"memberships/ms1", map[string]any{}, []string{"member_id", "plan_id", "starts_at"}},
		{"memberships/ms1", map[string]any{"plan_id": "p", "team_id": "t", "starts_at": "2026-13-01", "ends_at": "tomorrow"},
			[]string{"ends_at", "starts_at"}},
		{"memberships/ms1", map[string]any{"plan_id": "p", "member_id": "m", "starts_at": "2026-01-01T09:00:00"},
			[]string{"starts_at"}},
		{"memberships/ms1", map[string]any{"plan_id": "p", "member_id": "m", "starts_at": "2026-02-01", "ends_at": "2026-01-31"},
			[]string{"ends_at"}},
		{"memberships/ms1", map[string]any{"plan_id": "p", "member_id": "m", "starts_at": "2026-02-01T10:00:00Z",
			"ends_at": "2026-02-01T11:00:00+02:00"}, []string{"ends_at"}},
		{"bookings/b1", map[string]any{}, []string{"ends_at", "member_id", "resource_id", "starts_at"}},
		{"bookings/b1", map[string]any{"resource_id": "r", "booker": map[string]any{"first_name": "x"},
			"guests":    []any{map[string]any{"email": "a@b.c"}, map[string]any{"email": "bad"}, map[string]any{}},
			"starts_at": "2026-11-22T09:00:00", "ends_at": "2026-11-22"},
			[]string{"booker.email", "ends_at", "guests[1].email", "guests[2].email", "starts_at"}},
		{"bookings/b1", map[string]any{"resource_id": "r", "member_id": "m", "starts_at": "2026-11-22T10:00:00Z",
			"ends_at": "2026-11-22T10:00:00Z"}, []string{"ends_at"}},
		{"bookings/b1", map[string]any{"resource_id": "r", "member_id": "m", "guests": []any{map[string]any{"email": "a@b.c", "phone": "1"}},
			"starts_at": "2026-11-22T10:00:00Z", "ends_at": "2026-11-22T11:00:00Z"}, []string{"phone"}},
		{"day-passes/dp1", map[string]any{}, []string{"location_id", "member_id", "passes", "valid_from", "valid_until"}},
		{"day-passes/dp1", map[string]any{"member_id": "m", "location_id": "l", "passes": 0,
			"valid_from": "2026-02-01T00:00:00Z", "valid_until": "2026-01-01T00:00:00Z"}, []string{"passes", "valid_until"}},
		{"day-passes/dp1", map[string]any{"team_id": "t", "location_id": "l", "passes": 2,
			"valid_from": "someday", "valid_until": "2026-01-01"}, []string{"valid_from"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			a := a.in(t)
			r := a.must(400, "PUT", "/v1/orgs/acme/"+tc.path, key, tc.body)
			if got := problemFields(t, r); !reflect.DeepEqual(got, tc.fields) {
				t.Errorf("fields = %v, want %v\n%s", got, tc.fields, r.Body)
			}
			a.must(404, "GET", "/v1/orgs/acme/"+tc.path, key, nil)
		})
	}
	if n := a.query("select count(*) from entities")[0][0]; n != "0" {
		t.Errorf("%s entities stored by refused writes", n)
	}
}

func TestEntityWritesQueuePokes(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	put := func(path string, body map[string]any) {
		t.Helper()
		r := a.do("PUT", "/v1/orgs/acme/"+path, key, body)
		if r.Status != 200 && r.Status != 201 {
			t.Fatalf("PUT %s = %d: %s", path, r.Status, r.Body)
		}
	}
	expect := func(what string, want ...string) { // in any order
		t.Helper()
		got := a.outbox()
		slices.Sort(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s queued %v, want %v", what, got, want)
		}
		a.clearOutbox()
	}

	// A new membership that grants nothing yet schedules nothing: no
	// lifecycle workflow can run for it, and none is poked.
	put("memberships/ms1", map[string]any{"plan_id": "p1", "member_id": "m1", "starts_at": "2026-01-01"})
	expect("a membership")
	put("plans/p1", map[string]any{"name": "Hot desk"})
	expect("its plan", "lifecycle membership:ms1")
	put("plans/p1", map[string]any{"name": "Hot desk"})
	expect("an unchanged plan")

	// A new member starts the lifecycle workflows of what names them: the
	// membership granted nothing, so none ran.
	put("members/m1", map[string]any{"email": "joe@example.com"})
	expect("a member", "access member:m1", "lifecycle membership:ms1")
	put("members/m2", map[string]any{"email": "ann@example.com", "primary_member_id": "m1"})
	expect("a co-member", "access member:m2")
	put("members/m1", map[string]any{"email": "joe@example.com", "access_cards": []string{"0451"}})
	expect("a member with a co-member", "access member:m1", "access member:m2")

	put("mappings/plans/p1", map[string]any{"access_groups": []any{map[string]any{"site_id": siteLondon, "group_id": groupMembers}}})
	expect("a plan's mapping", "lifecycle membership:ms1")

	// A membership in force pokes the persons it gives access to itself;
	// its lifecycle workflow starts only when something changes later.
	now := time.Now().UTC()
	put("memberships/ms1", map[string]any{"plan_id": "p1", "member_id": "m1", "starts_at": "2026-01-01",
		"ends_at": now.Add(24 * time.Hour).Format(time.RFC3339)})
	expect("a membership ending later", "access member:m1", "access member:m2", "lifecycle membership:ms1")
	put("memberships/ms1", map[string]any{"plan_id": "p1", "member_id": "m1", "starts_at": "2026-01-01"})
	expect("an open-ended membership (a run there ends at its alarm)", "access member:m1", "access member:m2")

	booking := func(from, until time.Time) map[string]any {
		return map[string]any{"resource_id": "r1", "booker": map[string]any{"email": "ann@example.com"},
			"guests":    []any{map[string]any{"email": "Guest@Example.com"}},
			"starts_at": from.Format(time.RFC3339), "ends_at": until.Format(time.RFC3339)}
	}
	put("bookings/b1", booking(now.Add(48*time.Hour), now.Add(49*time.Hour)))
	expect("a booking of an unknown room")
	put("resources/r1", map[string]any{"kind": "bookable", "name": "Room", "location_id": "l1"})
	expect("its resource", "lifecycle booking:b1")
	put("locations/l1", map[string]any{"name": "London", "salto_site_id": siteLondon, "time_zone": "Europe/London"})
	a.clearOutbox()
	put("mappings/resources/r1", map[string]any{"access_groups": []any{map[string]any{"site_id": siteLondon, "group_id": groupMembers}}})
	expect("its room's mapping", "lifecycle booking:b1")
	put("bookings/b1", booking(now.Add(-time.Minute), now.Add(time.Hour)))
	expect("a booking under way", "access guest:ann@example.com", "access guest:guest@example.com", "lifecycle booking:b1")

	// deleting a source ends its persons' access now (a run there finds it
	// gone at its alarm and ends)
	a.must(204, "DELETE", "/v1/orgs/acme/bookings/b1", key, nil)
	expect("deleting a booking", "access guest:ann@example.com", "access guest:guest@example.com")
	a.must(204, "DELETE", "/v1/orgs/acme/memberships/ms1", key, nil)
	expect("deleting a membership", "access member:m1", "access member:m2")
}

// A late (re-delivered or out-of-order) write of a deleted entity at its
// last version or an older one is refused and brings nothing back; a newer
// one recreates it.
func TestLateWriteAfterDeleteIsRefused(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	for _, tc := range entityCases {
		t.Run(tc.path, func(t *testing.T) {
			a := a.in(t)
			path := "/v1/orgs/acme/" + tc.path + "/" + tc.id
			a.must(201, "PUT", path, key, with(tc.create, "version", 2))
			a.must(204, "DELETE", path, key, nil)
			a.clearOutbox()
			for _, body := range []map[string]any{with(tc.create, "version", 2), with(tc.update, "version", 1)} {
				r := a.must(409, "PUT", path, key, body)
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
					t.Errorf("409 content type = %q", ct)
				}
				if p := r.JSON(t); p["status"] != 409.0 || p["detail"] == "" {
					t.Errorf("409 problem = %v", p)
				}
			}
			a.must(404, "GET", path, key, nil)
			if got := a.outbox(); len(got) != 0 {
				t.Errorf("refused writes queued %v", got)
			}
			created := a.must(201, "PUT", path, key, with(tc.update, "version", 3)).JSON(t)
			checkFields(t, created, tc.update)
			if created["version"] != 3.0 {
				t.Errorf("version = %v, want 3", created["version"])
			}
			a.must(204, "DELETE", path, key, nil)
			// no version: no ordering to go by, so it is accepted, and the
			// entity keeps the version it was deleted at
			if got := a.must(201, "PUT", path, key, tc.create).JSON(t); got["version"] != 3.0 {
				t.Errorf("unversioned recreate: version = %v, want 3", got["version"])
			}
		})
	}
}
