package activities_test

import (
	"errors"
	"testing"
	"time"

	"doorsync/activities"
	"doorsync/contract"
	"doorsync/saltoks/saltokstest"
	"doorsync/store"
)

const addRoute = "POST /v1.2/sites/{site_id}/access_groups/{group_id}/users"

// Once an org's deletion began, ApplyAccess grants nothing more.
func TestApplyGrantsNothingOnceTheOrgIsBeingDeleted(t *testing.T) {
	e := newEnv(t)
	e.member("m1", "m1@example.com")
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	if _, err := e.st.BeginOrgDeletion(e.ctx, org, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: "member:m1"}); err != nil {
		t.Fatalf("ApplyAccess: %v", err)
	}
	if e.inGroup(groupA, "m1@example.com") {
		t.Fatal("a member of an org being deleted was granted access")
	}
	if _, err := e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: "gone", Person: "member:m1"}); err != nil {
		t.Fatalf("ApplyAccess for an org that no longer exists = %v, want nothing to do", err)
	}
}

// An addition under way in Salto KS when the deletion begins is not
// recorded (the deletion could miss it) but taken back.
func TestAnAdditionTheDeletionOvertookIsUndone(t *testing.T) {
	e := newEnv(t)
	e.member("m1", "m1@example.com")
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	e.fault(saltokstest.Fault{Method: "POST", RoutePattern: "/v1.2/sites/*/access_groups/*/users",
		Latency: 3 * time.Second, Times: 1})
	done := make(chan error, 1)
	go func() {
		_, err := e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: "member:m1"})
		done <- err
	}()
	for e.fake.Requests()[addRoute] == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := e.st.BeginOrgDeletion(e.ctx, org, true); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("ApplyAccess: %v", err)
	}
	if e.inGroup(groupA, "m1@example.com") {
		t.Error("the addition the deletion overtook is still in Salto KS")
	}
	applied, err := e.st.AppliedGroups(e.ctx, org, "member:m1")
	if err != nil || len(applied) != 0 {
		t.Errorf("applied = %v, %v; want nothing recorded", applied, err)
	}
}

// RevokeOrg takes every user doorsync applied out of their groups, and
// only those; a second run has nothing left to do.
func TestRevokeOrgRemovesWhatDoorsyncApplied(t *testing.T) {
	e := newEnv(t)
	for _, m := range []string{"m1", "m2"} {
		e.member(m, m+"@example.com")
		e.membership("ms-"+m, m, "hot", time.Now().Add(-time.Hour), nil)
		if _, err := e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: "member:" + m}); err != nil {
			t.Fatal(err)
		}
	}
	staff := e.fake.GroupMembers(london, groupA)
	if len(staff) != 3 {
		t.Fatalf("group members before = %v", staff)
	}
	if _, err := e.st.BeginOrgDeletion(e.ctx, org, false); err != nil {
		t.Fatal(err)
	}
	res, err := e.acts.RevokeOrg(e.ctx, contract.RevokeOrgInput{OrgID: org})
	if err != nil || res.Removed != 2 {
		t.Fatalf("RevokeOrg = %+v, %v; want 2 removed", res, err)
	}
	if left := e.fake.GroupMembers(london, groupA); len(left) != 1 || left[0] != "9a0e0001-0001-4000-8000-000000000001" {
		t.Errorf("group members after = %v, want only the staff user added by hand", left)
	}
	if res, err := e.acts.RevokeOrg(e.ctx, contract.RevokeOrgInput{OrgID: org}); err != nil || res.Removed != 0 {
		t.Errorf("second RevokeOrg = %+v, %v", res, err)
	}
	if err := e.acts.DeleteOrgData(e.ctx, contract.DeleteOrgDataInput{OrgID: org}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.GetOrg(e.ctx, org); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("org after DeleteOrgData: %v", err)
	}
}

// Every reconcile run, as it finishes, prunes the org's runs that finished
// more than RunRetention ago and its expired OAuth states.
func TestFinishRunPrunesOldRunsAndExpiredStates(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"old", "running"} {
		if err := e.st.StartRun(e.ctx, store.ReconcileRun{ID: id, OrgID: org}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.st.FinishRun(e.ctx, org, "old", map[string]any{}, ""); err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateOAuthState(e.ctx, store.OAuthState{State: "st1", OrgID: org, VerifierEnc: "x", RedirectURI: "http://localhost/cb",
		ExpiresAt: time.Now().Add(10 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	e.acts.Now = func() time.Time { return time.Now().Add(activities.RunRetention + time.Hour) }
	if err := e.acts.FinishRun(e.ctx, contract.FinishRunInput{OrgID: org, RunID: "running"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.GetRun(e.ctx, org, "old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a run finished past the retention is kept: %v", err)
	}
	if _, err := e.st.ConsumeOAuthState(e.ctx, "st1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an expired OAuth state is kept: %v", err)
	}
}
