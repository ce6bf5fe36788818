package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"doorsync/api"
)

// GET /v1/orgs lists every org, a page at a time, in the representation of
// GET /v1/orgs/{org}; only the admin token may.
func TestListOrgsIsAdminOnlyAndPaged(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("b")
	a.createOrg("a")
	a.createOrg("c")

	all := a.must(200, "GET", "/v1/orgs", adminToken, nil).JSON(t)
	data := all["data"].([]any)
	if len(data) != 3 || all["next_cursor"] != nil && all["next_cursor"] != "" {
		t.Fatalf("GET /v1/orgs = %s", mustJSONString(all))
	}
	var ids []string
	for _, o := range data {
		ids = append(ids, o.(map[string]any)["id"].(string))
	}
	if strings.Join(ids, ",") != "a,b,c" {
		t.Fatalf("ids = %v, want a,b,c", ids)
	}
	one := a.must(200, "GET", "/v1/orgs/b", adminToken, nil).JSON(t)
	if !reflect.DeepEqual(data[1], any(one)) {
		t.Errorf("listed org = %v, want GET /v1/orgs/b's %v", data[1], one)
	}

	first := a.must(200, "GET", "/v1/orgs?limit=2", adminToken, nil).JSON(t)
	cursor, _ := first["next_cursor"].(string)
	if len(first["data"].([]any)) != 2 || cursor == "" {
		t.Fatalf("first page = %s", mustJSONString(first))
	}
	rest := a.must(200, "GET", "/v1/orgs?limit=2&cursor="+cursor, adminToken, nil).JSON(t)
	if d := rest["data"].([]any); len(d) != 1 || d[0].(map[string]any)["id"] != "c" {
		t.Fatalf("second page = %s", mustJSONString(rest))
	}
	a.must(400, "GET", "/v1/orgs?limit=0", adminToken, nil)

	a.must(403, "GET", "/v1/orgs", key, nil)
	a.must(401, "GET", "/v1/orgs", "", nil)
	a.must(401, "GET", "/v1/orgs", "dsk_nope_nope", nil)
}

// recordingDeleter stands in for the Temporal-backed deleter.
type recordingDeleter struct {
	mu   sync.Mutex
	orgs []string
}

func (d *recordingDeleter) DeleteOrg(_ context.Context, orgID string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.orgs = append(d.orgs, orgID)
	return nil
}

func (d *recordingDeleter) started() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.orgs...)
}

// A deletion that would remove more from a group than the org's guard lets
// through is refused (409) and changes nothing; with ?force=true it is
// accepted (202), and from then on the org takes no writes (409) while it
// can still be read, showing since when it is being deleted.
func TestDeleteOrgIsGuardedAndThenRefusesWrites(t *testing.T) {
	deleter := &recordingDeleter{}
	a := newTestAPI(t, func(d *api.Deps) { d.OrgDeleter = deleter })
	key := a.createOrg("acme")
	for i := range 12 {
		a.exec(`insert into applied_access (org_id, person, site_id, group_id, user_id) values ('acme', $1, $2, $3, $4)`,
			fmt.Sprintf("member:m%d", i), siteLondon, groupMembers, fmt.Sprintf("user-%d", i))
	}

	a.must(403, "DELETE", "/v1/orgs/acme", key, nil)
	a.must(404, "DELETE", "/v1/orgs/missing", adminToken, nil)
	a.must(400, "DELETE", "/v1/orgs/acme?force=yes", adminToken, nil)
	held := a.must(409, "DELETE", "/v1/orgs/acme", adminToken, nil)
	if ct := held.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if body := string(held.Body); !strings.Contains(body, "force=true") || !strings.Contains(body, groupMembers+": 12 users") {
		t.Errorf("problem = %s, want the held group and the way to force", body)
	}
	if n := len(deleter.started()); n != 0 {
		t.Fatalf("a refused deletion started %d workflows", n)
	}
	a.must(201, "PUT", "/v1/orgs/acme/plans/p1", key, map[string]any{"name": "still writable"})

	accepted := a.must(202, "DELETE", "/v1/orgs/acme?force=true", adminToken, nil).JSON(t)
	if accepted["id"] != "acme" || accepted["deleting_since"] == nil {
		t.Errorf("202 body = %v", accepted)
	}
	if got := deleter.started(); !reflect.DeepEqual(got, []string{"acme"}) {
		t.Fatalf("deletions started = %v", got)
	}
	for _, w := range []struct{ method, path string }{
		{"PUT", "/v1/orgs/acme/plans/p2"},
		{"DELETE", "/v1/orgs/acme/plans/p1"},
		{"PUT", "/v1/orgs/acme"},
	} {
		token := key
		if w.path == "/v1/orgs/acme" {
			token = adminToken
		}
		r := a.do(w.method, w.path, token, map[string]any{"name": "x", "time_zone": "UTC"})
		if w.method == "DELETE" {
			r = a.do(w.method, w.path, token, nil)
		}
		if r.Status != 409 || !strings.Contains(string(r.Body), "being deleted") {
			t.Errorf("%s %s while deleting = %d %s, want 409", w.method, w.path, r.Status, r.Body)
		}
	}
	if got := a.must(200, "GET", "/v1/orgs/acme", key, nil).JSON(t); got["deleting_since"] == nil {
		t.Errorf("GET while deleting = %v, want deleting_since", got)
	}
	// Repeated, without force: the deletion was decided; it is started again.
	a.must(202, "DELETE", "/v1/orgs/acme", adminToken, nil)
	if n := len(deleter.started()); n != 2 {
		t.Fatalf("a repeated deletion started %d workflows in all, want 2", n)
	}
}

// Without a guard reached (few removals), no force is needed.
func TestDeleteOrgUnderTheGuardNeedsNoForce(t *testing.T) {
	deleter := &recordingDeleter{}
	a := newTestAPI(t, func(d *api.Deps) { d.OrgDeleter = deleter })
	a.createOrg("acme")
	a.exec(`insert into applied_access (org_id, person, site_id, group_id, user_id) values ('acme', 'member:m1', $1, $2, 'u1')`,
		siteLondon, groupMembers)
	a.must(202, "DELETE", "/v1/orgs/acme", adminToken, nil)
}

func mustJSONString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
