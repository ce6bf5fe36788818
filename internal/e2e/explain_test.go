package e2e_test

import (
	"strings"
	"testing"
	"time"
)

// 10. Explain and audit show every change with its reason.
func TestExplainAndAudit(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.put("/members/m1", member("m1", "joe@example.com"))
	s.put("/memberships/ms1", map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": rfc(time.Now().Add(-time.Hour))})
	s.waitIn(gMembers, "joe@example.com")

	ex := s.call(200, "GET", s.orgPath()+"/members/m1/access", s.key, nil)
	person := ex["person"].(map[string]any)
	if person["kind"] != "member" || person["id"] != "m1" || person["email"] != "joe@example.com" {
		t.Fatalf("person = %v", person)
	}
	groups := ex["groups"].([]any)
	if len(groups) != 1 {
		t.Fatalf("groups = %v", groups)
	}
	g := groups[0].(map[string]any)
	reasons := g["reasons"].([]any)
	r := reasons[0].(map[string]any)
	if g["group_id"] != gMembers || g["active"] != true || g["applied"] != true || g["until"] != nil ||
		r["kind"] != "membership" || r["id"] != "ms1" || r["via"] != "plan" || r["ref"] != "hot" {
		t.Fatalf("explained group = %v", g)
	}
	users := ex["salto_users"].([]any)
	if len(users) != 1 || users[0].(map[string]any)["user_id"] != s.userID("joe@example.com") {
		t.Fatalf("salto_users = %v", users)
	}

	s.del("/memberships/ms1")
	s.waitOut(gMembers, "joe@example.com")
	audit := s.call(200, "GET", s.orgPath()+"/audit?person=member:m1", s.key, nil)
	entries := audit["data"].([]any)
	var got []string
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i].(map[string]any)
		got = append(got, e["action"].(string))
		if e["trigger"] != "realtime" || e["result"] != "ok" || !strings.HasPrefix(e["workflow_id"].(string), "access:"+s.org+":member:m1") {
			t.Errorf("audit entry = %v", e)
		}
	}
	if strings.Join(got, ",") != "create_user,add,remove" {
		t.Fatalf("audit actions = %v", got)
	}
	add := entries[1].(map[string]any)
	if !strings.Contains(mustJSON(add["reason"]), `"id":"ms1"`) {
		t.Errorf("add reason = %v", add["reason"])
	}
}
