package activities

import (
	"context"
	"slices"

	"doorsync/access"
)

// reconfirmRemovals drops from a group's removals the Salto KS users whom
// some doorsync person wants in the group by the store as it is now. A run
// reads the org's grants and its identities once, before it lists each
// group; a grant made and applied since (its user created, then added) is
// in the listing but not in what the run read, and is not drift. Each
// removal is weighed against the persons behind its user and their grants
// read afresh, after the listing, so only what is still unwanted goes;
// the cached identities are brought up to date for the removals' audit.
// It reads the store once per removal: most runs have none.
func (rc *reconcile) reconfirmRemovals(ctx context.Context, g access.GroupRef, removals []ReportPerson, ids *siteIdentities) ([]ReportPerson, error) {
	out := make([]ReportPerson, 0, len(removals))
	for _, rm := range removals {
		wanted, err := rc.wantedNow(ctx, g, rm.SaltoUserID, ids)
		if err != nil {
			return nil, err
		}
		if !wanted {
			rm.Person = personOf(ids.byUser[rm.SaltoUserID])
			out = append(out, rm)
		}
	}
	return out, nil
}

// wantedNow reads who is behind a Salto KS user on g's site now, notes
// them in ids, and reports whether any of them is granted g now.
func (rc *reconcile) wantedNow(ctx context.Context, g access.GroupRef, userID string, ids *siteIdentities) (bool, error) {
	fresh, err := rc.a.Store.IdentitiesOfUser(ctx, rc.org.ID, g.SiteID, userID)
	if err != nil {
		return false, err
	}
	ids.byUser[userID] = fresh
	now := rc.a.evalTime(rc.at)
	for _, id := range fresh {
		ids.byPerson[id.Person] = id
		person, err := access.ParsePersonKey(id.Person)
		if err != nil {
			continue // not a person the engine knows: it grants nothing
		}
		snap, err := rc.a.loader().Person(ctx, rc.org.ID, person)
		if err != nil {
			return false, err
		}
		if slices.Contains(access.DesiredFor(access.GrantsForPerson(snap, person), person, now), g) {
			return true, nil
		}
	}
	return false, nil
}
