package api_test

import (
	"encoding/base64"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestAuditFiltersAndPages(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.createOrg("other")
	// day of January 2026 → entry; inserted oldest first
	rows := []struct {
		day                                 int
		action, person, site, group, reason string
		trigger, result, err                string
	}{
		{1, "add", "member:m1", siteLondon, "g1", `{"kind":"membership","id":"ms1","via":"plan","ref":"p1"}`, "realtime", "ok", ""},
		{2, "add", "guest:g@example.com", siteNY, "g2", "", "reconcile", "ok", ""},
		{3, "remove", "member:m1", siteLondon, "g1", "", "realtime", "ok", ""},
		{4, "create_user", "member:m2", siteLondon, "", "", "realtime", "ok", ""},
		{5, "add", "member:m2", siteLondon, "g1", "", "realtime", "ok", ""},
		{6, "remove", "guest:g@example.com", siteNY, "g2", `"added in Salto KS by hand"`, "reconcile", "error", "boom"},
		{7, "add", "member:m1", siteNY, "g2", "", "realtime", "ok", ""},
	}
	for _, r := range rows {
		var reason any
		if r.reason != "" {
			reason = r.reason
		}
		a.exec(`insert into audit_log (org_id, at, action, person, site_id, group_id, salto_user_id, reason, trigger,
			workflow_id, result, error) values ('acme', $1, $2, $3, $4, $5, 'u-' || $3, $6::jsonb, $7, 'access:acme:' || $3, $8, $9)`,
			time.Date(2026, 1, r.day, 10, 0, 0, 0, time.UTC), r.action, r.person, r.site, r.group, reason, r.trigger, r.result, r.err)
	}
	a.exec(`insert into audit_log (org_id, action, person, trigger, result) values ('other', 'add', 'member:m1', 'realtime', 'ok')`)

	type page struct {
		Data       []map[string]any `json:"data"`
		NextCursor string           `json:"next_cursor"`
	}
	days := func(query string) ([]int, page) {
		t.Helper()
		var p page
		decode(t, a.must(200, "GET", "/v1/orgs/acme/audit"+query, key, nil), &p)
		var out []int
		for _, e := range p.Data {
			at, _ := time.Parse(time.RFC3339, e["at"].(string))
			out = append(out, at.Day())
		}
		return out, p
	}
	for query, want := range map[string][]int{
		"":                                   {7, 6, 5, 4, 3, 2, 1},
		"?person=member:m1":                  {7, 3, 1},
		"?person=guest:G@Example.com":        {6, 2},
		"?site_id=" + siteNY:                 {7, 6, 2},
		"?group_id=g1":                       {5, 3, 1},
		"?since=2026-01-05T10:00:00Z":        {7, 6, 5},
		"?since=2026-01-05T11:00:00%2B01:00": {7, 6, 5},
		"?person=member:m1&site_id=" + siteLondon + "&since=2026-01-02T00:00:00Z": {3},
		"?person=member:m9": nil,
	} {
		if got, p := days(query); !reflect.DeepEqual(got, want) || p.NextCursor != "" {
			t.Errorf("%q = %v (next %q), want %v", query, got, p.NextCursor, want)
		}
	}

	// the entry's shape
	_, p := days("?limit=7")
	first, last := p.Data[6], p.Data[1]
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range first {
			if !yield(k) {
				return
			}
		}
	})
	wantKeys := []string{"action", "actor", "at", "error", "group_id", "person", "reason", "result", "run_id", "salto_user_id", "site_id", "trigger", "workflow_id"}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("entry keys = %v", keys)
	}
	wantFirst := map[string]any{"at": "2026-01-01T10:00:00Z", "action": "add", "person": "member:m1", "site_id": siteLondon,
		"group_id": "g1", "salto_user_id": "u-member:m1", "trigger": "realtime", "workflow_id": "access:acme:member:m1",
		"run_id": "", "result": "ok", "error": "", "actor": "",
		"reason": map[string]any{"kind": "membership", "id": "ms1", "via": "plan", "ref": "p1"}}
	if !reflect.DeepEqual(first, wantFirst) {
		t.Errorf("entry = %v\nwant %v", first, wantFirst)
	}
	if last["reason"] != "added in Salto KS by hand" || last["error"] != "boom" || last["result"] != "error" {
		t.Errorf("entry = %v", last)
	}
	if _, p := days("?person=member:m2"); p.Data[0]["reason"] != nil {
		t.Errorf("no reason = %v, want null", p.Data[0]["reason"])
	}

	// paging
	var all []int
	cursor := ""
	for pages := 1; ; pages++ {
		got, p := days("?limit=3&cursor=" + cursor)
		all = append(all, got...)
		if cursor = p.NextCursor; cursor == "" {
			if pages != 3 {
				t.Errorf("%d pages, want 3", pages)
			}
			break
		}
		if pages > 3 {
			t.Fatal("paging does not end")
		}
	}
	if !reflect.DeepEqual(all, []int{7, 6, 5, 4, 3, 2, 1}) {
		t.Errorf("paged = %v", all)
	}
	got, p := days("?person=member:m1&limit=2")
	more, _ := days("?person=member:m1&limit=2&cursor=" + p.NextCursor)
	if !reflect.DeepEqual(append(got, more...), []int{7, 3, 1}) {
		t.Errorf("filtered pages = %v then %v", got, more)
	}

	for query, field := range map[string]string{
		"?limit=0":          "limit",
		"?limit=1001":       "limit",
		"?limit=ten":        "limit",
		"?since=2026-01-01": "since",
		"?since=yesterday":  "since",
		"?cursor=!!!":       "cursor",
		"?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("abc")): "cursor",
		"?person=bob":     "person",
		"?person=admin:x": "person",
	} {
		r := a.must(400, "GET", "/v1/orgs/acme/audit"+query, key, nil)
		if got := problemFields(t, r); !reflect.DeepEqual(got, []string{field}) {
			t.Errorf("%s: fields = %v, want [%s]", query, got, field)
		}
	}
	a.must(200, "GET", "/v1/orgs/acme/audit?limit=1000", key, nil)
}
