package activities_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"doorsync/activities"
	"doorsync/contract"
	"doorsync/saltoks/saltokstest"
	"doorsync/store"
)

// errKilled stands for the worker dying between Salto KS's add and its
// record.
var errKilled = errors.New("worker killed")

// crashAfterAdd makes the next ApplyAccess of member m1 (a membership of
// plan hot until `until`) add them to group A in Salto KS and die before
// recording it.
func (e *env) crashAfterAdd(now, until time.Time) {
	e.t.Helper()
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &until)
	activities.SetAfterAdd(e.acts, func(context.Context) error { return errKilled })
	_, err := e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: "member:m1", At: now})
	activities.SetAfterAdd(e.acts, nil)
	if !errors.Is(err, errKilled) {
		e.t.Fatalf("ApplyAccess killed after the add = %v, want %v", err, errKilled)
	}
	if !e.inGroup(groupA, "joe@example.com") {
		e.t.Fatal("the killed run's add did not reach Salto KS")
	}
	if got := actions(e.audit("member:m1")); !slices.Equal(got, []string{"create_user"}) {
		e.t.Fatalf("audit after the killed run = %v, want the add unrecorded", got)
	}
	if applied := e.applied("member:m1"); len(applied) != 1 || applied[0].Confirmed || applied[0].GroupID != groupA {
		e.t.Fatalf("applied after the killed run = %+v, want group A unconfirmed (the intent)", applied)
	}
}

func (e *env) applyAt(person string, at time.Time) contract.ApplyAccessResult {
	e.t.Helper()
	res, err := e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: person, At: at})
	if err != nil {
		e.t.Fatalf("ApplyAccess(%s at %v): %v", person, at, err)
	}
	return res
}

func (e *env) applied(person string) []store.AppliedGroup {
	e.t.Helper()
	applied, err := e.st.AppliedGroups(e.ctx, org, person)
	if err != nil {
		e.t.Fatal(err)
	}
	return applied
}

// An add whose run was killed before recording it, and whose window closed
// before the retry, is removed by the retry, and both changes are audited.
func TestInterruptedAddIsRevokedOnceTheWindowCloses(t *testing.T) {
	e := newEnv(t)
	now := time.Now().Truncate(time.Second)
	e.crashAfterAdd(now, now.Add(time.Hour))

	res := e.applyAt("member:m1", now.Add(2*time.Hour))
	if res.Removed != 1 {
		t.Fatalf("retry after the window = %+v, want one removal", res)
	}
	if e.inGroup(groupA, "joe@example.com") {
		t.Fatal("the person kept access after their window closed: the interrupted add was lost")
	}
	entries := e.audit("member:m1")
	if got := actions(entries); !slices.Equal(got, []string{"create_user", "add", "remove"}) {
		t.Fatalf("audit = %v, want the recovered add and its removal", got)
	}
	add := entries[1]
	if add.Result != "ok" || add.GroupID != groupA || !strings.Contains(string(add.Reason), "interrupted apply") {
		t.Fatalf("recovered add audit = %+v (reason %s)", add, add.Reason)
	}
	if applied := e.applied("member:m1"); len(applied) != 0 {
		t.Fatalf("applied after the removal = %+v", applied)
	}
}

// An interrupted add still granted is added again on the retry, which
// confirms it and audits it once.
func TestInterruptedAddStillGrantedIsConfirmed(t *testing.T) {
	e := newEnv(t)
	now := time.Now().Truncate(time.Second)
	e.crashAfterAdd(now, now.Add(time.Hour))

	if res := e.applyAt("member:m1", now); res.Added != 1 || res.Removed != 0 {
		t.Fatalf("retry = %+v, want the add made again", res)
	}
	if applied := e.applied("member:m1"); len(applied) != 1 || !applied[0].Confirmed {
		t.Fatalf("applied after the retry = %+v, want group A confirmed", applied)
	}
	if got := actions(e.audit("member:m1")); !slices.Equal(got, []string{"create_user", "add"}) {
		t.Fatalf("audit = %v", got)
	}
	if !e.inGroup(groupA, "joe@example.com") {
		t.Fatal("not in the group after the retry")
	}
}

// An interrupted add that never landed (Salto KS answers 404 to its
// removal) is dropped with nothing audited.
func TestInterruptedAddThatNeverLandedIsDroppedSilently(t *testing.T) {
	e := newEnv(t)
	now := time.Now().Truncate(time.Second)
	e.crashAfterAdd(now, now.Add(time.Hour))
	if err := e.fake.RemoveGroupMemberDirect(london, groupA, e.userID("joe@example.com")); err != nil {
		t.Fatal(err)
	}

	if res := e.applyAt("member:m1", now.Add(2*time.Hour)); res.Removed != 0 {
		t.Fatalf("retry = %+v, want nothing removed", res)
	}
	if applied := e.applied("member:m1"); len(applied) != 0 {
		t.Fatalf("applied = %+v, want the intent dropped", applied)
	}
	if got := actions(e.audit("member:m1")); !slices.Equal(got, []string{"create_user"}) {
		t.Fatalf("audit = %v, want nothing about a change that never happened", got)
	}
}

// An add Salto KS refuses leaves no intent behind.
func TestRefusedAddDropsItsIntent(t *testing.T) {
	e := newEnv(t)
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	e.fault(saltokstest.Fault{Method: "POST", RoutePattern: "/{version}/sites/{site_id}/access_groups/{group_id}/users",
		Status: 403, ErrorCode: "2203", Message: "User does not have permission for this operation"})
	if res := e.apply("member:m1"); res.Added != 0 || res.Problem == "" {
		t.Fatalf("apply = %+v, want the refusal as a problem", res)
	}
	if applied := e.applied("member:m1"); len(applied) != 0 {
		t.Fatalf("applied after a refused add = %+v, want none", applied)
	}
}

// A reconciliation that reaches an interrupted add before the person's
// next apply revokes it too, and audits the add it found before the
// removal, so every change seen in Salto KS is in the audit log.
func TestInterruptedAddRevokedByReconciliationIsAudited(t *testing.T) {
	e := newEnv(t)
	now := time.Now().Truncate(time.Second)
	e.crashAfterAdd(now, now.Add(time.Hour))

	if _, err := e.acts.ReconcileOrg(e.ctx, contract.ReconcileOrgInput{OrgID: org, RunID: "run1", Trigger: "manual", At: now.Add(2 * time.Hour)}); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if e.inGroup(groupA, "joe@example.com") {
		t.Fatal("reconciliation left the interrupted add in place after its window")
	}
	if got := actions(e.audit("member:m1")); !slices.Equal(got, []string{"create_user", "add", "remove"}) {
		t.Fatalf("audit = %v, want the recovered add before its removal", got)
	}
	if applied := e.applied("member:m1"); len(applied) != 0 {
		t.Fatalf("applied after the removal = %+v, want nothing", applied)
	}
}

// A run that reaches an add after the grant behind it ended (the clock
// moved on while it ran: retries, a consistency window, the rate limit)
// does not make it: access that late would outlive its reason.
func TestAddWhoseWindowClosedDuringTheRunIsNotMade(t *testing.T) {
	e := newEnv(t)
	now := time.Now().Truncate(time.Second)
	until := now.Add(time.Hour)
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &until)
	calls := 0
	e.acts.Now = func() time.Time { // the run decides at now; by its add, the window has closed
		if calls++; calls == 1 {
			return now
		}
		return until.Add(time.Minute)
	}
	res, err := e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: "member:m1", At: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 0 || e.inGroup(groupA, "joe@example.com") {
		t.Fatalf("apply = %+v, in group %v: the add was made after its window closed", res, e.inGroup(groupA, "joe@example.com"))
	}
}

// An add still waiting on Salto KS when the grant behind it ends is given
// up at the end, not made late: the run ends well, the intent stays for the
// run due at the end, and that run settles it (the add never landed:
// nothing to take back or audit).
func TestAddStillWaitingWhenTheGrantEndsIsGivenUp(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	until := now.Add(1500 * time.Millisecond)
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &until)
	e.fault(saltokstest.Fault{Method: "POST", RoutePattern: "/{version}/sites/{site_id}/access_groups/{group_id}/users",
		Latency: 10 * time.Second})
	start := time.Now()
	res := e.applyAt("member:m1", now)
	if took := time.Since(start); took > 8*time.Second {
		t.Fatalf("the run took %v: it waited out Salto KS past the grant's end", took)
	}
	if res.Added != 0 || e.inGroup(groupA, "joe@example.com") {
		t.Fatalf("apply = %+v, in group %v: the add was made after its grant ended", res, e.inGroup(groupA, "joe@example.com"))
	}
	if applied := e.applied("member:m1"); len(applied) != 1 || applied[0].Confirmed {
		t.Fatalf("applied after the cut-short add = %+v, want its intent (outcome unknown)", applied)
	}
	e.fake.ClearFaults()
	e.applyAt("member:m1", until)
	if applied := e.applied("member:m1"); len(applied) != 0 {
		t.Fatalf("applied after the run at the grant's end = %+v, want nothing", applied)
	}
	if got := actions(e.audit("member:m1")); slices.Contains(got, "add") || slices.Contains(got, "remove") {
		t.Fatalf("audit = %v: nothing changed in the group", got)
	}
}

// A grant that ends while its person's user is being made is not added
// once the user is there.
func TestAddAfterAUserMadeTooSlowlyIsNotMade(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	until := now.Add(time.Second)
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &until)
	e.fault(saltokstest.Fault{Method: "POST", RoutePattern: "/{version}/sites/{site_id}/users",
		Latency: 2 * time.Second})
	e.madeButNotAdded(e.applyAt("member:m1", now), "a user made after the grant ended")
}

// madeButNotAdded checks that a run made joe's user but did not add him
// to group A, and left no row for it (what covers the case is named by
// when).
func (e *env) madeButNotAdded(res contract.ApplyAccessResult, when string) {
	e.t.Helper()
	if e.userID("joe@example.com") == "" {
		e.t.Fatalf("no user was made: the test no longer covers %s", when)
	}
	if res.Added != 0 || e.inGroup(groupA, "joe@example.com") {
		e.t.Fatalf("apply = %+v, in group %v: added after %s", res, e.inGroup(groupA, "joe@example.com"), when)
	}
	if applied := e.applied("member:m1"); len(applied) != 0 {
		e.t.Fatalf("applied = %+v after %s, want no row", applied, when)
	}
}

// A grant cancelled while a slow run goes on (here its user takes long to
// make) is not added by that run: a run that has gone on for a while reads
// the person's grants again before an add.
func TestGrantCancelledDuringASlowRunIsNotAdded(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	e.fault(saltokstest.Fault{Method: "POST", RoutePattern: "/{version}/sites/{site_id}/users",
		Latency: 2 * time.Second})
	go func() {
		time.Sleep(500 * time.Millisecond) // the run is making the user
		ended := time.Now().Add(-time.Minute)
		e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &ended)
	}()
	res := e.applyAt("member:m1", now)
	if e.userID("joe@example.com") == "" {
		t.Fatal("the user was not made: the test no longer covers a slow run")
	}
	if res.Added != 0 || e.inGroup(groupA, "joe@example.com") {
		t.Fatalf("apply = %+v, in group %v: added a grant cancelled while the run went on", res, e.inGroup(groupA, "joe@example.com"))
	}
	if !res.NextChange.IsZero() {
		t.Fatalf("next change = %v, want none (the fresh grants have ended)", res.NextChange)
	}
}

// A grant made and applied while a reconciliation runs (after it read the
// org's grants, before it listed the group) is not taken for drift: the
// run weighs each removal against the store as it is when it removes.
func TestReconcileKeepsAGrantAppliedWhileItRan(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	e.fault(saltokstest.Fault{Method: "GET", RoutePattern: "/{version}/sites/{site_id}/access_groups/{group_id}/users",
		Latency: 1500 * time.Millisecond, Times: 1})
	granted := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond) // the run has read the grants and is listing the group
		e.member("m1", "joe@example.com")
		e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
		_, err := e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: "member:m1", At: now})
		granted <- err
	}()
	if _, err := e.acts.ReconcileOrg(e.ctx, contract.ReconcileOrgInput{OrgID: org, RunID: "run1", Trigger: "manual", At: now}); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if err := <-granted; err != nil {
		t.Fatal(err)
	}
	if !e.inGroup(groupA, "joe@example.com") {
		t.Fatal("reconciliation removed a grant applied while it ran")
	}
	if got := actions(e.audit("member:m1")); slices.Contains(got, "remove") {
		t.Fatalf("audit = %v, want no removal", got)
	}
}

// A grant cancelled while its add waits for Salto KS to provision the new
// user is not added by a later retry: each attempt checks, right before it
// is sent, that the grant still holds.
func TestGrantCancelledWhileTheUserProvisionsIsNotAdded(t *testing.T) {
	e := newEnv(t)
	e.fake.SetProvisioningDelay(4 * time.Second)
	now := time.Now()
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	go func() {
		time.Sleep(1500 * time.Millisecond) // the run retries the add every 500 ms
		ended := time.Now().Add(-time.Second)
		e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &ended)
	}()
	res := e.applyAt("member:m1", now)
	time.Sleep(3 * time.Second) // past the fake's window: an add sent late would now land
	e.madeButNotAdded(res, "a grant cancelled while the user provisioned")
}

// An add recorded after a reconciliation listed the group (so the listing
// lacks it) is not forgotten by that run: forgetting it would leave the
// person's later revocation nothing to remove.
func TestReconcileDoesNotForgetAnAddRecordedAfterItsListing(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	activities.SetAfterList(e.acts, func(context.Context) {
		activities.SetAfterList(e.acts, nil)
		e.applyAt("member:m1", now) // added and recorded after the listing
	})
	if _, err := e.acts.ReconcileOrg(e.ctx, contract.ReconcileOrgInput{OrgID: org, RunID: "run1", Trigger: "manual", At: now}); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if applied := e.applied("member:m1"); len(applied) != 1 || !applied[0].Confirmed {
		t.Fatalf("applied after the run = %+v, want the add recorded since the listing kept", applied)
	}
	ended := time.Now().Add(-time.Second)
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &ended)
	if res := e.applyAt("member:m1", time.Now()); res.Removed != 1 || e.inGroup(groupA, "joe@example.com") {
		t.Fatalf("revocation = %+v, in group %v: access outlived its membership", res, e.inGroup(groupA, "joe@example.com"))
	}
}
