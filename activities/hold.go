package activities

import (
	"context"
	"time"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/store"
)

// ApplyHold makes the removals of an approved hold that are still due: it
// compares the group afresh (Salto KS members and the org's data now) and
// removes only the users both the hold and the fresh comparison remove. Under
// no_access_policy "suspend" it then pokes the persons it removed, whose
// access workflows suspend the users left with nothing applied.
func (a *Activities) ApplyHold(ctx context.Context, in contract.ApplyHoldInput) (contract.ApplyHoldResult, error) {
	h, err := a.Store.GetHold(ctx, in.OrgID, in.HoldID)
	if err != nil || h.Status != store.HoldApproved {
		return contract.ApplyHoldResult{}, err
	}
	rc, err := a.newReconcile(ctx, contract.ReconcileOrgInput{OrgID: in.OrgID, Trigger: "approval"})
	if err != nil {
		return contract.ApplyHoldResult{}, err
	}
	g := access.GroupRef{SiteID: h.SiteID, GroupID: h.GroupID}
	members, err := rc.listMembers(ctx, g)
	if err != nil {
		return contract.ApplyHoldResult{}, retryable(err)
	}
	ids, err := rc.identities(ctx, g.SiteID)
	if err != nil {
		return contract.ApplyHoldResult{}, err
	}
	held := map[string]bool{}
	for _, r := range h.Remove {
		held[r.SaltoUserID] = true
	}
	var res contract.ApplyHoldResult
	for _, rm := range rc.compareGroup(g, members, ids).Remove {
		if !held[rm.SaltoUserID] {
			continue
		}
		if err := a.removeMember(ctx, rc.client, in.OrgID, g, rm, ids.byUser[rm.SaltoUserID], TriggerReconcile, workflowOf(ctx)); err != nil {
			return res, retryable(err)
		}
		res.Removed++
		rc.pokeToSuspend(ids.byUser[rm.SaltoUserID])
	}
	if len(rc.pokes) > 0 {
		if _, err := a.Store.QueuePokes(ctx, in.OrgID, rc.pokes); err != nil {
			return res, err
		}
	}
	return res, nil
}

// pokeToSuspend pokes the persons behind a removed user when the org
// suspends users left without access.
func (rc *reconcile) pokeToSuspend(persons []store.SaltoIdentity) {
	if rc.org.Settings.NoAccessPolicy != policySuspend {
		return
	}
	for _, id := range persons {
		rc.poke(id.Person, "hold applied: suspend if nothing is applied")
	}
}

// expireOverdueHolds expires the org's pending holds no operator decided
// in time, every group's, so each run makes them visible (a hold's status
// and problem) even where nothing else changes. A dry run changes nothing.
func (rc *reconcile) expireOverdueHolds(ctx context.Context) error {
	if rc.in.DryRun {
		return nil
	}
	return rc.a.expireHolds(ctx, rc.org.ID, rc.org.Settings.RemovalGuard, access.GroupRef{}, TriggerReconcile)
}

// FinishRun records the outcome of a reconciliation run.
func (a *Activities) FinishRun(ctx context.Context, in contract.FinishRunInput) error {
	summary := map[string]any{"groups": in.Result.Groups, "adds": in.Result.Adds, "removes": in.Result.Removes,
		"held": in.Result.Held, "applied": in.Result.Applied, "lifecycles_restarted": in.Result.Restarted,
		"problems": nonNilProblems(in.Result.Problems)}
	if err := a.Store.FinishRun(ctx, in.OrgID, in.RunID, summary, in.Error); err != nil {
		return err
	}
	return a.prune(ctx, in.OrgID)
}

func nonNilProblems(p []contract.GroupProblem) []contract.GroupProblem {
	if p == nil {
		return []contract.GroupProblem{}
	}
	return p
}

// RunRetention is how long finished reconcile runs are kept.
const RunRetention = 30 * 24 * time.Hour

// prune removes the org's finished runs and webhook deliveries (made or
// given up) older than RunRetention and its expired OAuth states; every reconcile run of the org does it when it
// ends. Entity tombstones are kept: they are what refuses a late write of
// a deleted entity, however late.
func (a *Activities) prune(ctx context.Context, orgID string) error {
	now := a.now()
	p, err := a.Store.PruneOrg(ctx, orgID, now.Add(-RunRetention), now)
	if err != nil {
		return err
	}
	if p.Runs+p.OAuthStates+p.Deliveries > 0 && a.Log != nil {
		a.Log.InfoContext(ctx, "pruned", "org", orgID, "reconcile_runs", p.Runs, "oauth_states", p.OAuthStates,
			"webhook_deliveries", p.Deliveries)
	}
	return nil
}
