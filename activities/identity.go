package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"doorsync/access"
	"doorsync/saltoks"
	"doorsync/store"
)

// identity returns the person's Salto KS user on site, creating it on first
// need (adopting an existing user with the same e-mail instead of inviting
// a duplicate). ok is false when the person cannot be given access there
// (the site is out of seats, Salto KS refused to create the user); that is
// recorded as a problem.
func (r *applyRun) identity(ctx context.Context, siteID string) (store.SaltoIdentity, bool, error) {
	ids, err := r.identities(ctx)
	if err != nil {
		return store.SaltoIdentity{}, false, err
	}
	for _, id := range ids {
		if id.SiteID == siteID {
			return id, id.SubscriptionState != saltoks.SubscriptionSuspended, r.suspendedProblem(id)
		}
	}
	return r.createIdentity(ctx, siteID)
}

func (r *applyRun) suspendedProblem(id store.SaltoIdentity) error {
	if id.SubscriptionState == saltoks.SubscriptionSuspended {
		r.problems = append(r.problems, seatsProblem(id.SiteID))
	}
	return nil
}

func seatsProblem(siteID string) string {
	return fmt.Sprintf("Salto KS site %s has no seats left: the user is suspended and cannot open doors", siteID)
}

func (r *applyRun) createIdentity(ctx context.Context, siteID string) (store.SaltoIdentity, bool, error) {
	if r.noUser[siteID] {
		return store.SaltoIdentity{}, false, nil
	}
	details, err := r.details()
	if err != nil {
		r.problems = append(r.problems, err.Error())
		r.userUnavailable(siteID)
		return store.SaltoIdentity{}, false, nil
	}
	res, err := r.client.CreateUser(ctx, siteID, details)
	if saltoks.IsRefused(err) {
		r.userUnavailable(siteID)
		problem := fmt.Sprintf("Salto KS refused to create their user on site %s", siteID)
		return store.SaltoIdentity{}, false, r.refused(ctx, ActionCreateUser, access.GroupRef{SiteID: siteID}, "",
			r.neededBy(siteID), problem, err)
	}
	var suspended *saltoks.SuspendedError
	if err != nil && !errors.As(err, &suspended) {
		return store.SaltoIdentity{}, false, fmt.Errorf("create %s on site %s: %w", r.wkey, siteID, err)
	}
	id := store.SaltoIdentity{Person: r.key, SiteID: siteID, SiteUserID: res.User.ID, UserID: res.User.UserID,
		SubscriptionState: res.User.SubscriptionState, CreatedByDoorsync: !res.Adopted} // an adopted user's own tag is not doorsync's
	r.identitiesChanged()
	if err := r.a.Store.SaveSaltoIdentity(ctx, r.org, id); err != nil {
		return id, false, err
	}
	action := ActionCreateUser
	if res.Adopted {
		action = ActionAdoptUser
	}
	audit := r.audit(action, access.GroupRef{SiteID: siteID}, res.User.UserID, r.neededBy(siteID))
	if suspended != nil {
		audit.Result, audit.Error = resultError, seatsProblem(siteID)
	}
	if err := r.a.Store.AddAudit(ctx, r.org, audit); err != nil {
		return id, false, err
	}
	if suspended != nil {
		r.problems = append(r.problems, seatsProblem(siteID))
		return id, false, nil
	}
	return id, true, nil
}

// userUnavailable notes that the person cannot have a user on site this
// run (the problem is recorded): the site's other groups skip it.
func (r *applyRun) userUnavailable(siteID string) {
	if r.noUser == nil {
		r.noUser = map[string]bool{}
	}
	r.noUser[siteID] = true
}

// details are the names and e-mail the person is created with. They are
// sent once: later changes are not pushed to Salto KS.
func (r *applyRun) details() (saltoks.NewUser, error) {
	if r.person.Kind == access.PersonMember {
		m, ok := r.snap.Members[r.person.ID]
		if !ok || m.Email == "" {
			return saltoks.NewUser{}, fmt.Errorf("member %s is not known (or has no e-mail) yet", r.person.ID)
		}
		return saltoks.NewUser{FirstName: orDash(m.FirstName), LastName: orDash(m.LastName), Email: m.Email}, nil
	}
	if c, ok := r.guestContact(); ok {
		return saltoks.NewUser{FirstName: orDash(c.FirstName), LastName: orDash(c.LastName), Email: c.Email}, nil
	}
	return saltoks.NewUser{FirstName: "-", LastName: "-", Email: r.person.ID}, nil
}

// guestContact finds the guest's name in the bookings that name them,
// taking the booking with the smallest id for a stable answer.
func (r *applyRun) guestContact() (access.Contact, bool) {
	var best access.Contact
	bestID, found := "", false
	for id, b := range r.snap.Bookings {
		contacts := b.Guests
		if b.Booker != nil {
			contacts = append([]access.Contact{*b.Booker}, contacts...)
		}
		for _, c := range contacts {
			if access.NormalizeEmail(c.Email) == r.person.ID && (!found || id < bestID) {
				best, bestID, found = c, id, true
			}
		}
	}
	return best, found
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
