package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"doorsync/contract"
	"doorsync/store"
)

// hold opens a pending hold through the store, held at the given time.
func (a *testAPI) hold(org, id, group, heldAt string, remove ...store.HeldRemoval) {
	a.t.Helper()
	_, _, err := a.Store.HoldRemovals(context.Background(), store.Hold{ID: id, OrgID: org, SiteID: "s1", GroupID: group,
		RunID: "run-" + id, Remove: remove, Members: 40})
	if err != nil {
		a.t.Fatal(err)
	}
	a.exec(`update removal_holds set created_at = $2 where id = $1`, id, heldAt)
}

func TestHoldsListsPendingHoldsOldestFirst(t *testing.T) {
	a, _ := newReconcileAPI(t)
	key := a.createOrg("a")
	a.createOrg("b")
	a.hold("a", "hold-2", "g2", "2026-01-02T10:00:00Z", store.HeldRemoval{SaltoUserID: "u3"})
	a.hold("a", "hold-1", "g1", "2026-01-01T10:00:00Z",
		store.HeldRemoval{SaltoUserID: "u1", Person: "member:m1"}, store.HeldRemoval{SaltoUserID: "u2"})
	a.hold("a", "hold-3", "g3", "2026-01-03T10:00:00Z", store.HeldRemoval{SaltoUserID: "u4"})
	a.hold("b", "hold-b", "g1", "2026-01-01T09:00:00Z", store.HeldRemoval{SaltoUserID: "u5"})
	if _, err := a.Store.DecideHold(context.Background(), "a", "hold-3", store.HoldDecision{Status: store.HoldRejected, Actor: "admin"}); err != nil {
		t.Fatal(err)
	}

	body := a.must(200, "GET", "/v1/orgs/a/holds", key, nil).JSON(t)
	sameJSON(t, "holds", body, `{"data":[
	 {"id":"hold-1","run_id":"run-hold-1","site_id":"s1","group_id":"g1","status":"pending",
	  "held_at":"2026-01-01T10:00:00Z","members":40,
	  "remove":[{"salto_user_id":"u1","person":"member:m1"},{"salto_user_id":"u2"}],
	  "plan":{"site_id":"s1","group_id":"g1","members":40,"add":[],
	          "remove":[{"salto_user_id":"u1","person":"member:m1"},{"salto_user_id":"u2"}],"held":true,"hold_id":"hold-1"}},
	 {"id":"hold-2","run_id":"run-hold-2","site_id":"s1","group_id":"g2","status":"pending",
	  "held_at":"2026-01-02T10:00:00Z","members":40,
	  "remove":[{"salto_user_id":"u3"}],
	  "plan":{"site_id":"s1","group_id":"g2","members":40,"add":[],
	          "remove":[{"salto_user_id":"u3"}],"held":true,"hold_id":"hold-2"}}]}`)

	// A page at a time.
	page := a.must(200, "GET", "/v1/orgs/a/holds?limit=1", key, nil).JSON(t)
	cursor, _ := page["next_cursor"].(string)
	if data := page["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != "hold-1" || cursor == "" {
		t.Fatalf("first page = %v", page)
	}
	page = a.must(200, "GET", "/v1/orgs/a/holds?limit=1&cursor="+cursor, key, nil).JSON(t)
	if data := page["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != "hold-2" || page["next_cursor"] != nil {
		t.Fatalf("second page = %v", page)
	}
	a.must(400, "GET", "/v1/orgs/a/holds?cursor=bm9wZQ", key, nil)
	a.must(400, "GET", "/v1/orgs/a/holds?limit=0", key, nil)

	// None pending: an empty list, not null.
	if r := a.must(200, "GET", "/v1/orgs/b/holds", adminToken, nil); strings.TrimSpace(string(r.Body)) == `{"data":null}` {
		t.Error("data is null")
	}
	a.must(404, "GET", "/v1/orgs/nope/holds", adminToken, nil)
}

func TestApproveHoldAppliesItAsynchronously(t *testing.T) {
	a, f := newReconcileAPI(t)
	key := a.createOrg("a")
	a.createOrg("b")
	a.hold("a", "hold-1", "g1", "2026-01-01T10:00:00Z", store.HeldRemoval{SaltoUserID: "u1"})

	body := a.must(202, "POST", "/v1/orgs/a/holds/hold-1/approve", key, nil).JSON(t)
	sameJSON(t, "approve", body, `{"hold_id":"hold-1","status":"approved"}`)
	calls := f.recorded()
	want := reconcileCall{contract.ReconcileInput{OrgID: "a", HoldID: "hold-1", Trigger: "approval"}, false}
	if len(calls) != 1 || calls[0] != want {
		t.Fatalf("calls = %+v, want %+v", calls, want)
	}
	if rows := a.query(`select status from removal_holds where id = 'hold-1'`); rows[0][0] != store.HoldApproved {
		t.Errorf("status = %v", rows)
	}

	r := a.must(409, "POST", "/v1/orgs/a/holds/hold-1/approve", key, nil)
	if !strings.Contains(string(r.Body), "approved") {
		t.Errorf("409 = %s", r.Body)
	}
	a.must(409, "POST", "/v1/orgs/a/holds/hold-1/reject", key, nil)
	a.must(404, "POST", "/v1/orgs/a/holds/nope/approve", key, nil)
	a.must(404, "POST", "/v1/orgs/b/holds/hold-1/approve", adminToken, nil)
	if n := len(f.recorded()); n != 1 {
		t.Errorf("reconciler called %d times, want 1", n)
	}
	if got := a.dumpTable("removal_holds"); !strings.Contains(got, "approved") {
		t.Errorf("removal_holds = %s", got)
	}
}

func TestRejectHold(t *testing.T) {
	a, f := newReconcileAPI(t)
	key := a.createOrg("a")
	a.hold("a", "hold-1", "g1", "2026-01-01T10:00:00Z", store.HeldRemoval{SaltoUserID: "u1"})
	a.hold("a", "hold-2", "g2", "2026-01-01T11:00:00Z", store.HeldRemoval{SaltoUserID: "u2"})

	if r := a.must(204, "POST", "/v1/orgs/a/holds/hold-1/reject", key, nil); len(r.Body) != 0 {
		t.Errorf("204 with a body: %s", r.Body)
	}
	a.must(204, "POST", "/v1/orgs/a/holds/hold-2/reject", key, "{}")
	if rows := a.query(`select status from removal_holds order by id`); rows[0][0] != "rejected" || rows[1][0] != "rejected" {
		t.Errorf("statuses = %v", rows)
	}
	a.must(409, "POST", "/v1/orgs/a/holds/hold-1/reject", key, nil)
	a.must(409, "POST", "/v1/orgs/a/holds/hold-1/approve", key, nil)
	a.must(404, "POST", "/v1/orgs/a/holds/nope/reject", key, nil)
	if calls := f.recorded(); len(calls) != 0 {
		t.Errorf("rejecting reconciled: %+v", calls)
	}
	if data := a.must(200, "GET", "/v1/orgs/a/holds", key, nil).JSON(t)["data"].([]any); len(data) != 0 {
		t.Errorf("rejected holds still listed: %v", data)
	}
}

func TestHoldDecisionsTakeNoBody(t *testing.T) {
	a, _ := newReconcileAPI(t)
	key := a.createOrg("a")
	a.hold("a", "hold-1", "g1", "2026-01-01T10:00:00Z", store.HeldRemoval{SaltoUserID: "u1"})

	a.must(400, "POST", "/v1/orgs/a/holds/hold-1/approve", key, `{"force":true}`)
	if r := a.doRaw("POST", "/v1/orgs/a/holds/hold-1/reject", key, "text/plain", "yes"); r.Status != 415 {
		t.Errorf("a text body = %d, want 415", r.Status)
	}
	if r := a.doRaw("POST", "/v1/orgs/a/holds/hold-1/approve", key, "", "  \n"); r.Status != 202 {
		t.Errorf("a blank body without a Content-Type = %d, want 202\n%s", r.Status, r.Body)
	}
}

func TestApproveWithoutAReconcilerIsUnavailable(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("a")
	a.hold("a", "hold-1", "g1", "2026-01-01T10:00:00Z", store.HeldRemoval{SaltoUserID: "u1"})
	a.must(503, "POST", "/v1/orgs/a/holds/hold-1/approve", key, nil)
	if rows := a.query(`select status from removal_holds`); rows[0][0] != store.HoldPending {
		t.Errorf("an approval that cannot be applied was recorded: %v", rows)
	}
	a.must(200, "GET", "/v1/orgs/a/holds", key, nil)
	a.must(204, "POST", "/v1/orgs/a/holds/hold-1/reject", key, nil)
}

// TestHoldDecisionsAreAnOperatorsAndAudited: a platform key may not approve
// or reject a hold (403, the hold stays pending, nothing is applied or
// audited); an operator key's decision is in the audit log under the key's
// name, the admin's under "admin".
func TestHoldDecisionsAreAnOperatorsAndAudited(t *testing.T) {
	a, f := newReconcileAPI(t)
	a.createOrg("a")
	platform := a.createKey("a", "booking platform", "platform")
	r := a.must(201, "POST", "/v1/orgs/a/api-keys", adminToken, map[string]any{"name": "ops desk", "role": "operator"}).JSON(t)
	operator, operatorID := r["key"].(string), r["id"].(string)
	a.hold("a", "hold-1", "g1", "2026-01-01T10:00:00Z", store.HeldRemoval{SaltoUserID: "u1"}, store.HeldRemoval{SaltoUserID: "u2"})
	a.hold("a", "hold-2", "g2", "2026-01-01T11:00:00Z", store.HeldRemoval{SaltoUserID: "u3"})

	for _, decision := range []string{"approve", "reject"} {
		p := a.must(403, "POST", "/v1/orgs/a/holds/hold-1/"+decision, platform, nil)
		if p.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s as a platform key: %s", decision, p.Header.Get("Content-Type"))
		}
	}
	if rows := a.query(`select status, decided_at is null from removal_holds where id = 'hold-1'`); rows[0][0] != "pending" || rows[0][1] != "true" {
		t.Errorf("a platform key changed the hold: %v", rows)
	}
	if calls := f.recorded(); len(calls) != 0 {
		t.Errorf("a platform key's approval was applied: %+v", calls)
	}
	if data := a.must(200, "GET", "/v1/orgs/a/audit", platform, nil).JSON(t)["data"].([]any); len(data) != 0 {
		t.Errorf("a refused approval was audited: %v", data)
	}

	a.must(202, "POST", "/v1/orgs/a/holds/hold-1/approve", operator, nil)
	a.must(204, "POST", "/v1/orgs/a/holds/hold-2/reject", adminToken, nil)
	a.must(409, "POST", "/v1/orgs/a/holds/hold-2/approve", operator, nil) // not audited: nothing was decided

	page := a.must(200, "GET", "/v1/orgs/a/audit", platform, nil).JSON(t)
	for _, e := range page["data"].([]any) {
		delete(e.(map[string]any), "at")
	}
	sameJSON(t, "audit", page, `{"data":[
	 {"action":"reject_hold","actor":"admin","person":"","site_id":"s1","group_id":"g2","salto_user_id":"",
	  "reason":{"hold_id":"hold-2","removals":1},"trigger":"api","workflow_id":"","run_id":"run-hold-2",
	  "result":"ok","error":""},
	 {"action":"approve_hold","actor":"ops desk","person":"","site_id":"s1","group_id":"g1","salto_user_id":"",
	  "reason":{"hold_id":"hold-1","removals":2,"key_id":"`+operatorID+`"},"trigger":"api","workflow_id":"","run_id":"run-hold-1",
	  "result":"ok","error":""}]}`)
	if page := a.must(200, "GET", "/v1/orgs/a/audit?group_id=g1", platform, nil).JSON(t); len(page["data"].([]any)) != 1 {
		t.Errorf("the approval is not found by its group: %v", page)
	}
}

// An expired hold (its removals waiting for an operator) is listed with its
// status, when it expired and its problem, and an operator may still
// approve or reject it.
func TestExpiredHoldsAreListedAndStillDecided(t *testing.T) {
	a, f := newReconcileAPI(t)
	key := a.createOrg("a")
	a.hold("a", "hold-1", "g1", "2026-01-01T10:00:00Z", store.HeldRemoval{SaltoUserID: "u1"}, store.HeldRemoval{SaltoUserID: "u2"})
	a.hold("a", "hold-2", "g2", "2026-01-01T11:00:00Z", store.HeldRemoval{SaltoUserID: "u3"})
	expired, err := a.Store.ExpireHolds(context.Background(), store.HoldExpiry{OrgID: "a",
		HeldBefore: time.Date(2026, 1, 4, 10, 30, 0, 0, time.UTC), Trigger: "reconcile"})
	if err != nil || len(expired) != 2 {
		t.Fatalf("ExpireHolds = %+v, %v", expired, err)
	}
	a.exec(`update removal_holds set expired_at = '2026-01-04T10:30:00Z'`)

	data := a.must(200, "GET", "/v1/orgs/a/holds", key, nil).JSON(t)["data"].([]any)
	if len(data) != 2 {
		t.Fatalf("holds = %v", data)
	}
	h := data[0].(map[string]any)
	want := "the hold expired undecided: its 2 removal(s) from access group g1 on site s1 are not made until an operator approves (or rejects) it"
	if h["id"] != "hold-1" || h["status"] != "expired" || h["expired_at"] != "2026-01-04T10:30:00Z" || h["problem"] != want {
		t.Fatalf("expired hold = %v", h)
	}

	a.must(202, "POST", "/v1/orgs/a/holds/hold-1/approve", key, nil)
	if calls := f.recorded(); len(calls) != 1 || calls[0].in.HoldID != "hold-1" {
		t.Fatalf("approving an expired hold started %+v", calls)
	}
	a.must(204, "POST", "/v1/orgs/a/holds/hold-2/reject", key, nil)
	if rows := a.query(`select status from removal_holds order by id`); rows[0][0] != "approved" || rows[1][0] != "rejected" {
		t.Errorf("statuses = %v", rows)
	}
	r := a.must(409, "POST", "/v1/orgs/a/holds/hold-1/approve", key, nil)
	if !strings.Contains(string(r.Body), "approved") {
		t.Errorf("409 = %s", r.Body)
	}
	if data := a.must(200, "GET", "/v1/orgs/a/holds", key, nil).JSON(t)["data"].([]any); len(data) != 0 {
		t.Errorf("decided holds still listed: %v", data)
	}
}
