package reconciler

import (
	"context"
	"fmt"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"doorsync/contract"
)

// DeleteOrg starts the org's OrgDeleteWorkflow; one already running for
// the org is left to go on (a repeated request).
func (r *Reconciler) DeleteOrg(ctx context.Context, orgID string) error {
	id := contract.OrgDeleteWorkflowID(orgID)
	_, err := r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: r.TaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(contract.OrgIDKey.ValueSet(orgID),
			contract.EntityKindKey.ValueSet("org_delete")),
	}, contract.OrgDeleteWorkflow, contract.OrgDeleteInput{OrgID: orgID})
	if err != nil {
		return fmt.Errorf("reconciler: start %s: %w", id, err)
	}
	return nil
}

// TerminateOrgWorkflows terminates every running workflow of the org
// (by its OrgId search attribute) except the one with id except, and says
// how many it terminated. Visibility may lag a moment behind a start, so
// a caller that must leave nothing running asks again later.
func (r *Reconciler) TerminateOrgWorkflows(ctx context.Context, orgID, except string) (int, error) {
	query := fmt.Sprintf("OrgId = '%s' AND ExecutionStatus = 'Running'", orgID)
	n := 0
	var token []byte
	for {
		resp, err := r.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token, PageSize: 1000})
		if err != nil {
			return n, fmt.Errorf("reconciler: list running workflows of %s: %w", orgID, err)
		}
		for _, e := range resp.GetExecutions() {
			id := e.GetExecution().GetWorkflowId()
			if id == except {
				continue
			}
			err := r.Client.TerminateWorkflow(ctx, id, e.GetExecution().GetRunId(), "org deleted")
			if err != nil && !isNotFound(err) {
				return n, fmt.Errorf("reconciler: terminate %s: %w", id, err)
			}
			n++
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return n, nil
		}
	}
}
