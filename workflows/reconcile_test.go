package workflows

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// reconcileEnv is a test environment with the reconcile activities
// recorded; reconcileOrg decides what ReconcileOrg answers.
type reconcileEnv struct {
	env     *testsuite.TestWorkflowEnvironment
	passes  recorder[contract.ReconcileOrgInput]
	finish  recorder[contract.FinishRunInput]
	holds   recorder[contract.ApplyHoldInput]
	attempt int
}

func newReconcileEnv(t *testing.T, reconcileOrg func(attempt int) (contract.ReconcileOrgResult, error)) *reconcileEnv {
	var s testsuite.WorkflowTestSuite
	re := &reconcileEnv{env: s.NewTestWorkflowEnvironment()}
	re.env.RegisterWorkflowWithOptions(Reconcile, workflow.RegisterOptions{Name: contract.ReconcileWorkflow})
	re.env.RegisterActivityWithOptions(func(ctx context.Context, in contract.ReconcileOrgInput) (contract.ReconcileOrgResult, error) {
		re.passes.add(re.env, in)
		re.attempt++
		return reconcileOrg(re.attempt)
	}, activity.RegisterOptions{Name: contract.ReconcileOrgActivity})
	re.env.RegisterActivityWithOptions(func(ctx context.Context, in contract.FinishRunInput) error {
		re.finish.add(re.env, in)
		return nil
	}, activity.RegisterOptions{Name: contract.FinishRunActivity})
	re.env.RegisterActivityWithOptions(func(ctx context.Context, in contract.ApplyHoldInput) (contract.ApplyHoldResult, error) {
		re.holds.add(re.env, in)
		return contract.ApplyHoldResult{Removed: 3}, nil
	}, activity.RegisterOptions{Name: contract.ApplyHoldActivity})
	return re
}

func TestReconcileRecordsAScheduledRun(t *testing.T) {
	want := contract.ReconcileOrgResult{Groups: 4, Adds: 2, Removes: 1, Applied: 3, Restarted: 1,
		Problems: []contract.GroupProblem{{SiteID: "s1", GroupID: "g1", Problem: "gone"}}}
	re := newReconcileEnv(t, func(int) (contract.ReconcileOrgResult, error) { return want, nil })
	re.env.ExecuteWorkflow(contract.ReconcileWorkflow, contract.ReconcileInput{OrgID: "acme"})
	if err := re.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	passes := re.passes.ins()
	runID := passes[0].RunID
	if len(passes) != 1 || runID == "" || passes[0].Trigger != "schedule" || passes[0].DryRun || passes[0].OrgID != "acme" {
		t.Fatalf("passes = %+v", passes)
	}
	finish := re.finish.ins()
	if len(finish) != 1 || finish[0].RunID != runID || !reflect.DeepEqual(finish[0].Result, want) || finish[0].Error != "" {
		t.Fatalf("finish = %+v", finish)
	}
	var got contract.ReconcileOrgResult
	re.env.GetWorkflowResult(&got)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("result = %+v, want %+v", got, want)
	}
}

func TestReconcileRetriesAPassAndRecordsAFailure(t *testing.T) {
	re := newReconcileEnv(t, func(attempt int) (contract.ReconcileOrgResult, error) {
		if attempt == 1 {
			return contract.ReconcileOrgResult{}, errors.New("salto 503")
		}
		return contract.ReconcileOrgResult{}, temporal.NewNonRetryableApplicationError("not connected", "NotConnected", nil)
	})
	re.env.ExecuteWorkflow(contract.ReconcileWorkflow, contract.ReconcileInput{OrgID: "acme", RunID: "run1", DryRun: true, Trigger: "manual"})
	if re.env.GetWorkflowError() == nil {
		t.Fatal("a pass that cannot succeed did not fail the run")
	}
	if n := len(re.passes.ins()); n != 2 {
		t.Fatalf("ReconcileOrg ran %d times, want 2 (one retry, then a non-retryable error)", n)
	}
	in := re.passes.ins()[1]
	if in.RunID != "run1" || !in.DryRun || in.Trigger != "manual" {
		t.Fatalf("pass input = %+v", in)
	}
	finish := re.finish.ins()
	if len(finish) != 1 || finish[0].RunID != "run1" || finish[0].Error == "" {
		t.Fatalf("a failed run was not recorded as failed: %+v", finish)
	}
}

func TestReconcileAppliesAnApprovedHold(t *testing.T) {
	re := newReconcileEnv(t, func(int) (contract.ReconcileOrgResult, error) {
		t.Error("a hold approval ran a full pass")
		return contract.ReconcileOrgResult{}, nil
	})
	re.env.ExecuteWorkflow(contract.ReconcileWorkflow, contract.ReconcileInput{OrgID: "acme", HoldID: "hold_1"})
	if err := re.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if holds := re.holds.ins(); len(holds) != 1 || holds[0] != (contract.ApplyHoldInput{OrgID: "acme", HoldID: "hold_1"}) {
		t.Fatalf("ApplyHold calls = %+v", holds)
	}
}
