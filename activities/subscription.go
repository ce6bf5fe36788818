package activities

import (
	"context"
	"fmt"

	"doorsync/access"
	"doorsync/saltoks"
	"doorsync/store"
)

// policySuspend is the no_access_policy that frees seats.
const policySuspend = "suspend"

// subscriptionsOutOfStep is true when, under the "suspend" policy, a user
// doorsync created has no access left on a site and is still subscribed,
// or a user doorsync suspended has access again. It needs no Salto KS call.
func (r *applyRun) subscriptionsOutOfStep(ctx context.Context, desired []access.GroupRef) (bool, error) {
	ids, err := r.identities(ctx)
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		if r.shouldSuspend(id, desired) || (id.SuspendedByDoorsync && onSite(desired, id.SiteID)) {
			return true, nil
		}
	}
	return false, nil
}

// shouldSuspend: under the "suspend" policy, a subscribed user doorsync
// created, on a site where the person should have no access and nothing
// is applied for them any more (a removal the mass-removal guard holds is
// still applied: suspending the user would make it behind the guard's back).
func (r *applyRun) shouldSuspend(id store.SaltoIdentity, desired []access.GroupRef) bool {
	return r.settings.NoAccessPolicy == policySuspend && id.CreatedByDoorsync && !id.SuspendedByDoorsync &&
		id.SubscriptionState == saltoks.SubscriptionSubscribed && !onSite(desired, id.SiteID) && !r.appliedOn[id.SiteID]
}

// noteApplied records the sites where something is still applied for the
// person: a group doorsync applied and has not removed (held removals
// included), or a removal of their Salto KS user that a pending or expired
// hold keeps back.
func (r *applyRun) noteApplied(ctx context.Context, applied []store.AppliedGroup) error {
	r.appliedOn = map[string]bool{}
	for _, ap := range applied {
		r.appliedOn[ap.SiteID] = true
	}
	if r.settings.NoAccessPolicy != policySuspend {
		return nil // only the suspend policy asks
	}
	ids, err := r.identities(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if r.appliedOn[id.SiteID] {
			continue
		}
		held, err := r.a.Store.RemovalHeldOnSite(ctx, r.org, id.SiteID, id.UserID)
		if err != nil {
			return err
		}
		r.appliedOn[id.SiteID] = held
	}
	return nil
}

// reloadApplied notes what is still applied once the run's removals are
// made (or held).
func (r *applyRun) reloadApplied(ctx context.Context) error {
	applied, err := r.a.Store.AppliedGroups(ctx, r.org, r.key)
	if err != nil {
		return err
	}
	return r.noteApplied(ctx, applied)
}

func onSite(groups []access.GroupRef, siteID string) bool {
	for _, g := range groups {
		if g.SiteID == siteID {
			return true
		}
	}
	return false
}

// suspendIdle suspends, on every site where the person has no access left
// and nothing applied (see shouldSuspend), the users doorsync created for
// them (no_access_policy "suspend").
func (r *applyRun) suspendIdle(ctx context.Context, desired []access.GroupRef) error {
	if r.settings.NoAccessPolicy != policySuspend {
		return nil
	}
	ids, err := r.identities(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if r.shouldSuspend(id, desired) {
			if err := r.setSubscription(ctx, id, saltoks.SubscriptionSuspended); err != nil {
				return err
			}
		}
	}
	return nil
}

// setSubscription suspends or resubscribes a user doorsync manages, and
// audits it (as suspend_user, with the new state in the reason).
func (r *applyRun) setSubscription(ctx context.Context, id store.SaltoIdentity, state string) error {
	if err := r.client.SetSubscription(ctx, id.SiteID, id.SiteUserID, state); err != nil {
		return fmt.Errorf("set subscription of %s on %s to %s: %w", r.wkey, id.SiteID, state, err)
	}
	suspended := state == saltoks.SubscriptionSuspended
	r.identitiesChanged()
	if err := r.a.Store.SetSuspendedByDoorsync(ctx, r.org, r.key, id.SiteID, suspended, state); err != nil {
		return err
	}
	why := "no access left (no_access_policy suspend)"
	if !suspended {
		why = "access returned"
	}
	audit := r.audit(ActionSuspendUser, access.GroupRef{SiteID: id.SiteID}, id.UserID,
		mustJSON(map[string]string{"subscription_state": state, "why": why}))
	return r.a.Store.AddAudit(ctx, r.org, audit)
}
