package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/saltoks/saltokstest"
)

// reconcile runs one reconciliation through the API and waits for it to
// finish, returning its run record.
func (s *stack) reconcile() map[string]any {
	s.t.Helper()
	runID := s.call(202, "POST", s.orgPath()+"/reconcile", s.key, map[string]any{"dry_run": false})["run_id"].(string)
	var run map[string]any
	s.eventually(60*time.Second, "reconcile run "+runID+" finished", func() bool {
		status, raw := s.do("GET", s.orgPath()+"/reconcile/runs/"+runID, s.key, nil)
		if status != 200 {
			return false
		}
		run = decode(raw)
		return run["status"] != "running"
	})
	if run["status"] != "completed" {
		s.t.Fatalf("run %s: %v", runID, run)
	}
	return run
}

// activeMembers gives n members active memberships on plan hot and waits
// until they are all in gMembers.
func (s *stack) activeMembers(n int) []string {
	var emails []string
	for i := 1; i <= n; i++ {
		id, email := fmt.Sprintf("m%d", i), fmt.Sprintf("m%d@example.com", i)
		s.put("/members/"+id, member(id, email))
		s.put("/memberships/ms"+fmt.Sprint(i), map[string]any{"plan_id": "hot", "member_id": id, "starts_at": rfc(time.Now().Add(-time.Hour))})
		emails = append(emails, email)
	}
	for _, e := range emails {
		s.waitIn(gMembers, e)
	}
	return emails
}

// A user added by hand to a managed group is removed by the next run; a
// protected one is kept; a missing grant is restored.
func TestReconcileRepairsDrift(t *testing.T) {
	s := newStack(t, stackOptions{orgSettings: map[string]any{"protected_salto_users": []string{"boss@example.com", staffUser}}})
	s.activeMembers(2)
	intruder, _ := s.fake.CreateUserDirect(london, saltokstest.SeedUser{Email: "intruder@example.com", FirstName: "I", LastName: "N"})
	boss, _ := s.fake.CreateUserDirect(london, saltokstest.SeedUser{Email: "boss@example.com", FirstName: "B", LastName: "S"})
	s.fake.AddGroupMemberDirect(london, gMembers, intruder.UserID)
	s.fake.AddGroupMemberDirect(london, gMembers, boss.UserID)
	s.fake.RemoveGroupMemberDirect(london, gMembers, s.userID("m1@example.com"))

	run := s.reconcile()
	members := s.fake.GroupMembers(london, gMembers)
	if slices.Contains(members, intruder.UserID) {
		t.Error("the user added by hand is still in the group")
	}
	if !slices.Contains(members, boss.UserID) || !slices.Contains(members, staffUser) {
		t.Error("a protected user was removed (boss by e-mail, staff by Salto user id)")
	}
	s.waitIn(gMembers, "m1@example.com") // through m1's access workflow
	if run["applied"].(float64) < 2 {
		t.Errorf("run summary = %v", run)
	}
	audit := decode(mustBody(s.do("GET", s.orgPath()+"/audit?site_id="+london+"&group_id="+gMembers, s.key, nil)))
	var reconciled []string
	for _, e := range audit["data"].([]any) {
		if e := e.(map[string]any); e["trigger"] == "reconcile" {
			reconciled = append(reconciled, e["action"].(string)+":"+e["salto_user_id"].(string))
		}
	}
	if !slices.Contains(reconciled, "remove:"+intruder.UserID) {
		t.Errorf("reconcile audit = %v, want the intruder's removal", reconciled)
	}
}

// A dry run returns its report ("plan") and changes nothing.
func TestReconcileDryRunChangesNothing(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.activeMembers(1)
	intruder, _ := s.fake.CreateUserDirect(london, saltokstest.SeedUser{Email: "intruder@example.com", FirstName: "I", LastName: "N"})
	s.fake.AddGroupMemberDirect(london, gMembers, intruder.UserID)
	before := s.fake.Requests()
	report := s.call(200, "POST", s.orgPath()+"/reconcile", s.key, map[string]any{"dry_run": true})
	if !containsJSON(report, `"salto_user_id":"`+intruder.UserID+`"`) {
		t.Fatalf("dry-run report does not remove the intruder: %v", report)
	}
	if n := writes(before, s.fake.Requests()); n != 0 {
		t.Fatalf("a dry run made %d Salto KS writes", n)
	}
	if !slices.Contains(s.fake.GroupMembers(london, gMembers), intruder.UserID) {
		t.Fatal("a dry run removed a user")
	}
}

// Every entity whose access changes later has a live lifecycle workflow:
// a terminated one is restarted. An open-ended membership in force has
// nothing scheduled, and none is started for it.
func TestReconcileRedrivesADeletedLifecycleWorkflow(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.activeMembers(1) // ms1: open-ended
	s.put("/members/m2", member("m2", "m2@example.com"))
	s.put("/memberships/ms2", map[string]any{"plan_id": "hot", "member_id": "m2",
		"starts_at": rfc(time.Now().Add(-time.Hour)), "ends_at": rfc(time.Now().Add(time.Hour))})
	s.waitIn(gMembers, "m2@example.com")
	openEnded := contract.LifecycleWorkflowID(s.org, access.KindMembership, "ms1")
	id := contract.LifecycleWorkflowID(s.org, access.KindMembership, "ms2")
	s.eventually(10*time.Second, "membership workflow running", func() bool { return s.workflowRunning(id) })
	if err := s.temporal.TerminateWorkflow(s.ctx, id, "", "test: lost workflow"); err != nil {
		t.Fatal(err)
	}
	s.eventually(10*time.Second, "workflow terminated", func() bool { return !s.workflowRunning(id) })
	// Visibility lags a moment behind the termination.
	s.eventually(10*time.Second, "visibility caught up", func() bool {
		running, err := s.acts.Workflows.RunningLifecycles(s.ctx, s.org)
		return err == nil && !running[id]
	})
	s.reconcile()
	s.eventually(10*time.Second, "membership workflow re-driven", func() bool { return s.workflowRunning(id) })
	if s.workflowExists(openEnded) {
		t.Error("a lifecycle workflow was started for an open-ended membership in force")
	}
}

// workflowExists says whether any run of workflow id was ever started.
func (s *stack) workflowExists(id string) bool {
	_, err := s.temporal.DescribeWorkflowExecution(context.Background(), id, "")
	if _, notFound := errors.AsType[*serviceerror.NotFound](err); notFound {
		return false
	}
	if err != nil {
		s.t.Fatalf("describe %s: %v", id, err)
	}
	return true
}

func (s *stack) workflowRunning(id string) bool {
	d, err := s.temporal.DescribeWorkflowExecution(context.Background(), id, "")
	return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING
}

// The schedule exists with the org's interval and skips overlapping runs.
func TestReconcileSchedule(t *testing.T) {
	s := newStack(t, stackOptions{orgSettings: map[string]any{"reconcile_interval": "7m"}})
	d, err := s.temporal.ScheduleClient().GetHandle(s.ctx, contract.ReconcileScheduleID(s.org)).Describe(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Schedule.Spec.Intervals; len(got) != 1 || got[0].Every != 7*time.Minute {
		t.Fatalf("intervals = %+v, want every 7m", got)
	}
	if d.Schedule.Policy.Overlap != enums.SCHEDULE_OVERLAP_POLICY_SKIP {
		t.Fatalf("overlap = %v, want skip", d.Schedule.Policy.Overlap)
	}
	s.call(200, "PUT", s.orgPath(), adminToken, map[string]any{"name": "Acme", "time_zone": "Europe/London", "reconcile_interval": "20m"})
	d, _ = s.temporal.ScheduleClient().GetHandle(s.ctx, contract.ReconcileScheduleID(s.org)).Describe(s.ctx)
	if got := d.Schedule.Spec.Intervals; len(got) != 1 || got[0].Every != 20*time.Minute {
		t.Fatalf("after the org changed: intervals = %+v, want every 20m", got)
	}
}

// A run over paged groups (page size 2) sees every member.
func TestReconcileReadsEveryPage(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.activeMembers(5)
	s.fake.SetPageSize(2)
	var intruders []string
	for i := 0; i < 3; i++ {
		u, _ := s.fake.CreateUserDirect(london, saltokstest.SeedUser{Email: fmt.Sprintf("x%d@example.com", i), FirstName: "X", LastName: "Y"})
		s.fake.AddGroupMemberDirect(london, gMembers, u.UserID)
		intruders = append(intruders, u.UserID)
	}
	s.fake.ResetRequests()
	s.reconcile()
	members := s.fake.GroupMembers(london, gMembers)
	for _, u := range intruders {
		if slices.Contains(members, u) {
			t.Errorf("intruder %s on a later page was not removed", u)
		}
	}
	// 5 doorsync members + staff + 3 intruders = 9 members: 5 pages of 2.
	if got := s.fake.Requests()["GET /v1.2/sites/{site_id}/access_groups/{group_id}/users"]; got != 5 {
		t.Errorf("member pages read = %d, want 5", got)
	}
}

// A mapped group Salto KS no longer has does not stop reconciliation: the
// run completes with the group's problem (on the run and on its mapping)
// and repairs the other groups.
func TestReconcileGoesOnPastAGroupSaltoKSNoLongerHas(t *testing.T) {
	s := newStack(t, stackOptions{})
	const gone = "6a000001-0001-4000-8000-000000000000"
	s.put("/plans/gone", map[string]any{"name": "Gone"})
	s.mapGroups("plans", "gone", gone)
	intruder, _ := s.fake.CreateUserDirect(london, saltokstest.SeedUser{Email: "intruder@example.com", FirstName: "I", LastName: "N"})
	s.fake.AddGroupMemberDirect(london, gMembers, intruder.UserID)

	run := s.reconcile()
	problems, _ := run["problems"].([]any)
	if len(problems) != 1 || !containsJSON(problems[0], `"group_id":"`+gone+`"`) || !containsJSON(problems[0], "404") {
		t.Fatalf("run problems = %v, want the missing group's", run["problems"])
	}
	if slices.Contains(s.fake.GroupMembers(london, gMembers), intruder.UserID) {
		t.Error("the other group was not repaired")
	}
	mappings := s.call(200, "GET", s.orgPath()+"/mappings", s.key, nil)
	if !containsJSON(mappings, `"problems":[{"group_id":"`+gone+`"`) {
		t.Errorf("mappings = %v, want the problem on the mapping naming the group", mappings)
	}
}
