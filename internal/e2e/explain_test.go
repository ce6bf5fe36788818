package e2e_test

import (
	"strings"
	"testing"
	"time"

	"doorsync/saltoks/saltokstest"
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
	var entries []any
	s.eventually(10*time.Second, "the removal audited", func() bool { // recorded just after Salto KS answers
		entries = s.call(200, "GET", s.orgPath()+"/audit?person=member:m1", s.key, nil)["data"].([]any)
		return len(entries) >= 3
	})
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
	// Every entry has a reason: create_user the grants that needed the
	// user, add the grants behind the group, remove why and what ended.
	ms1 := `{"id":"ms1","kind":"membership","ref":"hot","via":"plan"}` // as mustJSON orders keys
	if create := entries[2].(map[string]any); mustJSON(create["reason"]) != "["+ms1+"]" {
		t.Errorf("create_user reason = %s", mustJSON(create["reason"]))
	}
	if add := entries[1].(map[string]any); mustJSON(add["reason"]) != "["+ms1+"]" {
		t.Errorf("add reason = %s", mustJSON(add["reason"]))
	}
	if remove := entries[0].(map[string]any); mustJSON(remove["reason"]) != `{"ended":[`+ms1+`],"why":"membership ms1 deleted"}` {
		t.Errorf("remove reason = %s", mustJSON(remove["reason"]))
	}
}

// A group Salto KS refuses is the person's problem, shown by explain, with
// its error in the audit; the person's other groups are added, and the next
// change tries again.
func TestRefusalIsExplained(t *testing.T) {
	s := newStack(t, stackOptions{})
	if err := s.fake.AddFault(saltokstest.Fault{Method: "POST", RoutePattern: "/v1.2/sites/*/access_groups/" + gRoom + "/users",
		Status: 403, ErrorCode: "2203", Message: "User does not have permission for this operation on this user"}); err != nil {
		t.Fatal(err)
	}
	s.mapGroups("plans", "hot", gMembers, gRoom)
	s.put("/members/m1", member("m1", "joe@example.com"))
	s.put("/memberships/ms1", map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": rfc(time.Now().Add(-time.Hour))})
	s.waitIn(gMembers, "joe@example.com")

	explain := func() map[string]any { return s.call(200, "GET", s.orgPath()+"/members/m1/access", s.key, nil) }
	problem := func() string { p, _ := explain()["problem"].(string); return p }
	s.eventually(30*time.Second, "the refusal shown as the problem", func() bool {
		p := problem()
		return strings.Contains(p, gRoom) && strings.Contains(p, "2203")
	}, problem)
	if s.inGroup(gRoom, "joe@example.com") {
		t.Fatal("added to the refused group")
	}
	audit := s.call(200, "GET", s.orgPath()+"/audit?person=member:m1&group_id="+gRoom, s.key, nil)
	entries := audit["data"].([]any)
	if len(entries) != 1 {
		t.Fatalf("audit of the refused group = %v, want one error entry", entries)
	}
	e := entries[0].(map[string]any)
	if e["action"] != "add" || e["result"] != "error" || !strings.Contains(e["error"].(string), "2203") ||
		!strings.Contains(e["error"].(string), "does not have permission") || !containsJSON(e["reason"], `"id":"ms1"`) {
		t.Fatalf("audit entry = %v", e)
	}

	// The next reconciliation finds the group missing and tries again.
	s.fake.ClearFaults()
	s.call(202, "POST", s.orgPath()+"/reconcile", s.key, map[string]any{"dry_run": false})
	s.waitIn(gRoom, "joe@example.com")
	s.eventually(30*time.Second, "the problem cleared", func() bool { return problem() == "" }, problem)
}

// An access card another Salto KS user holds is not taken from them: it is
// the member's problem, shown by explain, with one audit error; their
// groups are applied (the workflow does not retry forever). Once the tag is
// free, the next reconciliation assigns it and clears the problem.
func TestTagHeldByAnotherUserIsExplained(t *testing.T) {
	s := newStack(t, stackOptions{})
	if err := s.fake.SetTagDirect(london, staffUser, tag1); err != nil {
		t.Fatal(err)
	}
	s.mapGroups("plans", "hot", gMembers)
	cards := map[string]any{"access_cards": []string{"04A1B2C3"}}
	s.put("/members/m1", member("m1", "joe@example.com", cards))
	s.put("/memberships/ms1", map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": rfc(time.Now().Add(-time.Hour))})
	s.waitIn(gMembers, "joe@example.com")

	explain := func() map[string]any { return s.call(200, "GET", s.orgPath()+"/members/m1/access", s.key, nil) }
	problem := func() string { p, _ := explain()["problem"].(string); return p }
	s.eventually(30*time.Second, "the held card shown as the problem", func() bool {
		return strings.Contains(problem(), "04A1B2C3") && strings.Contains(problem(), "another Salto KS user")
	}, problem)
	if s.tagHolder(tag1) != staffUser {
		t.Fatal("the tag was taken from its holder")
	}
	audit := s.call(200, "GET", s.orgPath()+"/audit?person=member:m1", s.key, nil)
	var errs []map[string]any
	for _, e := range audit["data"].([]any) {
		if e := e.(map[string]any); e["result"] == "error" {
			errs = append(errs, e)
		}
	}
	if len(errs) != 1 || errs[0]["action"] != "assign_tag" || errs[0]["error"] != problem() {
		t.Fatalf("error entries = %v, want one assign_tag error with the problem", errs)
	}

	if err := s.fake.SetTagDirect(london, staffUser, ""); err != nil {
		t.Fatal(err)
	}
	s.call(202, "POST", s.orgPath()+"/reconcile", s.key, map[string]any{"dry_run": false}) // looks again at problems
	s.eventually(30*time.Second, "the tag assigned", func() bool { return s.tagHolder(tag1) == s.userID("joe@example.com") })
	s.eventually(30*time.Second, "the problem cleared", func() bool { return problem() == "" }, problem)
}

// tagHolder is the platform user id holding a London tag ("" if none).
func (s *stack) tagHolder(tagID string) string {
	for _, tag := range s.fake.State().Sites[0].Tags {
		if tag.ID == tagID {
			return tag.UserID
		}
	}
	return ""
}
