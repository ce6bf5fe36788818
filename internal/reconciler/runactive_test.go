package reconciler_test

import (
	"context"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
	"doorsync/internal/reconciler"
	"doorsync/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// waitForDone stands in for the ReconcileWorkflow: it runs until signalled.
func waitForDone(ctx workflow.Context, _ contract.ReconcileInput) (contract.ReconcileOrgResult, error) {
	workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
	return contract.ReconcileOrgResult{}, nil
}

// TestRunActiveAsksTemporal: a manual run's and a scheduled run's
// workflows are active while they run, and not once they have ended; a
// run whose workflow never started is not.
func TestRunActiveAsksTemporal(t *testing.T) {
	ctx := context.Background()
	c := testenv.Temporal(t).Client(t)
	queue := testenv.TaskQueue(t)
	testenv.StartWorker(t, c, queue, func(r worker.Registry) {
		r.RegisterWorkflowWithOptions(waitForDone, workflow.RegisterOptions{Name: contract.ReconcileWorkflow})
	})
	rec := &reconciler.Reconciler{Client: c, TaskQueue: queue}
	if _, err := rec.Reconcile(ctx, contract.ReconcileInput{OrgID: "a", RunID: "run_1", Trigger: "manual"}, false); err != nil {
		t.Fatal(err)
	}
	scheduled := "reconcile:a:scheduled-2026-12-03T16:00:00Z"
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: scheduled, TaskQueue: queue},
		contract.ReconcileWorkflow, contract.ReconcileInput{OrgID: "a"}); err != nil {
		t.Fatal(err)
	}
	runs := []struct{ workflowID, runID, trigger string }{
		{contract.ReconcileWorkflowID("a") + ":run_1", "run_1", "manual"},
		{scheduled, scheduled, "schedule"},
	}
	for _, r := range runs {
		if active, err := rec.RunActive(ctx, "a", r.runID, r.trigger); err != nil || !active {
			t.Fatalf("RunActive(%s) = %v, %v while it runs", r.runID, active, err)
		}
		if err := c.SignalWorkflow(ctx, r.workflowID, "", "done", nil); err != nil {
			t.Fatal(err)
		}
		if err := c.GetWorkflow(ctx, r.workflowID, "").Get(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if active, err := rec.RunActive(ctx, "a", r.runID, r.trigger); err != nil || active {
			t.Fatalf("RunActive(%s) = %v, %v once it ended", r.runID, active, err)
		}
	}
	if active, err := rec.RunActive(ctx, "a", "run_never", "manual"); err != nil || active {
		t.Fatalf("RunActive of a run never started = %v, %v", active, err)
	}
}
