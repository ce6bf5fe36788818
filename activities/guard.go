package activities

import (
	"context"
	"errors"
	"fmt"

	"doorsync/access"
	"doorsync/store"
)

// guardCase is what the mass-removal guard weighs about removals from one
// group, in real time (one removal) or in a reconciliation run (the
// group's removals no approval covers).
type guardCase struct {
	Guard store.RemovalGuard
	// Approved: an approved hold still in force covers the removal.
	Approved bool
	// Expired: an expired hold keeps the removal back (it waits for an
	// operator's decision, however late).
	Expired bool
	// Pending: the group has a pending hold.
	Pending bool
	// Removals about to be made; Recent, the group's removals made within
	// the sliding window (the org's reconcile interval, approved ones
	// left out); Members, the group's members before these removals.
	Removals, Recent, Members int
	// Emptied: the removals are every one of the members, as when a
	// platform answers an empty list for a kind doorsync holds entities
	// of (SweepPlatform): held whatever the counts, since a small space
	// emptied at once is as likely a broken feed as a big one.
	Emptied bool
}

// guardVerdict is what becomes of removals.
type guardVerdict int

const (
	// verdictRemove: make them.
	verdictRemove guardVerdict = iota
	// verdictHold: hold them (joining the group's pending hold, or
	// opening one) until an operator decides.
	verdictHold
	// verdictKeepBack: leave them unmade, as the expired hold that holds
	// them says, without holding them anew.
	verdictKeepBack
)

// judge is the guard's decision, a pure function of its case. Removals
// are held when the group has a pending hold, or when with the window's
// earlier removals they reach the org's minimum count and exceed its
// fraction of the group's members as the window began: a feed that ends
// memberships one at a time, or a few per run, is held once the drip adds
// up within a reconcile interval. Removals that empty the whole set are
// always held (Emptied).
func judge(c guardCase) guardVerdict {
	switch {
	case c.Approved:
		return verdictRemove
	case c.Expired:
		return verdictKeepBack
	case c.Removals == 0:
		return verdictRemove
	case c.Pending, c.Emptied, c.Guard.Trips(c.Recent+c.Removals, c.Members+c.Recent):
		return verdictHold
	}
	return verdictRemove
}

// mayRemove is the real-time side of the mass-removal guard (see judge):
// a removal an approved hold covers goes ahead, one an expired hold keeps
// back stays unmade, one in a group with a pending hold joins it, and
// otherwise it is held when the group's removals over the last reconcile
// interval trip the org's guard. Held removals are audited once.
func (r *applyRun) mayRemove(ctx context.Context, g access.GroupRef, ap store.AppliedGroup) (bool, error) {
	c, err := r.guardCase(ctx, g, ap)
	if err != nil {
		return false, err
	}
	switch judge(c) {
	case verdictHold:
		return false, r.holdRemoval(ctx, g, ap, c.Members+c.Recent)
	case verdictKeepBack:
		r.problems = append(r.problems, fmt.Sprintf("their removal from access group %s on site %s waits for an operator: "+
			"the hold that keeps it back expired undecided", g.GroupID, g.SiteID))
		return false, nil
	}
	return true, nil
}

// guardCase gathers what the guard weighs about removing the person's
// user from g, expiring the group's pending hold first if it is overdue.
func (r *applyRun) guardCase(ctx context.Context, g access.GroupRef, ap store.AppliedGroup) (guardCase, error) {
	c := guardCase{Guard: r.settings.RemovalGuard, Removals: 1}
	var err error
	if c.Approved, err = r.a.Store.RemovalApproved(ctx, r.org, g.SiteID, g.GroupID, ap.UserID); err != nil || c.Approved {
		return c, err
	}
	if err := r.a.expireHolds(ctx, r.org, r.settings.RemovalGuard, g, TriggerRealtime); err != nil {
		return c, err
	}
	expired, err := r.a.Store.ExpiredHoldUsers(ctx, r.org, g.SiteID, g.GroupID)
	if c.Expired = expired[ap.UserID] != ""; err != nil || c.Expired {
		return c, err
	}
	if c.Pending, err = r.a.pendingHold(ctx, r.org, g); err != nil || c.Pending {
		return c, err
	}
	if c.Recent, err = r.a.recentRemovals(ctx, r.org, g, r.settings); err != nil {
		return c, err
	}
	c.Members, err = r.a.Store.CountApplied(ctx, r.org, g.SiteID, g.GroupID)
	return c, err
}

// expireHolds expires the org's pending holds (in group g, unless it is
// zero) held longer than its removal_guard.hold_expires_after, by the
// activities' clock.
func (a *Activities) expireHolds(ctx context.Context, orgID string, guard store.RemovalGuard, g access.GroupRef, trigger string) error {
	expired, err := a.Store.ExpireHolds(ctx, store.HoldExpiry{OrgID: orgID, SiteID: g.SiteID, GroupID: g.GroupID,
		HeldBefore: a.now().Add(-guard.ExpiresAfter()), Trigger: trigger})
	for _, h := range expired {
		a.Log.WarnContext(ctx, "a hold expired undecided; its removals stay unmade until an operator decides",
			"org", orgID, "hold_id", h.ID, "site", h.SiteID, "group", h.GroupID, "removals", len(h.Remove))
	}
	return err
}

// pendingHold says whether group g has a pending hold.
func (a *Activities) pendingHold(ctx context.Context, orgID string, g access.GroupRef) (bool, error) {
	_, err := a.Store.PendingHold(ctx, orgID, g.SiteID, g.GroupID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// recentRemovals counts group g's removals within the guard's sliding
// window: the org's reconcile interval up to the activities' clock.
func (a *Activities) recentRemovals(ctx context.Context, orgID string, g access.GroupRef, s store.OrgSettings) (int, error) {
	return a.Store.RecentRemovals(ctx, orgID, g.SiteID, g.GroupID, a.now().Add(-s.ReconcileInterval))
}

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
