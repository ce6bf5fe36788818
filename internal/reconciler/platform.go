package reconciler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"doorsync/contract"
)

// platformSyncKind is the EntityKind search attribute of platform sync
// runs.
const platformSyncKind = "platform_sync"

// StartPlatformSync starts the org's full backfill run
// (platform-sync:{org}; one still running from an earlier connection is
// terminated, its cursors belong to the old account) and creates
// or updates the org's platform sync schedule: a run every interval,
// overlapping runs skipped. A scheduled run finding the backfill still
// going on ends at once (the org's sync is taken: see the
// PlatformStreams activity).
func (r *Reconciler) StartPlatformSync(ctx context.Context, orgID string, every time.Duration) error {
	id := contract.PlatformSyncWorkflowID(orgID)
	_, err := r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: r.TaskQueue, TypedSearchAttributes: platformSearchAttributes(orgID),
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING,
	}, contract.PlatformSyncWorkflow, contract.PlatformSyncInput{OrgID: orgID, Full: true, Trigger: contract.PlatformTriggerConnect})
	if err != nil {
		return fmt.Errorf("reconciler: start %s: %w", id, err)
	}
	return r.EnsurePlatformSchedule(ctx, orgID, every)
}

// EnsurePlatformSchedule creates the org's platform sync schedule (every
// interval, overlapping runs skipped), or updates it to that interval,
// starting no run: for a change of the org's platform_sync_interval, and
// for a worker making sure its connected orgs' schedules exist.
func (r *Reconciler) EnsurePlatformSchedule(ctx context.Context, orgID string, every time.Duration) error {
	return r.ensureSchedule(ctx, contract.PlatformSyncScheduleID(orgID), every, r.platformAction(orgID))
}

func (r *Reconciler) platformAction(orgID string) *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		ID: contract.PlatformSyncWorkflowID(orgID) + ":scheduled", Workflow: contract.PlatformSyncWorkflow,
		Args:      []any{contract.PlatformSyncInput{OrgID: orgID, Trigger: contract.PlatformTriggerSchedule}},
		TaskQueue: r.TaskQueue, TypedSearchAttributes: platformSearchAttributes(orgID),
	}
}

func platformSearchAttributes(orgID string) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(contract.OrgIDKey.ValueSet(orgID), contract.EntityKindKey.ValueSet(platformSyncKind))
}

// StopPlatformSync deletes the org's platform sync schedule and
// terminates its running sync runs: the backfill and what the schedule
// started. Nothing to stop is no error.
func (r *Reconciler) StopPlatformSync(ctx context.Context, orgID string) error {
	running, err := r.scheduledRuns(ctx, contract.PlatformSyncScheduleID(orgID))
	if err != nil {
		return err
	}
	if err := r.deleteSchedule(ctx, contract.PlatformSyncScheduleID(orgID)); err != nil {
		return err
	}
	for _, id := range append(running, contract.PlatformSyncWorkflowID(orgID)) {
		err := r.Client.TerminateWorkflow(ctx, id, "", "platform disconnected")
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("reconciler: terminate %s: %w", id, err)
		}
	}
	return nil
}

// scheduledRuns are the workflow ids of a schedule's running runs (none
// when there is no such schedule).
func (r *Reconciler) scheduledRuns(ctx context.Context, scheduleID string) ([]string, error) {
	d, err := r.Client.ScheduleClient().GetHandle(ctx, scheduleID).Describe(ctx)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reconciler: describe schedule %s: %w", scheduleID, err)
	}
	var ids []string
	for _, w := range d.Info.RunningWorkflows {
		ids = append(ids, w.WorkflowID)
	}
	return ids, nil
}

// SyncPlatformNow starts a full sync run of the org now (platform-sync:{org}),
// with approveRemovals the operator's approval of the deletions the
// mass-removal guard held. It reports whether it started one: a run
// already going on is left alone (false).
func (r *Reconciler) SyncPlatformNow(ctx context.Context, orgID string, approveRemovals bool) (bool, error) {
	id := contract.PlatformSyncWorkflowID(orgID)
	_, err := r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: r.TaskQueue, TypedSearchAttributes: platformSearchAttributes(orgID),
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL, WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, contract.PlatformSyncWorkflow, contract.PlatformSyncInput{OrgID: orgID, Full: true, Trigger: contract.PlatformTriggerManual,
		ApproveRemovals: approveRemovals})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reconciler: start %s: %w", id, err)
	}
	return true, nil
}
