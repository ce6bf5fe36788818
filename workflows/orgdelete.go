package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// orgDeleteOptions apply to the deletion's activities: they retry until
// they succeed (a deletion accepted is never dropped half-way), and the
// revocation heartbeats after each group.
var orgDeleteOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Hour,
	HeartbeatTimeout:    2 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    5 * time.Minute,
		MaximumAttempts:    0,
	},
}

// OrgDelete is the OrgDeleteWorkflow: for an org already marked as being
// deleted (so nothing grants through it any more), it stops the org's
// schedule and workflows, revokes in Salto KS what doorsync applied, stops
// the workflows again (Temporal's visibility lags a moment behind a
// start) and removes the org's data.
func OrgDelete(ctx workflow.Context, in contract.OrgDeleteInput) (contract.OrgDeleteResult, error) {
	ctx = workflow.WithActivityOptions(ctx, orgDeleteOptions)
	var res contract.OrgDeleteResult
	stop := contract.StopOrgWorkflowsInput{OrgID: in.OrgID, Except: workflow.GetInfo(ctx).WorkflowExecution.ID}
	stopped, err := stopOrgWorkflows(ctx, stop)
	if err != nil {
		return res, err
	}
	res.Stopped += stopped
	var revoked contract.RevokeOrgResult
	if err := workflow.ExecuteActivity(ctx, contract.RevokeOrgActivity, contract.RevokeOrgInput{OrgID: in.OrgID}).Get(ctx, &revoked); err != nil {
		return res, err
	}
	res.Removed = revoked.Removed
	if stopped, err = stopOrgWorkflows(ctx, stop); err != nil {
		return res, err
	}
	res.Stopped += stopped
	err = workflow.ExecuteActivity(ctx, contract.DeleteOrgDataActivity, contract.DeleteOrgDataInput{OrgID: in.OrgID}).Get(ctx, nil)
	if err == nil {
		workflow.GetLogger(ctx).Info("org deleted", "org", in.OrgID, "removed", res.Removed, "stopped", res.Stopped)
	}
	return res, err
}

func stopOrgWorkflows(ctx workflow.Context, in contract.StopOrgWorkflowsInput) (int, error) {
	var res contract.StopOrgWorkflowsResult
	err := workflow.ExecuteActivity(ctx, contract.StopOrgWorkflowsActivity, in).Get(ctx, &res)
	return res.Stopped, err
}
