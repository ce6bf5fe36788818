package reconciler_test

import (
	"context"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
	"doorsync/internal/reconciler"
	"doorsync/internal/testenv"
)

// syncUntilDone stands in for the PlatformSyncWorkflow: it runs until
// signalled (or terminated).
func syncUntilDone(ctx workflow.Context, _ contract.PlatformSyncInput) (contract.PlatformSyncResult, error) {
	workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
	return contract.PlatformSyncResult{}, nil
}

// StartPlatformSync starts the full backfill run and the schedule; a
// second call (a reconnection) replaces the running backfill with a fresh
// one and updates the schedule;
// StopPlatformSync deletes the schedule and terminates the backfill, and
// stopping again is no error.
func TestStartAndStopPlatformSync(t *testing.T) {
	ctx := context.Background()
	c := testenv.Temporal(t).Client(t)
	queue := testenv.TaskQueue(t)
	testenv.StartWorker(t, c, queue, func(r worker.Registry) {
		r.RegisterWorkflowWithOptions(syncUntilDone, workflow.RegisterOptions{Name: contract.PlatformSyncWorkflow})
	})
	rec := &reconciler.Reconciler{Client: c, TaskQueue: queue}
	org := "ps-" + testenv.UniqueName()
	if err := rec.StartPlatformSync(ctx, org, time.Hour); err != nil {
		t.Fatal(err)
	}
	first := describe(t, c, contract.PlatformSyncWorkflowID(org))
	if first.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("backfill is %v, want running", first.GetWorkflowExecutionInfo().GetStatus())
	}
	if err := rec.StartPlatformSync(ctx, org, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	// A second start is a reconnection: the backfill of the old account
	// is replaced by a fresh one.
	again := describe(t, c, contract.PlatformSyncWorkflowID(org))
	if got, old := again.GetWorkflowExecutionInfo().GetExecution().GetRunId(), first.GetWorkflowExecutionInfo().GetExecution().GetRunId(); got == old {
		t.Fatalf("second start left the old backfill running (run %s)", got)
	}
	if st := again.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("the new backfill is %v, want running", st)
	}
	sched, err := c.ScheduleClient().GetHandle(ctx, contract.PlatformSyncScheduleID(org)).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if every := sched.Schedule.Spec.Intervals[0].Every; every != 10*time.Minute {
		t.Fatalf("schedule every %v, want the updated 10m", every)
	}
	if p := sched.Schedule.Policy.Overlap; p != enumspb.SCHEDULE_OVERLAP_POLICY_SKIP {
		t.Fatalf("overlap policy %v, want skip", p)
	}
	action := sched.Schedule.Action.(*client.ScheduleWorkflowAction)
	if action.Workflow != contract.PlatformSyncWorkflow {
		t.Fatalf("schedule starts %v", action.Workflow)
	}

	if err := rec.StopPlatformSync(ctx, org); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ScheduleClient().GetHandle(ctx, contract.PlatformSyncScheduleID(org)).Describe(ctx); err == nil {
		t.Fatal("schedule still there after StopPlatformSync")
	}
	stopped := describe(t, c, contract.PlatformSyncWorkflowID(org))
	if s := stopped.GetWorkflowExecutionInfo().GetStatus(); s != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		t.Fatalf("backfill is %v after StopPlatformSync, want terminated", s)
	}
	if err := rec.StopPlatformSync(ctx, org); err != nil {
		t.Fatalf("stopping again: %v", err)
	}
}

func describe(t *testing.T, c client.Client, id string) *workflowservice.DescribeWorkflowExecutionResponse {
	t.Helper()
	d, err := c.DescribeWorkflowExecution(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// SyncPlatformNow starts a manual full run carrying the approval, and
// leaves a run going on alone.
func TestSyncPlatformNow(t *testing.T) {
	ctx := context.Background()
	c := testenv.Temporal(t).Client(t)
	queue := testenv.TaskQueue(t)
	testenv.StartWorker(t, c, queue, func(r worker.Registry) {
		r.RegisterWorkflowWithOptions(syncUntilDone, workflow.RegisterOptions{Name: contract.PlatformSyncWorkflow})
	})
	rec := &reconciler.Reconciler{Client: c, TaskQueue: queue}
	org := "psn-" + testenv.UniqueName()
	if started, err := rec.SyncPlatformNow(ctx, org, true); err != nil || !started {
		t.Fatalf("SyncPlatformNow = %v, %v; want started", started, err)
	}
	if started, err := rec.SyncPlatformNow(ctx, org, false); err != nil || started {
		t.Fatalf("SyncPlatformNow while a run goes on = %v, %v; want left alone", started, err)
	}
	if err := c.SignalWorkflow(ctx, contract.PlatformSyncWorkflowID(org), "", "done", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.GetWorkflow(ctx, contract.PlatformSyncWorkflowID(org), "").Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if started, err := rec.SyncPlatformNow(ctx, org, false); err != nil || !started {
		t.Fatalf("SyncPlatformNow after the run ended = %v, %v; want started", started, err)
	}
}
