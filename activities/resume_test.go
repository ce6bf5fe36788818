package activities_test

import (
	"log/slog"
	"slices"
	"strings"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"doorsync/contract"
	"doorsync/internal/testenv"
)

// Heartbeat details a retried attempt cannot read (here: a report, under
// its key "plan", that is not one, after a group index that decodes) are logged and counted, and
// the run starts over from the first group rather than skipping it.
func TestUnreadableHeartbeatIsLoggedCountedAndStartsOver(t *testing.T) {
	e := newEnv(t)
	intruder := e.handAdd(groupA, "a@example.com")
	logs := &testenv.SyncBuffer{}
	e.acts.Log = slog.New(slog.NewTextHandler(logs, nil))
	before := testenv.CounterValue(t, "doorsync_reconcile_resume_failures_total")

	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(e.acts.ReconcileOrg)
	env.SetHeartbeatDetails(map[string]any{"next_group": 1, "plan": "not a plan"})
	val, err := env.ExecuteActivity(e.acts.ReconcileOrg, contract.ReconcileOrgInput{OrgID: org, RunID: "run1", Trigger: "schedule"})
	if err != nil {
		t.Fatal(err)
	}
	var res contract.ReconcileOrgResult
	if err := val.Get(&res); err != nil {
		t.Fatal(err)
	}

	if slices.Contains(e.fake.GroupMembers(london, groupA), intruder) || res.Removes != 2 || res.Groups != 1 { // the intruder and the seed's staff user
		t.Errorf("result = %+v: want the run started over and group A repaired", res)
	}
	if got := testenv.CounterValue(t, "doorsync_reconcile_resume_failures_total"); got != before+1 {
		t.Errorf("resume failures = %v, want %v", got, before+1)
	}
	if l := logs.String(); !strings.Contains(l, "heartbeat details unreadable") || !strings.Contains(l, "run=run1") {
		t.Errorf("logs = %q, want the unreadable details logged with the run", l)
	}
}
