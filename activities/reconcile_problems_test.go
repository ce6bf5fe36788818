package activities_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"doorsync/contract"
	"doorsync/saltoks/saltokstest"
	"doorsync/store"
)

// groupGone is a mapped group Salto KS does not have (deleted there): it
// sorts before every other group, so a run that stopped at it would
// reconcile nothing else.
const groupGone = "6a000001-0001-4000-8000-000000000000"

// noneRunning is Temporal's visibility answering that no lifecycle
// workflow runs, so reconciliation re-drives every scheduled entity.
type noneRunning struct{}

func (noneRunning) RunningLifecycles(context.Context, string) (map[string]bool, error) {
	return map[string]bool{}, nil
}

// queued are the outbox's pokes as "kind target", claimed so a test can
// see them.
func (e *env) queued() []string {
	e.t.Helper()
	pokes, err := e.st.ClaimPokes(e.ctx, nil, 1000, time.Minute)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, p := range pokes {
		out = append(out, p.Kind+" "+p.Target)
	}
	return out
}

// handAdd creates a Salto KS user nobody in doorsync is and adds them to
// group by hand; it returns their platform user id.
func (e *env) handAdd(group, email string) string {
	e.t.Helper()
	u, err := e.fake.CreateUserDirect(london, saltokstest.SeedUser{Email: email, FirstName: "Hand", LastName: "Added"})
	if err == nil {
		err = e.fake.AddGroupMemberDirect(london, group, u.UserID)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return u.UserID
}

// A group Salto KS no longer has (404) and a removal it refuses are
// recorded on their groups, and the run goes on: the other removals of the
// refused group, the other groups, the revocation of an unmapped group and
// the re-driving of lifecycle workflows.
func TestOneBadGroupDoesNotStopReconciliation(t *testing.T) {
	e := newEnv(t)
	e.acts.Workflows = noneRunning{}
	now := time.Now()
	ends := now.Add(24 * time.Hour)
	lounge, err := e.fake.CreateAccessGroupDirect(london, "Lounge")
	if err != nil {
		t.Fatal(err)
	}
	e.put("plan", "gone", map[string]string{"id": "gone", "name": "Gone"})
	e.put("plan", "room", map[string]string{"id": "room", "name": "Room"})
	e.put("plan", "old", map[string]string{"id": "old", "name": "Old"})
	e.mapTo("plans", "gone", groupGone)
	e.mapTo("plans", "room", groupB)
	e.mapTo("plans", "old", lounge)
	e.member("m1", "joe@example.com")
	e.member("m2", "ann@example.com")
	e.membership("ms1", "m1", "room", now.Add(-time.Hour), &ends)
	e.membership("ms2", "m2", "old", now.Add(-time.Hour), nil)
	e.apply("member:m1")
	e.apply("member:m2")
	if _, err := e.writer().DeleteMapping(e.ctx, org, "plans", "old"); err != nil { // m2 keeps the lounge until revoked
		t.Fatal(err)
	}
	e.fake.RemoveGroupMemberDirect(london, groupB, e.userID("joe@example.com")) // m1 is missing from B
	intruderA, intruderB := e.handAdd(groupA, "a@example.com"), e.handAdd(groupB, "b@example.com")
	staff := e.fake.GroupMembers(london, groupA)[0] // in the seed's group A by hand: Salto KS refuses to remove them
	e.fault(saltokstest.Fault{Method: "DELETE", RoutePattern: "/v1.2/sites/*/access_groups/" + groupA + "/users/" + staff,
		Status: 403, ErrorCode: "2203", Message: "User does not have permission for this operation on this user"})
	e.queued() // the pokes of the writes above are not the run's
	if _, _, err := e.st.PutWebhook(e.ctx, org, "ops", "https://receiver.example/hook", []string{store.EventReconcileDrift},
		"sealed"); err != nil {
		t.Fatal(err)
	}

	res, err := e.acts.ReconcileOrg(e.ctx, contract.ReconcileOrgInput{OrgID: org, RunID: "run1", Trigger: "manual", At: now})
	if err != nil {
		t.Fatalf("reconcile: %v; want the bad groups recorded and the run completed", err)
	}

	members := e.fake.GroupMembers(london, groupA)
	if slices.Contains(members, intruderA) || !slices.Contains(members, staff) {
		t.Errorf("group A = %v: want the refused user kept and the other removal made", members)
	}
	if slices.Contains(e.fake.GroupMembers(london, groupB), intruderB) {
		t.Error("group B, after the missing group and the refused removal, was not repaired")
	}
	queued := e.queued()
	for _, want := range []string{"access member:m1", "access member:m2", "lifecycle membership:ms1"} {
		if !slices.Contains(queued, want) {
			t.Errorf("queued pokes = %v, want %q (missing grant, unmapped group, lifecycle re-driven)", queued, want)
		}
	}
	if res.Restarted == 0 || res.Groups != 3 {
		t.Errorf("result = %+v, want 3 groups and lifecycles re-driven", res)
	}
	wantProblems(t, res.Problems, map[string][]string{
		groupGone: {"does not have this access group", "404"},
		groupA:    {"refused to remove", staff, "403", "2203"},
	})

	// The run's drift is announced (reconcile.drift), by kind.
	ds, err := e.st.Deliveries(e.ctx, org, "ops", 0, 10)
	if err != nil || len(ds) != 1 || ds[0].EventType != store.EventReconcileDrift {
		t.Fatalf("webhook deliveries = %+v, %v; want one reconcile.drift", ds, err)
	}
	var ev struct {
		Data store.RunDrift `json:"data"`
	}
	if err := json.Unmarshal([]byte(ds[0].Body), &ev); err != nil {
		t.Fatal(err)
	}
	if d := ev.Data; d.RunID != "run1" || d.Trigger != "manual" || d.Groups != 3 || d.Counts.Add != res.Adds ||
		d.Counts.Remove != res.Removes || d.Counts.Problem != 2 || d.Counts.Add+d.Counts.Remove == 0 {
		t.Errorf("drift = %+v, result %+v", d, res)
	}

	if err := e.acts.FinishRun(e.ctx, contract.FinishRunInput{OrgID: org, RunID: "run1", Result: res}); err != nil {
		t.Fatal(err)
	}
	run, err := e.st.GetRun(e.ctx, org, "run1")
	if err != nil {
		t.Fatal(err)
	}
	var summary struct {
		Problems []contract.GroupProblem `json:"problems"`
	}
	var report struct {
		Groups []contract.GroupProblem `json:"groups"`
	}
	if err := json.Unmarshal(run.Summary, &summary); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(run.Report, &report); err != nil {
		t.Fatal(err)
	}
	wantProblems(t, summary.Problems, map[string][]string{groupGone: {"404"}, groupA: {"403"}})
	if len(report.Groups) != 3 || report.Groups[0].Problem == "" || report.Groups[1].Problem == "" || report.Groups[2].Problem != "" {
		t.Errorf("stored report groups = %+v, want the problems on groups %s and %s", report.Groups, groupGone, groupA)
	}
}

// wantProblems checks that problems are exactly one per group of want,
// each saying every string want lists for it.
func wantProblems(t *testing.T, problems []contract.GroupProblem, want map[string][]string) {
	t.Helper()
	if len(problems) != len(want) {
		t.Fatalf("problems = %+v, want one for each of %v", problems, want)
	}
	for _, p := range problems {
		for _, s := range want[p.GroupID] {
			if p.SiteID != london || !strings.Contains(p.Problem, s) {
				t.Errorf("problem of %s = %q, want it to say %q", p.GroupID, p.Problem, s)
			}
		}
	}
}

// A run that fails (here: Salto KS keeps failing to list a later group)
// after forgetting what it believed applied in an earlier group has queued
// the pokes that re-add it.
func TestFailedRunKeepsThePokesItQueued(t *testing.T) {
	e := newEnv(t)
	e.put("plan", "room", map[string]string{"id": "room", "name": "Room"})
	e.mapTo("plans", "room", groupB)
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	e.apply("member:m1")
	e.fake.RemoveGroupMemberDirect(london, groupA, e.userID("joe@example.com"))
	e.fault(saltokstest.Fault{Method: "GET", RoutePattern: "/v1.2/sites/*/access_groups/" + groupB + "/users",
		Status: 503})
	e.queued()

	if _, err := e.acts.ReconcileOrg(e.ctx, contract.ReconcileOrgInput{OrgID: org, RunID: "run1", Trigger: "manual"}); err == nil {
		t.Fatal("reconcile succeeded although Salto KS keeps answering 503")
	}
	applied, err := e.st.AppliedInGroup(e.ctx, org, london, groupA)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 0 {
		t.Fatalf("applied in A = %+v, want m1 forgotten", applied)
	}
	if q := e.queued(); !slices.Contains(q, "access member:m1") {
		t.Fatalf("queued pokes = %v: the failed run lost the poke that re-adds m1 to the group it forgot", q)
	}
}
