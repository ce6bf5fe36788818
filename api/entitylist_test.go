package api_test

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"reflect"
	"testing"
)

// listIDs reads every page of path (which carries its own query) with
// limit, and returns the ids in order and the number of pages.
func (a *testAPI) listIDs(path, token string, limit int) (ids []string, pages int) {
	a.t.Helper()
	cursor := ""
	for {
		got := a.must(200, "GET", fmt.Sprintf("%s&limit=%d&cursor=%s", path, limit, url.QueryEscape(cursor)), token, nil).JSON(a.t)
		pages++
		for _, it := range got["data"].([]any) {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		next, _ := got["next_cursor"].(string)
		if next == "" {
			return ids, pages
		}
		cursor = next
	}
}

func TestListEntitiesPagesByID(t *testing.T) {
	a := newTestAPI(t)
	a.createOrg("acme")
	key := a.createKey("acme", "the platform", "platform")
	var want []string
	for i := range 7 {
		id := fmt.Sprintf("m%02d", i)
		want = append(want, id)
		a.must(201, "PUT", "/v1/orgs/acme/members/"+id, key, map[string]any{"email": id + "@example.com", "first_name": "N" + id})
	}
	ids, pages := a.listIDs("/v1/orgs/acme/members?", key, 3)
	if !reflect.DeepEqual(ids, want) || pages != 3 {
		t.Errorf("paged ids = %v in %d pages, want %v in 3", ids, pages, want)
	}
	// Each item is the view GET of one answers.
	one := a.must(200, "GET", "/v1/orgs/acme/members/m03", key, nil).JSON(t)
	first := a.must(200, "GET", "/v1/orgs/acme/members?limit=1&cursor="+base64.RawURLEncoding.EncodeToString([]byte("m02")), key, nil).JSON(t)
	if got := first["data"].([]any)[0]; !reflect.DeepEqual(got, one) {
		t.Errorf("listed %v, GET answers %v", got, one)
	}
	// Another kind lists only its own, with unresolved references.
	a.must(201, "PUT", "/v1/orgs/acme/memberships/ms1", key, map[string]any{"plan_id": "nope", "member_id": "m01", "starts_at": "2026-01-01"})
	got := a.must(200, "GET", "/v1/orgs/acme/memberships", key, nil).JSON(t)
	data := got["data"].([]any)
	if len(data) != 1 || got["next_cursor"] != nil {
		t.Fatalf("memberships = %v", got)
	}
	if u := data[0].(map[string]any)["unresolved"].([]any); len(u) != 1 || u[0].(map[string]any)["id"] != "nope" {
		t.Errorf("unresolved = %v, want the plan nope", u)
	}
	empty := a.must(200, "GET", "/v1/orgs/acme/plans", key, nil).JSON(t)
	if d := empty["data"].([]any); len(d) != 0 {
		t.Errorf("plans = %v, want none", empty)
	}
	for _, bad := range []string{"limit=0", "cursor=%25%25", "query=" + url.QueryEscape(string(make([]byte, 201)))} {
		a.must(400, "GET", "/v1/orgs/acme/members?"+bad, key, nil)
	}
	a.must(404, "GET", "/v1/orgs/nope/members", adminToken, nil)
}

func TestListEntitiesQuery(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	for id, body := range map[string]any{
		"members/alice-1": map[string]any{"email": "Alice@Example.com", "first_name": "Alice", "last_name": "Liddell"},
		"members/bob":     map[string]any{"email": "bob@example.com", "first_name": "Bob", "last_name": "Stone"},
		"members/c-100":   map[string]any{"email": "carol@corp.test", "first_name": "Carol", "last_name": "Alison"},
		"plans/hot":       map[string]any{"name": "Hot Desk"},
		"plans/fixed":     map[string]any{"name": "Fixed desk"},
		"plans/promo":     map[string]any{"name": "50%_off"},
		"bookings/b1": map[string]any{"resource_id": "r1", "booker": map[string]any{"email": "Visitor@Guest.test"},
			"starts_at": "2026-11-22T09:00:00Z", "ends_at": "2026-11-22T10:00:00Z"},
	} {
		a.must(201, "PUT", "/v1/orgs/acme/"+id, key, body)
	}
	for q, want := range map[string][]string{
		"members?query=ALI":          {"alice-1", "c-100"}, // a name, another's last name
		"members?query=example.COM":  {"alice-1", "bob"},   // e-mails
		"members?query=bob%20stone":  {"bob"},              // first and last name together
		"members?query=C-1":          {"c-100"},            // an id
		"plans?query=%25_":           {"promo"},            // % and _ are no wildcards
		"plans?query=_":              {"promo"},
		"members?query=zzz":          nil,
		"plans?query=desk":           {"fixed", "hot"},
		"bookings?query=visitor@gue": {"b1"},
	} {
		ids, _ := a.listIDs("/v1/orgs/acme/"+q, key, 1)
		if !reflect.DeepEqual(ids, want) {
			t.Errorf("%s = %v, want %v", q, ids, want)
		}
	}
}
