package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"doorsync/access"
	"doorsync/saltoks"
	"doorsync/store"
)

// The additions of an apply run: each group the person should be in, with
// its write-ahead intent, its bounds (addbounds.go) and what Salto KS
// answers.

// addAll puts the person into every group they should be in, site by site,
// making sure they exist on the site first. A group Salto KS refuses (or a
// site where the person cannot have a user) is recorded as a problem and
// the other groups go on; the next run tries it again.
func (r *applyRun) addAll(ctx context.Context, add []access.GroupRef, desired []access.GroupRef) (int, error) {
	n := 0
	if err := r.resubscribe(ctx, desired); err != nil {
		return n, err
	}
	r.adding = add
	for _, g := range add {
		if !r.stillGranted(g) {
			continue // its window closed while the run went on: adding now would outlive its reason
		}
		id, ok, err := r.identity(ctx, g.SiteID)
		if err != nil {
			return n, err
		}
		if !ok {
			continue
		}
		added, err := r.addOne(ctx, g, id)
		if err != nil {
			return n, err
		}
		if added {
			n++
		}
	}
	return n, nil
}

// addOne puts the person's user into one group. The intent is recorded
// first (see RecordIntent): a run killed after Salto KS added but before
// the add is recorded leaves it for the next run (see settleIntents). It
// reports false when Salto KS refused (recorded as the person's problem).
func (r *applyRun) addOne(ctx context.Context, g access.GroupRef, id store.SaltoIdentity) (bool, error) {
	if err := r.refreshGrants(ctx); err != nil {
		return false, err
	}
	if !r.stillGranted(g) {
		return false, nil // the grant ended, or changed, while the run went on (making the user, earlier adds)
	}
	ap := store.AppliedGroup{Person: r.key, SiteID: g.SiteID, GroupID: g.GroupID, UserID: id.UserID}
	err := r.a.Store.RecordIntent(ctx, r.org, ap)
	if errors.Is(err, store.ErrOrgDeleting) {
		return false, nil // the org's deletion revokes what is recorded: add nothing more
	}
	if err != nil {
		return false, err
	}
	gctx, cancel := r.withinGrant(ctx, g)
	defer cancel()
	gctx = saltoks.WithBeforeSend(gctx, r.grantStillHolds(g))
	err = r.client.AddGroupMember(gctx, g.SiteID, g.GroupID, id.UserID)
	if saltoks.IsNotFound(err) {
		err = r.addWhileProvisioning(gctx, g, id, err)
	}
	if errors.Is(err, errGrantEnded) { // not sent; any earlier attempt was a 404: nothing was added
		return false, r.dropUnmadeIntent(ctx, g, ap, err)
	}
	if err != nil && gctx.Err() != nil && ctx.Err() == nil {
		return false, r.grantEndedWhileAdding(ctx, g, ap, err)
	}
	if err != nil {
		return false, r.addFailed(ctx, g, id, ap, err)
	}
	if r.a.afterAdd != nil { // tests: a worker killed right after Salto KS added
		if err := r.a.afterAdd(ctx); err != nil {
			return false, err
		}
	}
	err = r.a.Store.RecordApplied(ctx, r.org, ap, r.audit(ActionAdd, g, id.UserID, r.reasonsFor(g)))
	if errors.Is(err, store.ErrOrgDeleting) {
		if err := r.undoAdd(ctx, g, id); err != nil {
			return false, err
		}
		return false, r.a.Store.DropIntent(ctx, r.org, ap) // taken back: nothing for the deletion to revoke
	}
	return err == nil, err
}

// addFailed handles an add Salto KS did not make. When it answered that
// it did not (refused, or 404), this run's intent is dropped (one an
// earlier run left stays: its add may have landed); on any other failure
// the outcome is unknown and the intent stays for the retry.
func (r *applyRun) addFailed(ctx context.Context, g access.GroupRef, id store.SaltoIdentity, ap store.AppliedGroup, err error) error {
	if derr := r.dropUnmadeIntent(ctx, g, ap, err); derr != nil {
		return derr
	}
	switch {
	case saltoks.IsRefused(err):
		problem := fmt.Sprintf("Salto KS refused to add them to access group %s on site %s", g.GroupID, g.SiteID)
		return r.refused(ctx, ActionAdd, g, id.UserID, r.reasonsFor(g), problem, err)
	case saltoks.IsNotFound(err):
		return r.addNotFound(ctx, g, id, err)
	}
	return fmt.Errorf("add %s to %s/%s: %w", r.wkey, g.SiteID, g.GroupID, err)
}

// dropUnmadeIntent drops this run's intent of an add that was not made
// (Salto KS refused it or answered 404, or it was not sent); one an
// earlier run left stays, as its add may have landed.
func (r *applyRun) dropUnmadeIntent(ctx context.Context, g access.GroupRef, ap store.AppliedGroup, err error) error {
	unmade := saltoks.IsRefused(err) || saltoks.IsNotFound(err) || errors.Is(err, errGrantEnded)
	if unmade && !slices.Contains(r.carried, g) {
		return r.a.Store.DropIntent(ctx, r.org, ap)
	}
	return nil
}

// undoAdd takes back an addition the org's deletion overtook: the deletion
// revokes only what was recorded, and this was not.
func (r *applyRun) undoAdd(ctx context.Context, g access.GroupRef, id store.SaltoIdentity) error {
	err := r.client.RemoveGroupMember(ctx, g.SiteID, g.GroupID, id.UserID)
	if err != nil && !saltoks.IsNotFound(err) {
		return fmt.Errorf("undo adding %s to %s/%s: %w", r.wkey, g.SiteID, g.GroupID, err)
	}
	return nil
}

// addNotFound handles a 404 on adding to a group. Salto KS answers 404
// 2202 both for a group the site does not have (a mapping's mistake:
// recorded as the person's problem) and, for a while after creation, for a
// user it is still provisioning (retrying later succeeds), so it is asked
// for the group. If the user is gone (deleted by hand), it is forgotten so
// the retry adopts or creates anew.
func (r *applyRun) addNotFound(ctx context.Context, g access.GroupRef, id store.SaltoIdentity, addErr error) error {
	_, err := r.client.GetAccessGroup(ctx, g.SiteID, g.GroupID)
	if saltoks.IsNotFound(err) {
		problem := fmt.Sprintf("access group %s does not exist on Salto KS site %s", g.GroupID, g.SiteID)
		return r.refused(ctx, ActionAdd, g, id.UserID, r.reasonsFor(g), problem, err)
	}
	if err != nil {
		return fmt.Errorf("get access group %s/%s: %w", g.SiteID, g.GroupID, err)
	}
	if err := r.forgetIfGone(ctx, id); err != nil {
		return err
	}
	return fmt.Errorf("add %s to %s/%s: %w", r.wkey, g.SiteID, g.GroupID, addErr)
}
