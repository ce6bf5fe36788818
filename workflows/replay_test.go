package workflows

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// The histories in testdata were recorded on a real Temporal dev server
// and are replayed against the workflows as they are now: a change that
// would break the replay of a run started by an older doorsync (a
// non-deterministic change) fails here.
//
// Recorded by internal/e2e's TestRecordHistories (see there to record
// afresh), one per workflow type and path:
//
//   - access-apply-and-remove: an apply, then a poke that removes;
//     access-retry: the local attempt and the activity's first attempt
//     fail (503); access-retry-after, access-activity-retry-after: a 429's
//     Retry-After met by the local attempt or by the regular activity,
//     waited out; access-continue-as-new: a run that continued as new
//     (a dev server suggesting it after 20 events).
//   - membership-, booking-, day-pass-window(-and-use): started with a
//     change ahead, through its transitions (a day pass's last pass used
//     on the way) to its end; -rescheduled: moved while its run waited;
//     -deleted: deleted while its run waited, found gone at its alarm.
//   - reconcile-drift: a run that repairs a user added by hand;
//     reconcile-held: a run that holds a group whose memberships all went;
//     reconcile-hold-approved: the approval applying that hold.
//   - org-delete: an org's deletion.
//
// Recorded by hand before TestRecordHistories (their runs still replay):
//
//   - access-v0-* and access-v1-*-retry-after-poke: a 429 on the first
//     apply (Retry-After 3 s) and a poke one second into the wait, locally
//     first and as a regular activity; v0 before pokes ended Retry-After
//     waits (their runs replay the deaf sleep they had), v1 after.
//   - access-v1-scheduled-check: before AccessInput.NoAlarm, a booking's
//     member whose run woke at the window's instants by itself.
//   - lifecycle-v0-booking-rescheduled: before LifecycleInput.KeepsTime,
//     a booking with a guest rescheduled while its run waited, through its
//     window to its end.

// TestHistoriesReplay replays every recorded history with every workflow
// registered as the worker registers it (Definitions).
func TestHistoriesReplay(t *testing.T) {
	for _, f := range histories(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			for _, d := range Definitions() {
				r.RegisterWorkflowWithOptions(d.Fn, workflow.RegisterOptions{Name: d.Name})
			}
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay: %v", err)
			}
		})
	}
}

// TestEveryWorkflowTypeHasARecordedHistory keeps the replay honest: a
// workflow type with no recorded history would never be checked.
func TestEveryWorkflowTypeHasARecordedHistory(t *testing.T) {
	recorded := map[string]int{}
	for _, f := range histories(t) {
		recorded[workflowType(t, f)]++
	}
	for _, d := range Definitions() {
		if recorded[d.Name] == 0 {
			t.Errorf("no recorded history of %s in testdata (record one with internal/e2e's TestRecordHistories)", d.Name)
		}
	}
}

// TestReplayCatchesNonDeterminism proves the replay fails on a changed
// workflow: every history is replayed against its workflow altered to
// start with a one-second timer, a command no recorded run gave, and the
// replayer must report the mismatch.
func TestReplayCatchesNonDeterminism(t *testing.T) {
	for _, f := range histories(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			for _, d := range Definitions() {
				r.RegisterWorkflowWithOptions(withExtraTimer(t, d.Fn), workflow.RegisterOptions{Name: d.Name})
			}
			err := r.ReplayWorkflowHistoryFromJSONFile(nil, f)
			if err == nil {
				t.Fatal("a workflow that starts with an extra timer replayed the history without error")
			}
			if !strings.Contains(err.Error(), "TMPRL1100") { // the SDK's code for non-determinism
				t.Fatalf("replay error = %v, want a non-determinism error", err)
			}
		})
	}
}

// withExtraTimer returns fn changed to sleep a second before it starts.
// A workflow of a signature it does not know fails the test: extend it.
func withExtraTimer(t *testing.T, fn any) any {
	t.Helper()
	sleep := func(ctx workflow.Context) error { return workflow.Sleep(ctx, time.Second) }
	switch fn := fn.(type) {
	case func(workflow.Context, contract.AccessInput) error:
		return func(ctx workflow.Context, in contract.AccessInput) error {
			if err := sleep(ctx); err != nil {
				return err
			}
			return fn(ctx, in)
		}
	case func(workflow.Context, contract.LifecycleInput) error:
		return func(ctx workflow.Context, in contract.LifecycleInput) error {
			if err := sleep(ctx); err != nil {
				return err
			}
			return fn(ctx, in)
		}
	case func(workflow.Context, contract.ReconcileInput) (contract.ReconcileOrgResult, error):
		return func(ctx workflow.Context, in contract.ReconcileInput) (contract.ReconcileOrgResult, error) {
			if err := sleep(ctx); err != nil {
				return contract.ReconcileOrgResult{}, err
			}
			return fn(ctx, in)
		}
	case func(workflow.Context, contract.OrgDeleteInput) (contract.OrgDeleteResult, error):
		return func(ctx workflow.Context, in contract.OrgDeleteInput) (contract.OrgDeleteResult, error) {
			if err := sleep(ctx); err != nil {
				return contract.OrgDeleteResult{}, err
			}
			return fn(ctx, in)
		}
	case func(workflow.Context, contract.PlatformSyncInput) (contract.PlatformSyncResult, error):
		return func(ctx workflow.Context, in contract.PlatformSyncInput) (contract.PlatformSyncResult, error) {
			if err := sleep(ctx); err != nil {
				return contract.PlatformSyncResult{}, err
			}
			return fn(ctx, in)
		}
	}
	t.Fatalf("withExtraTimer does not know a workflow of type %T", fn)
	return nil
}

// histories are the recorded histories in testdata.
func histories(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded histories: %v", err)
	}
	return files
}

// workflowType is the workflow type a recorded history ran.
func workflowType(t *testing.T, file string) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Events []struct {
			Started *struct {
				WorkflowType struct{ Name string } `json:"workflowType"`
			} `json:"workflowExecutionStartedEventAttributes"`
		} `json:"events"`
	}
	if err := json.Unmarshal(raw, &h); err != nil || len(h.Events) == 0 || h.Events[0].Started == nil {
		t.Fatalf("%s: not a recorded history (%v)", file, err)
	}
	return h.Events[0].Started.WorkflowType.Name
}
