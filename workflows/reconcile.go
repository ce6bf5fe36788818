package workflows

import (
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// Reconcile is the ReconcileWorkflow: one reconciliation pass over an org
// (started by its schedule or on demand), or the application of an
// approved hold. The run is recorded as finished, failed or not.
func Reconcile(ctx workflow.Context, in contract.ReconcileInput) (contract.ReconcileOrgResult, error) {
	ctx = workflow.WithActivityOptions(ctx, reconcileOptions)
	if in.HoldID != "" {
		return contract.ReconcileOrgResult{}, applyHold(ctx, in)
	}
	runID := in.RunID
	if runID == "" { // scheduled: the schedule names each run's workflow
		runID = workflow.GetInfo(ctx).WorkflowExecution.ID
	}
	trigger := in.Trigger
	if trigger == "" {
		trigger = "schedule"
	}
	var res contract.ReconcileOrgResult
	err := workflow.ExecuteActivity(ctx, contract.ReconcileOrgActivity, contract.ReconcileOrgInput{
		OrgID: in.OrgID, RunID: runID, DryRun: in.DryRun, Trigger: trigger, At: workflow.Now(ctx),
	}).Get(ctx, &res)
	finish := contract.FinishRunInput{OrgID: in.OrgID, RunID: runID, Result: res}
	if err != nil {
		finish.Error = err.Error()
		workflow.GetLogger(ctx).Error("reconciliation failed", "org", in.OrgID, "run", runID, "error", err)
	}
	if ferr := workflow.ExecuteActivity(withLoadOptions(ctx), contract.FinishRunActivity, finish).Get(ctx, nil); ferr != nil {
		return res, ferr
	}
	return res, err
}

func applyHold(ctx workflow.Context, in contract.ReconcileInput) error {
	var res contract.ApplyHoldResult
	err := workflow.ExecuteActivity(ctx, contract.ApplyHoldActivity, contract.ApplyHoldInput{OrgID: in.OrgID, HoldID: in.HoldID}).Get(ctx, &res)
	if err == nil {
		workflow.GetLogger(ctx).Info("hold applied", "org", in.OrgID, "hold", in.HoldID, "removed", res.Removed)
	}
	return err
}
