package activities

import (
	"context"
	"errors"
	"fmt"

	"doorsync/access"
	"doorsync/store"
)

// mayRemove is the real-time side of the mass-removal guard. A removal an
// approved hold covers goes ahead; one in a group with a pending hold joins
// that hold; otherwise it is held when it would make the group's removals
// over the last reconcile interval exceed the org's guard. Held removals
// are audited once.
func (r *applyRun) mayRemove(ctx context.Context, g access.GroupRef, ap store.AppliedGroup) (bool, error) {
	approved, err := r.a.Store.RemovalApproved(ctx, r.org, g.SiteID, g.GroupID, ap.UserID)
	if err != nil || approved {
		return approved, err
	}
	_, err = r.a.Store.PendingHold(ctx, r.org, g.SiteID, g.GroupID)
	if err == nil {
		return false, r.holdRemoval(ctx, g, ap, 0)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	recent, err := r.a.Store.RecentRemovals(ctx, r.org, g.SiteID, g.GroupID, r.at.Add(-r.settings.ReconcileInterval))
	if err != nil {
		return false, err
	}
	applied, err := r.a.Store.CountApplied(ctx, r.org, g.SiteID, g.GroupID)
	if err != nil {
		return false, err
	}
	if guardTrips(r.settings.RemovalGuard, recent+1, applied+recent) {
		return false, r.holdRemoval(ctx, g, ap, applied+recent)
	}
	return true, nil
}

// guardTrips says whether removals must be held: at least the org's
// minimum count and more than its fraction of the group's members.
func guardTrips(g store.RemovalGuard, removals, members int) bool { return g.Trips(removals, members) }

func (r *applyRun) holdRemoval(ctx context.Context, g access.GroupRef, ap store.AppliedGroup, members int) error {
	h, added, err := r.a.Store.HoldRemovals(ctx, store.Hold{ID: newID("hold"), OrgID: r.org, SiteID: g.SiteID, GroupID: g.GroupID,
		Remove: []store.HeldRemoval{{SaltoUserID: ap.UserID, Person: r.key}}, Members: members})
	if err != nil || !added {
		return err
	}
	reason, err := r.removalReason(ctx, g)
	if err != nil {
		return err
	}
	audit := r.audit(ActionRemove, g, ap.UserID, reason)
	audit.Result = "held"
	audit.Error = fmt.Sprintf("held by the mass-removal guard (hold %s) until an operator approves", h.ID)
	return r.a.Store.AddAudit(ctx, r.org, audit)
}
