package saltokstest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"doorsync/saltoks/saltokstest"
)

func TestObservedShapes(t *testing.T) {
	s := newDemo(t)
	token := login(t, s)
	tests := []struct {
		name, method, url string
		wantStatus        int
		wantCode          string   // ErrorCode, for errors
		wantKeys          []string // top-level keys, for successes
	}{
		{"site list envelope", "GET", api(s, "/sites"), 200, "", []string{"items", "next_page_link", "count"}},
		{"site", "GET", api(s, "/sites/"+london), 200, "", []string{"id", "customer_reference", "time_zone", "site_uid", "subscribed_user_amount", "active_user_amount"}},
		{"site user", "GET", api(s, "/sites/"+london+"/users/"+londonAdaSU), 200, "", []string{"id", "user", "roles", "subscription_state", "blocked", "use_pin", "tag_id"}},
		{"platform id as site-user id", "GET", api(s, "/sites/"+london+"/users/"+londonAdaPU), 404, "2202", nil},
		{"site UID instead of UUID", "GET", api(s, "/sites/DE4520168385"), 400, "1100", nil},
		{"unknown site", "GET", api(s, "/sites/00000000-0000-4000-8000-000000000000/users"), 404, "2202", nil},
		{"bad orderby", "GET", api(s, "/sites/"+london+"/users?$orderby=nosuch"), 400, "1102", nil},
		{"bad filter", "GET", api(s, "/sites/"+london+"/users?$filter="+url.QueryEscape("user/email ne 'x'")), 400, "1102", nil},
		{"v1.1 serves the same routes", "GET", s.URL + "/v1.1/sites/" + london + "/access_groups", 200, "", []string{"items"}},
		{"v1.1 entries", "GET", s.URL + "/v1.1/sites/" + london + "/entries", 200, "", []string{"items"}},
		{"v1.2 entries", "GET", api(s, "/sites/"+london+"/entries"), 405, "", nil},
		{"lock", "GET", api(s, "/sites/"+london+"/locks/"+londonFront), 200, "", []string{"id", "customer_reference", "lock_type", "battery_level", "online"}},
		{"roles", "GET", api(s, "/sites/"+london+"/roles"), 200, "", []string{"items"}},
		{"subscription", "GET", api(s, "/sites/"+london+"/subscription"), 200, "", []string{"user_amount", "features"}},
		{"me", "GET", api(s, "/me"), 200, "", []string{"id", "email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, tt.method, tt.url, token, nil)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d (%s)", r.status, tt.wantStatus, r.body)
			}
			if tt.wantCode != "" {
				if got := r.errorCode(t); got != tt.wantCode {
					t.Errorf("ErrorCode %q, want %q", got, tt.wantCode)
				}
				if r.json(t)["Message"] == "" {
					t.Error("no Message")
				}
			}
			if tt.wantKeys != nil {
				body := r.json(t)
				for _, k := range tt.wantKeys {
					if _, ok := body[k]; !ok {
						t.Errorf("key %q missing from %s", k, r.body)
					}
				}
			}
		})
	}
}

func TestV2IsForbidden(t *testing.T) {
	s := newDemo(t)
	r := do(t, http.MethodGet, s.URL+"/v2/sites/"+london+"/me/permissions", login(t, s), nil)
	if r.status != http.StatusForbidden || r.json(t)["title"] != "Forbidden" || !strings.Contains(r.header.Get("Content-Type"), "problem+json") {
		t.Errorf("/v2: %d %s %v", r.status, r.body, r.header)
	}
}

func TestSiteUserCarriesBothIDs(t *testing.T) {
	s := newDemo(t)
	body := do(t, http.MethodGet, api(s, "/sites/"+london+"/users/"+londonAdaSU), login(t, s), nil).json(t)
	user := body["user"].(map[string]any)
	if body["id"] != londonAdaSU || user["id"] != londonAdaPU || user["email"] != "ada@example.com" || user["has_profile"] != true {
		t.Errorf("site user %v", body)
	}
}

func TestPagingFollowsNextPageLink(t *testing.T) {
	s := newDemo(t, saltokstest.WithPageSize(2))
	for i := range 5 {
		if _, err := s.CreateUserDirect(london, saltokstest.SeedUser{Email: "p" + string(rune('a'+i)) + "@example.com", FirstName: "P"}); err != nil {
			t.Fatal(err)
		}
	}
	token := login(t, s)
	var emails []string
	link := api(s, "/sites/"+london+"/users?$inlinecount=allpages")
	pages := 0
	for link != "" {
		body := do(t, http.MethodGet, link, token, nil).json(t)
		pages++
		if body["count"] != float64(6) {
			t.Fatalf("count %v, want 6", body["count"])
		}
		for _, it := range body["items"].([]any) {
			emails = append(emails, it.(map[string]any)["user"].(map[string]any)["email"].(string))
		}
		link, _ = body["next_page_link"].(string)
		if link != "" && !strings.HasPrefix(link, s.URL+"/v1.2/sites/") {
			t.Fatalf("next_page_link %q is not absolute on the fake", link)
		}
	}
	if pages != 3 || len(emails) != 6 || emails[0] != "ada@example.com" || emails[5] != "pe@example.com" {
		t.Errorf("%d pages, emails %v", pages, emails)
	}
	top := do(t, http.MethodGet, api(s, "/sites/"+london+"/users?$top=1&$orderby=user/email%20desc"), token, nil).json(t)
	if items := top["items"].([]any); len(items) != 1 || items[0].(map[string]any)["user"].(map[string]any)["email"] != "pe@example.com" {
		t.Errorf("$top=1 $orderby desc: %v", top)
	}
	if top["count"] != nil {
		t.Errorf("count without $inlinecount = %v, want null", top["count"])
	}
}

func TestGroupMembershipTakesPlatformIDs(t *testing.T) {
	s := newDemo(t)
	token := login(t, s)
	u, err := s.CreateUserDirect(london, saltokstest.SeedUser{Email: "bob@example.com", FirstName: "Bob"})
	if err != nil {
		t.Fatal(err)
	}
	members := api(s, "/sites/"+london+"/access_groups/"+londonMember+"/users")
	if r := do(t, http.MethodPost, members, token, map[string]string{"user_id": u.SiteUserID}); r.status != 404 || r.errorCode(t) != "2202" {
		t.Errorf("adding a site-user id: %d %s, want 404 2202", r.status, r.body)
	}
	r := do(t, http.MethodPost, members, token, map[string]string{"user_id": u.UserID})
	if r.status != 200 || r.json(t)["id"] != u.UserID {
		t.Fatalf("adding the platform id: %d %s", r.status, r.body)
	}
	if r := do(t, http.MethodPost, members, token, map[string]string{"user_id": u.UserID}); r.status != 200 {
		t.Errorf("adding again: %d, want 200", r.status)
	}
	if got := s.GroupMembers(london, londonMember); len(got) != 2 || got[1] != u.UserID {
		t.Errorf("members %v", got)
	}
	if r := do(t, http.MethodDelete, members+"/"+u.UserID, token, nil); r.status != 204 {
		t.Errorf("remove: %d", r.status)
	}
	if r := do(t, http.MethodDelete, members+"/"+u.UserID, token, nil); r.status != 404 || r.errorCode(t) != "2202" {
		t.Errorf("remove again: %d %s, want 404 2202", r.status, r.body)
	}
}

func TestCreateUserSeatsInvitationsAndDelete(t *testing.T) {
	s := newDemo(t)
	token := login(t, s)
	if err := s.SetSeats(london, 2); err != nil { // Ada holds one
		t.Fatal(err)
	}
	users := api(s, "/sites/"+london+"/users")
	create := func(email string) result {
		return do(t, http.MethodPost, users, token, map[string]any{"first_name": "N", "last_name": "N", "email": email,
			"role_ids": []string{"8f6081a3-80fb-11e8-a892-000d3a221c5b"}})
	}
	first := create("one@example.com")
	if first.status != 201 || first.json(t)["subscription_state"] != "subscribed" {
		t.Fatalf("first create: %d %s", first.status, first.body)
	}
	second := create("two@example.com")
	if second.status != 201 || second.json(t)["subscription_state"] != "suspended" {
		t.Fatalf("create beyond the seats: %d %s, want a suspended user", second.status, second.body)
	}
	if r := create("one@example.com"); r.status != 400 || r.errorCode(t) != "1101" {
		t.Errorf("duplicate e-mail: %d %s, want 400 1101", r.status, r.body)
	}
	if r := create(""); r.status != 400 || !strings.Contains(string(r.body), "Email '' is not valid") {
		t.Errorf("empty e-mail: %d %s", r.status, r.body)
	}
	if got := len(s.Emails()); got != 2 {
		t.Errorf("%d invitation e-mails recorded, want 2", got)
	}

	firstID := first.json(t)["id"].(string)
	firstPlatform := first.json(t)["user"].(map[string]any)["id"].(string)
	if err := s.AddGroupMemberDirect(london, londonMember, firstPlatform); err != nil {
		t.Fatal(err)
	}
	if r := do(t, http.MethodDelete, users+"/"+firstID, token, nil); r.status != http.StatusAccepted {
		t.Fatalf("delete: %d, want 202", r.status)
	}
	if got := s.GroupMembers(london, londonMember); len(got) != 1 {
		t.Errorf("deleted user still in the group: %v", got)
	}
	secondID := second.json(t)["id"].(string)
	sub := users + "/" + secondID + "/subscription"
	if r := do(t, http.MethodPatch, sub, token, map[string]string{"subscription_state": "subscribed"}); r.status != 400 || r.errorCode(t) != "1101" {
		t.Errorf("subscription_state field: %d %s, want 400 1101", r.status, r.body)
	}
	if r := do(t, http.MethodPatch, sub, token, map[string]string{"state": "subscribed"}); r.status != 204 {
		t.Errorf("subscribe after a seat was freed: %d %s", r.status, r.body)
	}
	if r := create("three@example.com"); r.json(t)["subscription_state"] != "suspended" {
		t.Errorf("site full again, got %s", r.body)
	}
}

func TestProvisioningWindow(t *testing.T) {
	s := newDemo(t, saltokstest.WithProvisioningDelay(time.Minute))
	token := login(t, s)
	r := do(t, http.MethodPost, api(s, "/sites/"+london+"/users"), token, map[string]any{"first_name": "New",
		"role_ids": []string{"8f6081a3-80fb-11e8-a892-000d3a221c5b"}})
	body := r.json(t)
	platformID := body["user"].(map[string]any)["id"].(string)
	if roles := body["roles"].([]any); len(roles) != 0 {
		t.Errorf("roles while provisioning = %v, want []", roles)
	}
	members := api(s, "/sites/"+london+"/access_groups/"+londonMember+"/users")
	if r := do(t, http.MethodPost, members, token, map[string]string{"user_id": platformID}); r.status != 404 || r.errorCode(t) != "2202" {
		t.Errorf("add while provisioning: %d %s, want 404 2202", r.status, r.body)
	}
	pin := api(s, "/sites/"+london+"/users/"+body["id"].(string)+"/pin")
	if r := do(t, http.MethodPut, pin, token, map[string]any{}); r.status != 403 || r.errorCode(t) != "2203" {
		t.Errorf("pin while provisioning: %d %s, want 403 2203", r.status, r.body)
	}
	s.Advance(time.Minute)
	if r := do(t, http.MethodPost, members, token, map[string]string{"user_id": platformID}); r.status != 200 {
		t.Errorf("add after the window: %d %s", r.status, r.body)
	}
	if r := do(t, http.MethodPut, pin, token, map[string]any{}); r.status != 200 || len(r.body) < 8 || r.body[0] != '"' {
		t.Errorf("pin: %d %s, want a bare JSON string", r.status, r.body)
	}
}

func TestPatchUserTags(t *testing.T) {
	s := newDemo(t)
	token := login(t, s)
	user := api(s, "/sites/"+london+"/users/"+londonAdaSU)
	const tagID = "7a900001-0001-4000-8000-000000000001"
	r := do(t, http.MethodPatch, user, token, map[string]any{"tag_id": tagID, "blocked": true})
	body := r.json(t)
	if r.status != 200 || body["tag_id"] != tagID || body["blocked"] != true || body["user"].(map[string]any)["tag_number"] != "04A1B2C3" {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	tags := do(t, http.MethodGet, api(s, "/sites/"+london+"/tags?$filter="+url.QueryEscape("tag_number eq '04a1b2c3'")), token, nil).json(t)
	if items := tags["items"].([]any); len(items) != 1 || items[0].(map[string]any)["user_id"] != londonAdaPU {
		t.Errorf("tag list %v", tags)
	}
	if r := do(t, http.MethodPatch, user, token, map[string]any{"tag_id": nil}); r.json(t)["tag_id"] != nil {
		t.Errorf("clearing the tag: %s", r.body)
	}
	if r := do(t, http.MethodPatch, user, token, map[string]any{"tag_id": "00000000-0000-4000-8000-000000000000"}); r.status != 404 {
		t.Errorf("unknown tag: %d", r.status)
	}
}

// A tag another user holds is not given away by PATCH (400 1101, the
// holder keeps it); an operator can move it by hand (SetTagDirect).
func TestTagHeldByAnotherUser(t *testing.T) {
	s := newDemo(t)
	token := login(t, s)
	const tagID = "7a900001-0001-4000-8000-000000000001"
	if err := s.SetTagDirect(london, londonAdaPU, tagID); err != nil {
		t.Fatal(err)
	}
	bob, err := s.CreateUserDirect(london, saltokstest.SeedUser{Email: "bob@example.com", FirstName: "Bob", LastName: "B"})
	if err != nil {
		t.Fatal(err)
	}
	r := do(t, http.MethodPatch, api(s, "/sites/"+london+"/users/"+bob.SiteUserID), token, map[string]any{"tag_id": tagID})
	if r.status != 400 || r.errorCode(t) != "1101" {
		t.Fatalf("assigning a held tag: %d %s, want 400 1101", r.status, r.body)
	}
	holder := func() any {
		tag := do(t, http.MethodGet, api(s, "/sites/"+london+"/tags/"+tagID), token, nil).json(t)
		return tag["user_id"]
	}
	if h := holder(); h != londonAdaPU {
		t.Fatalf("holder after the refusal = %v, want Ada", h)
	}
	if err := s.SetTagDirect(london, bob.UserID, tagID); err != nil {
		t.Fatal(err)
	}
	if h := holder(); h != bob.UserID {
		t.Fatalf("holder after moving it by hand = %v, want Bob", h)
	}
	ada := do(t, http.MethodGet, api(s, "/sites/"+london+"/users/"+londonAdaSU), token, nil).json(t)
	if ada["tag_id"] != nil {
		t.Fatalf("Ada still has tag %v", ada["tag_id"])
	}
	if err := s.SetTagDirect(london, bob.UserID, ""); err != nil || holder() != nil {
		t.Fatalf("taking it away: %v, holder %v", err, holder())
	}
}

func TestTimeSchedules(t *testing.T) {
	s := newDemo(t)
	token := login(t, s)
	schedules := s.URL + "/v1.1/sites/" + london + "/access_groups/" + londonMember + "/time_schedules"
	if r := do(t, http.MethodPost, schedules, token, map[string]any{"days": []string{}}); r.status != 400 || !strings.Contains(string(r.body), "At least one day should be selected") {
		t.Errorf("days array: %d %s", r.status, r.body)
	}
	r := do(t, http.MethodPost, schedules, token, map[string]any{"monday": true, "start_time": "09:00", "end_time": "18:00"})
	if body := r.json(t); r.status != 200 || body["start_time"] != "09:00:00" || body["id"] == nil {
		t.Errorf("create: %d %s", r.status, r.body)
	}
	list := do(t, http.MethodGet, schedules, token, nil).json(t)
	if n := len(list["items"].([]any)); n != 2 { // the seeded "Always" plus the new one
		t.Errorf("%d schedules, want 2", n)
	}
}
