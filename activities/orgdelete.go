package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/activity"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/internal/saltoconn"
	"doorsync/store"
)

// OrgWorkflows stops what runs in Temporal for an org: its reconcile
// schedule and its running workflows.
type OrgWorkflows interface {
	DeleteSchedule(ctx context.Context, orgID string) error
	TerminateOrgWorkflows(ctx context.Context, orgID, except string) (int, error)
}

// StopOrgWorkflows deletes the org's reconcile schedule and terminates its
// running workflows (access, lifecycle, reconcile), all but the deletion.
func (a *Activities) StopOrgWorkflows(ctx context.Context, in contract.StopOrgWorkflowsInput) (contract.StopOrgWorkflowsResult, error) {
	if a.Orgs == nil {
		return contract.StopOrgWorkflowsResult{}, errors.New("activities: no Temporal client to stop the org's workflows")
	}
	if err := a.Orgs.DeleteSchedule(ctx, in.OrgID); err != nil {
		return contract.StopOrgWorkflowsResult{}, err
	}
	n, err := a.Orgs.TerminateOrgWorkflows(ctx, in.OrgID, in.Except)
	return contract.StopOrgWorkflowsResult{Stopped: n}, err
}

// RevokeOrg removes every Salto KS user doorsync applied for the org from
// each group, the way reconciliation removes (under the group's lock, with
// the applied state forgotten and an audit row per removal). The guard was
// weighed when the deletion was accepted. A retried attempt goes on with
// what is still recorded as applied. An org without a Salto KS connection
// has nothing doorsync can revoke; that is logged and left.
func (a *Activities) RevokeOrg(ctx context.Context, in contract.RevokeOrgInput) (contract.RevokeOrgResult, error) {
	var res contract.RevokeOrgResult
	groups, err := a.Store.AppliedGroupsOfOrg(ctx, in.OrgID)
	if err != nil || len(groups) == 0 {
		return res, err
	}
	client, err := a.Salto.Client(ctx, in.OrgID)
	if errors.Is(err, saltoconn.ErrNotConnected) {
		if a.Log != nil {
			a.Log.WarnContext(ctx, "org deleted without a Salto KS connection: its applied access stays in Salto KS",
				"org", in.OrgID, "groups", len(groups))
		}
		return res, nil
	}
	if err != nil {
		return res, err
	}
	for _, g := range groups {
		n, err := a.revokeGroup(ctx, client, in.OrgID, access.GroupRef{SiteID: g.SiteID, GroupID: g.GroupID})
		res.Removed += n
		if err != nil {
			a.Salto.Record(ctx, in.OrgID, err)
			return res, retryable(err)
		}
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, res)
		}
	}
	return res, nil
}

// revokeGroup removes each Salto KS user applied in one group, once for
// all the org's persons behind it.
func (a *Activities) revokeGroup(ctx context.Context, client saltoGroups, orgID string, g access.GroupRef) (int, error) {
	n := 0
	err := a.Store.WithGroupLock(ctx, orgID, g.SiteID, g.GroupID, func() error {
		rows, err := a.Store.AppliedInGroup(ctx, orgID, g.SiteID, g.GroupID)
		if err != nil {
			return err
		}
		var users []string
		persons := map[string][]store.SaltoIdentity{}
		for _, r := range rows {
			if _, seen := persons[r.UserID]; !seen {
				users = append(users, r.UserID)
			}
			persons[r.UserID] = append(persons[r.UserID], store.SaltoIdentity{Person: r.Person, SiteID: r.SiteID, UserID: r.UserID})
		}
		for _, u := range users {
			rm := ReportPerson{SaltoUserID: u, Person: persons[u][0].Person}
			if err := a.removeMember(ctx, client, orgID, g, rm, persons[u], TriggerReconcile, workflowOf(ctx)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// DeleteOrgData removes the org's rows, once its deletion began.
func (a *Activities) DeleteOrgData(ctx context.Context, in contract.DeleteOrgDataInput) error {
	deleted, err := a.Store.DeleteOrgData(ctx, in.OrgID)
	if err == nil && !deleted && a.Log != nil {
		a.Log.InfoContext(ctx, "org data already gone, or the org is not being deleted", "org", in.OrgID)
	}
	return err
}
