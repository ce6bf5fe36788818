// Package reconciler starts doorsync's ReconcileWorkflow: on demand, for an
// approved hold, and from each org's Temporal Schedule, which it keeps in
// step with the org's reconcile interval. It also answers which lifecycle
// workflows are running, for reconciliation to restart missing ones.
package reconciler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"doorsync/access"
	"doorsync/contract"
)

// Reconciler talks to Temporal for reconciliation.
type Reconciler struct {
	Client    client.Client
	TaskQueue string
}

// Reconcile starts a ReconcileWorkflow; with wait it blocks until the run
// ends and returns its result.
func (r *Reconciler) Reconcile(ctx context.Context, in contract.ReconcileInput, wait bool) (contract.ReconcileOrgResult, error) {
	id := contract.ReconcileWorkflowID(in.OrgID) + ":" + in.RunID
	if in.HoldID != "" {
		id = contract.ReconcileWorkflowID(in.OrgID) + ":" + in.HoldID
	}
	run, err := r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: r.TaskQueue, TypedSearchAttributes: searchAttributes(in.OrgID),
	}, contract.ReconcileWorkflow, in)
	if err != nil {
		return contract.ReconcileOrgResult{}, fmt.Errorf("reconciler: start %s: %w", id, err)
	}
	var res contract.ReconcileOrgResult
	if !wait {
		return res, nil
	}
	if err := run.Get(ctx, &res); err != nil {
		return res, fmt.Errorf("reconciler: %s: %w", id, err)
	}
	return res, nil
}

// RunActive says whether the workflow of a reconcile run still runs: a
// scheduled run's id is its workflow's, a manual one's is in it.
func (r *Reconciler) RunActive(ctx context.Context, orgID, runID, trigger string) (bool, error) {
	id := contract.ReconcileWorkflowID(orgID) + ":" + runID
	if trigger == "schedule" {
		id = runID
	}
	d, err := r.Client.DescribeWorkflowExecution(ctx, id, "")
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reconciler: describe %s: %w", id, err)
	}
	return d.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING, nil
}

func searchAttributes(orgID string) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(contract.OrgIDKey.ValueSet(orgID), contract.EntityKindKey.ValueSet("reconcile"))
}

// EnsureSchedule creates the org's reconcile schedule (every interval,
// overlapping runs skipped), or updates it to that interval.
func (r *Reconciler) EnsureSchedule(ctx context.Context, orgID string, every time.Duration) error {
	return r.ensureSchedule(ctx, contract.ReconcileScheduleID(orgID), every, r.scheduledAction(orgID))
}

// ensureSchedule creates the schedule id (every interval, overlapping runs
// skipped, starting action), or updates it to that.
func (r *Reconciler) ensureSchedule(ctx context.Context, id string, every time.Duration, action *client.ScheduleWorkflowAction) error {
	sc := r.Client.ScheduleClient()
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}}
	_, err := sc.Create(ctx, client.ScheduleOptions{
		ID: id, Spec: spec, Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP, Action: action,
	})
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		if err != nil {
			return fmt.Errorf("reconciler: create schedule %s: %w", id, err)
		}
		return nil
	}
	err = sc.GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec = &spec
			s.Action = action
			if s.Policy == nil {
				s.Policy = &client.SchedulePolicies{}
			}
			s.Policy.Overlap = enums.SCHEDULE_OVERLAP_POLICY_SKIP
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("reconciler: update schedule %s: %w", id, err)
	}
	return nil
}

func (r *Reconciler) scheduledAction(orgID string) *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		ID: contract.ReconcileWorkflowID(orgID) + ":scheduled", Workflow: contract.ReconcileWorkflow,
		Args:      []any{contract.ReconcileInput{OrgID: orgID, Trigger: "schedule"}},
		TaskQueue: r.TaskQueue, TypedSearchAttributes: searchAttributes(orgID),
	}
}

// DeleteSchedule removes the org's reconcile and platform sync schedules
// (nothing of what it lacks): the org is being deleted.
func (r *Reconciler) DeleteSchedule(ctx context.Context, orgID string) error {
	for _, id := range []string{contract.ReconcileScheduleID(orgID), contract.PlatformSyncScheduleID(orgID)} {
		if err := r.deleteSchedule(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func (r *Reconciler) deleteSchedule(ctx context.Context, id string) error {
	err := r.Client.ScheduleClient().GetHandle(ctx, id).Delete(ctx)
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("reconciler: delete schedule %s: %w", id, err)
	}
	return nil
}

// lifecycleKindList is access.LifecycleKinds as a visibility query's list.
var lifecycleKindList = func() string {
	quoted := make([]string, len(access.LifecycleKinds))
	for i, k := range access.LifecycleKinds {
		quoted[i] = "'" + string(k) + "'"
	}
	return strings.Join(quoted, ", ")
}()

// RunningLifecycles returns the ids of the org's running lifecycle
// workflows, from Temporal's visibility store (which may lag a moment:
// reconciliation restarting a workflow that just started only pokes it).
func (r *Reconciler) RunningLifecycles(ctx context.Context, orgID string) (map[string]bool, error) {
	query := fmt.Sprintf("OrgId = '%s' AND ExecutionStatus = 'Running' AND EntityKind IN (%s)", orgID, lifecycleKindList)
	running := map[string]bool{}
	var token []byte
	for {
		resp, err := r.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token, PageSize: 1000})
		if err != nil {
			return nil, fmt.Errorf("reconciler: list running workflows of %s: %w", orgID, err)
		}
		for _, e := range resp.GetExecutions() {
			running[e.GetExecution().GetWorkflowId()] = true
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return running, nil
		}
	}
}
