package e2e_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/internal/devtemporal"
	"doorsync/internal/testenv"
	"doorsync/saltoks/saltokstest"
)

// recordEnv names the directory TestRecordHistories writes into.
const recordEnv = "DOORSYNC_RECORD_HISTORIES"

// TestRecordHistories runs one scenario per workflow type and path on a
// real dev server and writes each workflow's history as protojson into
// $DOORSYNC_RECORD_HISTORIES, as workflows/testdata holds them for
// workflows/replay_test.go. Plain `go test` skips it. To record afresh:
//
//	DOORSYNC_RECORD_HISTORIES=$PWD/workflows/testdata go test ./internal/e2e/ -run TestRecordHistories -parallel 4
//
// Recorded histories are kept: a file is the proof that runs started by
// the code of its day still replay, so a changed scenario gets a new name
// rather than overwriting an old file.
func TestRecordHistories(t *testing.T) {
	dir := os.Getenv(recordEnv)
	if dir == "" {
		t.Skip("set " + recordEnv + "=dir to record workflow histories (workflows/testdata)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Continue-as-new first, alone: it starts its own dev server, which
	// suggests continuing as new after a few events.
	t.Run("access-continue-as-new", func(t *testing.T) { recordAccessContinueAsNew(t, dir) })
	t.Run("parallel", func(t *testing.T) {
		for _, sc := range []struct {
			name string
			run  func(t *testing.T, dir string)
		}{
			{"access", recordAccess},
			{"membership", recordMembership},
			{"booking", recordBooking},
			{"day-pass", recordDayPass},
			{"reconcile", recordReconcile},
			{"org-delete", recordOrgDelete},
		} {
			t.Run(sc.name, func(t *testing.T) {
				t.Parallel()
				sc.run(t, dir)
			})
		}
	})
}

// Access: an apply and a removal; a retry as a regular activity after the
// local attempt failed; a Salto KS Retry-After waited out, met by the local
// attempt and by the regular activity.
func recordAccess(t *testing.T, dir string) {
	s := newStack(t, stackOptions{})
	groupUsers := "/v1.2/sites/{site_id}/access_groups/{group_id}/users"
	active := map[string]any{"plan_id": "hot", "starts_at": rfc(time.Now().Add(-time.Hour))}
	withMember := func(id string) map[string]any {
		m := maps(active)
		m["member_id"] = id
		return m
	}

	// apply, then a poke that removes
	s.put("/members/m1", member("m1", "m1@example.com"))
	s.put("/memberships/ms1", withMember("m1"))
	s.waitIn(gMembers, "m1@example.com")
	s.del("/memberships/ms1")
	s.waitOut(gMembers, "m1@example.com")
	s.record(dir, "access-apply-and-remove.json", contract.AccessWorkflowID(s.org, "member:m1"))

	// retry: the local attempt and the activity's first attempt get 503
	s.put("/members/m2", member("m2", "m2@example.com"))
	s.fake.AddFault(saltokstest.Fault{RoutePattern: groupUsers, Method: "POST", Status: 503, ErrorCode: "503", Message: "down", Times: 2})
	s.put("/memberships/ms2", withMember("m2"))
	s.waitIn(gMembers, "m2@example.com")
	s.record(dir, "access-retry.json", contract.AccessWorkflowID(s.org, "member:m2"))

	// Retry-After: the local attempt gets 429 with Retry-After 2 s
	s.put("/members/m3", member("m3", "m3@example.com"))
	s.fake.AddFault(saltokstest.Fault{RoutePattern: groupUsers, Method: "POST", Status: 429, ErrorCode: "429", Message: "slow down",
		RetryAfter: 2 * time.Second, Times: 1})
	s.put("/memberships/ms3", withMember("m3"))
	s.waitIn(gMembers, "m3@example.com")
	s.record(dir, "access-retry-after.json", contract.AccessWorkflowID(s.org, "member:m3"))

	// Retry-After met by the regular activity: the local attempt gets 503,
	// the activity 429, which it hands back to the workflow to wait out
	s.put("/members/m4", member("m4", "m4@example.com"))
	s.fake.AddFault(saltokstest.Fault{RoutePattern: groupUsers, Method: "POST", Status: 503, ErrorCode: "503", Message: "down", Times: 1})
	s.fake.AddFault(saltokstest.Fault{RoutePattern: groupUsers, Method: "POST", Status: 429, ErrorCode: "429", Message: "slow down",
		RetryAfter: 2 * time.Second, Times: 1})
	s.put("/memberships/ms4", withMember("m4"))
	s.waitIn(gMembers, "m4@example.com")
	s.record(dir, "access-activity-retry-after.json", contract.AccessWorkflowID(s.org, "member:m4"))
}

// Access continuing as new: a dev server that suggests it after 20 events,
// and a member poked until the run continues.
func recordAccessContinueAsNew(t *testing.T, dir string) {
	saved := devtemporal.DynamicConfig
	devtemporal.DynamicConfig = append(slices.Clone(saved), "limit.historyCount.suggestContinueAsNew=20")
	srv := testenv.NewDevServer(t)
	devtemporal.DynamicConfig = saved
	s := newStack(t, stackOptions{server: srv})
	id := contract.AccessWorkflowID(s.org, "member:m1")
	s.put("/members/m1", member("m1", "m1@example.com"))
	ms := map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": rfc(time.Now().Add(-time.Hour))}
	for i := 0; ; i++ {
		if i%2 == 0 {
			s.put("/memberships/ms1", ms)
			s.waitIn(gMembers, "m1@example.com")
		} else {
			s.del("/memberships/ms1")
			s.waitOut(gMembers, "m1@example.com")
		}
		if first := s.firstRunID(id); first != "" {
			s.recordRun(dir, "access-continue-as-new.json", id, first)
			return
		}
		if i > 20 {
			t.Fatal("the access workflow never continued as new")
		}
	}
}

// Membership lifecycle: started with a change ahead, through both
// transitions to its end; rescheduled while it waits; deleted while it
// waits (a deletion pokes no lifecycle: the run finds the entity gone at
// its alarm, a few seconds later, and ends).
func recordMembership(t *testing.T, dir string) {
	s := newStack(t, stackOptions{})
	s.put("/members/m1", member("m1", "m1@example.com"))
	start := time.Now().Add(3 * time.Second)
	s.put("/memberships/ms1", map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": rfc(start), "ends_at": rfc(start.Add(3 * time.Second))})
	s.waitIn(gMembers, "m1@example.com")
	s.waitOut(gMembers, "m1@example.com")
	s.recordDone(dir, "membership-window.json", contract.LifecycleWorkflowID(s.org, access.KindMembership, "ms1"))

	s.put("/members/m2", member("m2", "m2@example.com"))
	ms2 := map[string]any{"plan_id": "hot", "member_id": "m2", "starts_at": rfc(time.Now().Add(time.Hour))}
	s.put("/memberships/ms2", ms2)
	s.waitTimer(access.KindMembership, "ms2")
	start = time.Now().Add(2 * time.Second)
	ms2["starts_at"], ms2["ends_at"] = rfc(start), rfc(start.Add(2*time.Second))
	s.put("/memberships/ms2", ms2)
	s.waitIn(gMembers, "m2@example.com")
	s.waitOut(gMembers, "m2@example.com")
	s.recordDone(dir, "membership-rescheduled.json", contract.LifecycleWorkflowID(s.org, access.KindMembership, "ms2"))

	s.put("/members/m3", member("m3", "m3@example.com"))
	s.put("/memberships/ms3", map[string]any{"plan_id": "hot", "member_id": "m3",
		"starts_at": rfc(time.Now().Add(-time.Hour)), "ends_at": rfc(time.Now().Add(5 * time.Second))})
	s.waitIn(gMembers, "m3@example.com")
	s.waitTimer(access.KindMembership, "ms3")
	s.del("/memberships/ms3")
	s.waitOut(gMembers, "m3@example.com")
	s.recordDone(dir, "membership-deleted.json", contract.LifecycleWorkflowID(s.org, access.KindMembership, "ms3"))
}

// Booking lifecycle with a guest: its window; rescheduled; cancelled.
func recordBooking(t *testing.T, dir string) {
	s := newBookingStack(t)
	guests := []map[string]any{{"email": "guest@example.com", "first_name": "Gus", "last_name": "Guest"}}
	start := time.Now().Add(4 * time.Second)
	s.put("/bookings/b1", map[string]any{"resource_id": "room1", "member_id": "m1", "starts_at": rfc(start),
		"ends_at": rfc(start.Add(time.Second)), "guests": guests})
	s.waitIn(gRoom, "guest@example.com")
	s.waitOut(gRoom, "guest@example.com")
	s.recordDone(dir, "booking-window.json", contract.LifecycleWorkflowID(s.org, access.KindBooking, "b1"))

	later := time.Now().Add(time.Hour)
	b2 := map[string]any{"resource_id": "room1", "member_id": "m1", "starts_at": rfc(later), "ends_at": rfc(later.Add(time.Hour)), "guests": guests}
	s.put("/bookings/b2", b2)
	s.waitTimer(access.KindBooking, "b2")
	start = time.Now().Add(3 * time.Second)
	b2["starts_at"], b2["ends_at"] = rfc(start), rfc(start.Add(time.Second))
	s.put("/bookings/b2", b2)
	s.waitIn(gRoom, "guest@example.com")
	s.waitOut(gRoom, "guest@example.com")
	s.recordDone(dir, "booking-rescheduled.json", contract.LifecycleWorkflowID(s.org, access.KindBooking, "b2"))

	s.put("/bookings/b3", map[string]any{"resource_id": "room1", "member_id": "m1", "starts_at": rfc(time.Now()),
		"ends_at": rfc(time.Now().Add(3 * time.Second)), "guests": guests})
	s.waitIn(gRoom, "guest@example.com")
	s.waitTimer(access.KindBooking, "b3")
	s.del("/bookings/b3")
	s.waitOut(gRoom, "guest@example.com")
	s.recordDone(dir, "booking-deleted.json", contract.LifecycleWorkflowID(s.org, access.KindBooking, "b3"))
}

// Day-pass lifecycle: valid from a later instant to its end, its last pass
// used while it waits; rescheduled; deleted.
func recordDayPass(t *testing.T, dir string) {
	s := newStack(t, stackOptions{})
	s.mapGroups("day-passes", "lon", gDayPass)
	s.put("/members/m1", member("m1", "day@example.com"))
	from := time.Now().Add(3 * time.Second)
	s.put("/day-passes/dp1", map[string]any{"member_id": "m1", "location_id": "lon", "passes": 1,
		"valid_from": rfc(from), "valid_until": rfc(from.Add(4 * time.Second))})
	s.waitIn(gDayPass, "day@example.com")
	london, _ := time.LoadLocation("Europe/London")
	s.call(200, "POST", s.orgPath()+"/day-passes/dp1/uses", s.key, map[string]any{"use_id": "u1", "date": time.Now().In(london).Format("2006-01-02")})
	s.waitOut(gDayPass, "day@example.com")
	s.recordDone(dir, "day-pass-window-and-use.json", contract.LifecycleWorkflowID(s.org, access.KindDayPass, "dp1"))

	dp2 := map[string]any{"member_id": "m1", "location_id": "lon", "passes": 3,
		"valid_from": rfc(time.Now().Add(time.Hour)), "valid_until": rfc(time.Now().Add(2 * time.Hour))}
	s.put("/day-passes/dp2", dp2)
	s.waitTimer(access.KindDayPass, "dp2")
	from = time.Now().Add(2 * time.Second)
	dp2["valid_from"], dp2["valid_until"] = rfc(from), rfc(from.Add(2*time.Second))
	s.put("/day-passes/dp2", dp2)
	s.waitIn(gDayPass, "day@example.com")
	s.waitOut(gDayPass, "day@example.com")
	s.recordDone(dir, "day-pass-rescheduled.json", contract.LifecycleWorkflowID(s.org, access.KindDayPass, "dp2"))

	s.put("/day-passes/dp3", map[string]any{"member_id": "m1", "location_id": "lon", "passes": 3,
		"valid_from": rfc(time.Now().Add(-time.Hour)), "valid_until": rfc(time.Now().Add(5 * time.Second))})
	s.waitIn(gDayPass, "day@example.com")
	s.waitTimer(access.KindDayPass, "dp3")
	s.del("/day-passes/dp3")
	s.waitOut(gDayPass, "day@example.com")
	s.recordDone(dir, "day-pass-deleted.json", contract.LifecycleWorkflowID(s.org, access.KindDayPass, "dp3"))
}

// Reconcile: a run that repairs drift; a run that holds a group; the
// approval that applies the hold.
func recordReconcile(t *testing.T, dir string) {
	s := newStack(t, stackOptions{orgSettings: map[string]any{"protected_salto_users": []string{staffUser}}})
	s.activeMembers(12)
	intruder, _ := s.fake.CreateUserDirect(london, saltokstest.SeedUser{Email: "intruder@example.com", FirstName: "I", LastName: "N"})
	s.fake.AddGroupMemberDirect(london, gMembers, intruder.UserID)
	run := s.reconcile()
	s.recordDone(dir, "reconcile-drift.json", contract.ReconcileWorkflowID(s.org)+":"+run["run_id"].(string))

	// every membership gone below the API: the run holds the group
	s.sql(`delete from entities where org_id = $1 and kind = 'membership'`, s.org)
	run = s.reconcile()
	s.recordDone(dir, "reconcile-held.json", contract.ReconcileWorkflowID(s.org)+":"+run["run_id"].(string))
	holds := s.call(200, "GET", s.orgPath()+"/holds", s.key, nil)["data"].([]any)
	if len(holds) != 1 {
		t.Fatalf("holds = %v", holds)
	}
	hold := holds[0].(map[string]any)["id"].(string)
	s.call(202, "POST", s.orgPath()+"/holds/"+hold+"/approve", s.key, nil)
	s.waitOut(gMembers, "m1@example.com")
	s.recordDone(dir, "reconcile-hold-approved.json", contract.ReconcileWorkflowID(s.org)+":"+hold)
}

// OrgDelete: an org with a member and a lifecycle running.
func recordOrgDelete(t *testing.T, dir string) {
	s := newStack(t, stackOptions{})
	s.activeMembers(1)
	s.put("/members/m9", member("m9", "m9@example.com"))
	s.put("/memberships/ms9", map[string]any{"plan_id": "hot", "member_id": "m9",
		"starts_at": rfc(time.Now().Add(-time.Hour)), "ends_at": rfc(time.Now().Add(24 * time.Hour))})
	s.waitIn(gMembers, "m9@example.com")
	s.call(202, "DELETE", s.orgPath(), adminToken, nil)
	s.waitDeleted()
	s.recordDone(dir, "org-delete.json", contract.OrgDeleteWorkflowID(s.org))
}

func maps(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// record writes the history of workflowID's current run into dir/name once
// the run is quiet: its last event is a timer started or a workflow task
// completed, and no activity is pending.
func (s *stack) record(dir, name, workflowID string) {
	s.t.Helper()
	s.eventually(30*time.Second, workflowID+" quiet", func() bool {
		d, err := s.temporal.DescribeWorkflowExecution(s.ctx, workflowID, "")
		if err != nil || len(d.GetPendingActivities()) > 0 {
			return false
		}
		events := s.history(workflowID, "")
		if len(events) == 0 {
			return false
		}
		switch events[len(events)-1].GetEventType() {
		case enumspb.EVENT_TYPE_TIMER_STARTED, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			return true
		}
		return false
	})
	s.recordRun(dir, name, workflowID, "")
}

// recordDone writes the history of workflowID once its run has closed.
func (s *stack) recordDone(dir, name, workflowID string) {
	s.t.Helper()
	s.eventually(60*time.Second, workflowID+" closed", func() bool {
		d, err := s.temporal.DescribeWorkflowExecution(s.ctx, workflowID, "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	})
	s.recordRun(dir, name, workflowID, "")
}

// recordRun writes one run's history into dir/name.
func (s *stack) recordRun(dir, name, workflowID, runID string) {
	s.t.Helper()
	raw, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(&historypb.History{Events: s.history(workflowID, runID)})
	if err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), append(raw, '\n'), 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("recorded %s (%s)", name, workflowID)
}

// history is a run's events ("" runID: the current run).
func (s *stack) history(workflowID, runID string) []*historypb.HistoryEvent {
	s.t.Helper()
	it := s.temporal.GetWorkflowHistory(s.ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil
		}
		events = append(events, e)
	}
	return events
}

// firstRunID is the run workflowID's current run continues, once the
// current run has settled ("" while the first run is still current).
func (s *stack) firstRunID(workflowID string) string {
	s.t.Helper()
	events := s.history(workflowID, "")
	if len(events) == 0 {
		return ""
	}
	return events[0].GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
}
