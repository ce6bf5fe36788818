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

func (r *applyRun) shouldSuspend(id store.SaltoIdentity, desired []access.GroupRef) bool {
	return r.settings.NoAccessPolicy == policySuspend && id.CreatedByDoorsync && !id.SuspendedByDoorsync &&
		id.SubscriptionState == saltoks.SubscriptionSubscribed && !onSite(desired, id.SiteID)
}

func onSite(groups []access.GroupRef, siteID string) bool {
	for _, g := range groups {
		if g.SiteID == siteID {
			return true
		}
	}
	return false
}

// suspendIdle suspends, on every site where the person has no access left,
// the users doorsync created for them (no_access_policy "suspend").
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
