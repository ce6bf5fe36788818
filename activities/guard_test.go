package activities_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"doorsync/contract"
	"doorsync/store"
)

// guardEnv is an env whose activities run on a clock the test moves, with
// n members applied in group A (the base seed's staff user there is
// protected) and a guard that holds 3 removals of 10.
type guardEnv struct {
	*env
	clock time.Time
	start time.Time
}

func newGuardEnv(t *testing.T, n int) *guardEnv {
	e := &guardEnv{env: newEnv(t), start: time.Now()}
	e.clock = e.start
	e.acts.Now = func() time.Time { return e.clock }
	e.changeSettings(func(s *store.OrgSettings) {
		s.RemovalGuard = store.RemovalGuard{MaxFraction: 0.2, MinCount: 3}
		s.ProtectedSaltoUsers = []string{"staff@example.com"}
	})
	for i := 1; i <= n; i++ {
		e.member(fmt.Sprintf("m%d", i), email(i))
		e.membership(fmt.Sprintf("ms%d", i), fmt.Sprintf("m%d", i), "hot", e.start.Add(-time.Hour), nil)
		e.apply(fmt.Sprintf("member:m%d", i))
	}
	return e
}

func email(i int) string { return fmt.Sprintf("m%d@example.com", i) }

// end ends member i's membership a minute before the test began.
func (e *guardEnv) end(i int) {
	ended := e.start.Add(-time.Minute)
	e.membership(fmt.Sprintf("ms%d", i), fmt.Sprintf("m%d", i), "hot", e.start.Add(-time.Hour), &ended)
}

func (e *guardEnv) reconcile(run string) contract.ReconcileOrgResult {
	e.t.Helper()
	res, err := e.acts.ReconcileOrg(e.ctx, contract.ReconcileOrgInput{OrgID: org, RunID: run, Trigger: "schedule"})
	if err != nil {
		e.t.Fatalf("reconcile %s: %v", run, err)
	}
	return res
}

func (e *guardEnv) in(i int) bool { return e.inGroup(groupA, email(i)) }

func (e *guardEnv) noPendingHold() {
	e.t.Helper()
	if h, err := e.st.PendingHold(e.ctx, org, london, groupA); !errors.Is(err, store.ErrNotFound) {
		e.t.Fatalf("pending hold = %+v, %v; want none", h, err)
	}
}

// A pending hold no operator decides expires after the org's
// hold_expires_after (72 h by default), by the clock, durably (its status
// in the store): its removals stay unmade, in real time and in
// reconciliation, with the problem visible on the hold and the person; the
// group's other removals no longer wait for it; and an operator may still
// approve it, which makes them.
func TestPendingHoldExpiresIntoAProblem(t *testing.T) {
	e := newGuardEnv(t, 10)
	if _, _, err := e.st.PutWebhook(e.ctx, org, "ops", "https://receiver.example/hook",
		[]string{store.EventHoldCreated, store.EventHoldExpired, store.EventAccessProblem}, "sealed"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 4; i++ {
		e.end(i)
		e.apply(fmt.Sprintf("member:m%d", i))
	}
	// m1 and m2 went; m3 tripped the guard (3 of 10 in the interval), m4 joined.
	if e.in(1) || e.in(2) || !e.in(3) || !e.in(4) {
		t.Fatalf("in the group: m1 %v m2 %v m3 %v m4 %v", e.in(1), e.in(2), e.in(3), e.in(4))
	}
	hold := e.pendingHold(groupA)
	if len(hold.Remove) != 2 {
		t.Fatalf("hold = %+v", hold)
	}

	// Not yet expired: a new removal still joins the pending hold.
	e.clock = e.start.Add(71 * time.Hour)
	e.end(5)
	e.apply("member:m5")
	if !e.in(5) || len(e.pendingHold(groupA).Remove) != 3 {
		t.Fatal("m5's removal did not join the pending hold")
	}

	// Past 72 h: the hold expires; an unrelated removal goes ahead, as the
	// guard (whose window holds no recent removal) allows.
	e.clock = e.start.Add(73 * time.Hour)
	e.end(6)
	if res := e.apply("member:m6"); res.Removed != 1 || e.in(6) {
		t.Fatalf("m6 = %+v, still in the group %v: the expired hold blocks the group", res, e.in(6))
	}
	e.noPendingHold()
	got, err := e.st.GetHold(e.ctx, org, hold.ID)
	if err != nil || got.Status != "expired" || len(got.Remove) != 3 {
		t.Fatalf("hold after 73 h = %+v, %v; want expired with its 3 removals", got, err)
	}

	// Its removals stay unmade: in real time (the person's problem says
	// why) and in reconciliation (the run's report shows them held by it).
	res := e.apply("member:m3")
	if res.Removed != 0 || !e.in(3) || !strings.Contains(res.Problem, "waits for an operator") {
		t.Fatalf("m3 after expiry = %+v, in the group %v", res, e.in(3))
	}
	// Announced by webhook events, each once: the hold when it was made
	// (not as it grew), its expiry, and m3's problem.
	ds, err := e.st.Deliveries(e.ctx, org, "ops", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for i := len(ds) - 1; i >= 0; i-- {
		types = append(types, ds[i].EventType)
		if ds[i].EventType == store.EventAccessProblem && !strings.Contains(ds[i].Body, `"member:m3"`) {
			t.Errorf("access.problem of another person: %s", ds[i].Body)
		}
	}
	if want := []string{store.EventHoldCreated, store.EventHoldExpired, store.EventAccessProblem}; !slices.Equal(types, want) {
		t.Errorf("webhook events = %v, want %v", types, want)
	}
	e.noPendingHold()
	e.reconcile("after-expiry")
	for _, i := range []int{3, 4, 5} {
		if !e.in(i) {
			t.Fatalf("reconciliation removed m%d, whose removal the expired hold keeps back", i)
		}
	}
	e.noPendingHold()
	run, err := e.st.GetRun(e.ctx, org, "after-expiry")
	if err != nil || !strings.Contains(string(run.Report), hold.ID) {
		t.Fatalf("run report = %s, %v; want the group held by %s", run.Report, err, hold.ID)
	}
	audit, err := e.st.Audit(e.ctx, org, store.AuditFilter{GroupID: groupA, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	expiries := 0
	for _, a := range audit {
		if a.Action == "expire_hold" {
			expiries++
		}
	}
	if expiries != 1 {
		t.Fatalf("expire_hold audit rows = %d, want 1", expiries)
	}

	// An operator may still decide: approved, the removals are made.
	if _, err := e.st.DecideHold(e.ctx, org, hold.ID, store.HoldDecision{Status: store.HoldApproved, Actor: "admin"}); err != nil {
		t.Fatalf("approving the expired hold: %v", err)
	}
	for _, i := range []int{3, 4, 5} {
		if res := e.apply(fmt.Sprintf("member:m%d", i)); res.Removed != 1 || res.Problem != "" || e.in(i) {
			t.Fatalf("m%d after approval = %+v", i, res)
		}
	}
}

// The guard counts a group's removals over a sliding window of the
// reconcile interval, not per run: a drip of two removals a run (under
// the minimum count of 3) is held at the second run within the interval,
// and once the window has moved on, the same two go ahead.
func TestGuardCatchesASlowDripAcrossRuns(t *testing.T) {
	e := newGuardEnv(t, 10)
	e.end(1)
	e.end(2) // changed below the real-time path: reconciliation finds them
	e.reconcile("run-1")
	if e.in(1) || e.in(2) {
		t.Fatal("run 1 did not remove m1 and m2 (2 of 11: under the guard)")
	}
	e.noPendingHold()

	e.clock = e.start.Add(10 * time.Minute) // within the 15-minute interval
	e.end(3)
	e.end(4)
	res := e.reconcile("run-2")
	if !e.in(3) || !e.in(4) || res.Held != 1 {
		t.Fatalf("run 2 = %+v, m3 in %v, m4 in %v: the drip (4 within the interval) was not held", res, e.in(3), e.in(4))
	}
	hold := e.pendingHold(groupA)
	if len(hold.Remove) != 2 {
		t.Fatalf("hold = %+v", hold)
	}
	if _, err := e.st.DecideHold(e.ctx, org, hold.ID, store.HoldDecision{Status: store.HoldRejected, Actor: "admin"}); err != nil {
		t.Fatal(err)
	}

	e.clock = e.start.Add(40 * time.Minute) // run 1's removals are out of the window
	e.reconcile("run-3")
	if e.in(3) || e.in(4) {
		t.Fatal("run 3 did not remove m3 and m4 although the window holds no other removal")
	}
	e.noPendingHold()
}

// Removals an operator approved are no drip: after an approved hold's
// three removals, a single removal within the same interval goes ahead.
func TestApprovedRemovalsAreNoDrip(t *testing.T) {
	e := newGuardEnv(t, 10)
	for i := 1; i <= 3; i++ {
		e.end(i)
	}
	if res := e.reconcile("run-1"); res.Held != 1 { // 3 of 11: held
		t.Fatalf("run 1 = %+v", res)
	}
	hold := e.pendingHold(groupA)
	if _, err := e.st.DecideHold(e.ctx, org, hold.ID, store.HoldDecision{Status: store.HoldApproved, Actor: "admin"}); err != nil {
		t.Fatal(err)
	}
	if res, err := e.acts.ApplyHold(e.ctx, contract.ApplyHoldInput{OrgID: org, HoldID: hold.ID}); err != nil || res.Removed != 3 {
		t.Fatalf("ApplyHold = %+v, %v", res, err)
	}
	e.clock = e.start.Add(5 * time.Minute)
	e.end(4)
	if res := e.apply("member:m4"); res.Removed != 1 || e.in(4) {
		t.Fatalf("m4 = %+v: held as if the approved removals were a drip", res)
	}
	e.noPendingHold()
}
