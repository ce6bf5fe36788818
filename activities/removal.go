package activities

import (
	"context"
	"fmt"
	"time"

	"doorsync/access"
	"doorsync/saltoks"
	"doorsync/store"
)

// takeOut is doorsync's one removal, whichever path decides it (a person's
// apply, reconciliation, an approved hold, an org's deletion; each weighs
// the guard first, with judge): the Salto KS user audit.SaltoUserID leaves
// group g, and the removal is recorded in one transaction for persons,
// the doorsync persons whose rows in g it settles (see
// store.RecordMemberRemoved). A 404 is success (the user was not there).
// It reports whether Salto KS removed the user; a refusal (saltoks.IsRefused)
// comes back unwrapped and records nothing, for the caller to report.
func (a *Activities) takeOut(ctx context.Context, client saltoGroups, orgID string, g access.GroupRef,
	persons []string, audit store.AuditEntry) (bool, error) {
	err := client.RemoveGroupMember(ctx, g.SiteID, g.GroupID, audit.SaltoUserID)
	if saltoks.IsRefused(err) {
		return false, err
	}
	if err != nil && !isNotFound(err) {
		return false, fmt.Errorf("remove %s from %s/%s: %w", audit.SaltoUserID, g.SiteID, g.GroupID, err)
	}
	landed := err == nil
	return landed, a.Store.RecordMemberRemoved(ctx, orgID, store.MemberRemoval{SiteID: g.SiteID, GroupID: g.GroupID,
		Persons: persons, Landed: landed, Audit: audit, RecoveredAdd: recoveredAdd(audit)})
}

// recoveredAdd is the entry of an add a removal found in Salto KS though
// no run recorded it (the run that made it was killed first).
func recoveredAdd(removal store.AuditEntry) func(person string) store.AuditEntry {
	return func(person string) store.AuditEntry {
		added := removal
		added.Action, added.Person, added.Reason, added.DueAt = ActionAdd, person, recoveredAddReason, time.Time{}
		return added
	}
}
