package activities

import (
	"context"
	"errors"
	"time"

	"doorsync/access"
	"doorsync/store"
)

// An add is decided at the start of a run, but made later: after earlier
// removals and adds, making the person's user, a wait at the rate limit,
// retries while Salto KS provisions a new user. By then the grant behind
// it may have ended, been cancelled or used up. These keep a late add
// from granting access after its reason.

// stillGranted reports whether a grant of the person's still covers g by
// the clock now: a run decides its adds at its start, and retries, a
// consistency window or the rate limit can make it reach an add after the
// grant behind it has ended.
func (r *applyRun) stillGranted(g access.GroupRef) bool {
	_, _, covered := r.cover(g)
	return covered
}

// cover is what the person's grants say of g by the clock now: whether
// one covers it, and until when (zero: one of them is open-ended), with
// the instant now that was used.
func (r *applyRun) cover(g access.GroupRef) (now, until time.Time, covered bool) {
	now = r.a.evalTime(r.at)
	for _, gr := range r.grants {
		if gr.Person != r.person || gr.Group != g || !gr.ActiveAt(now) {
			continue
		}
		if gr.Until.IsZero() {
			return now, time.Time{}, true
		}
		covered, until = true, maxTime(until, gr.Until)
	}
	return now, until, covered
}

// grantsFreshFor is how old the person's grants may be when an add is
// made: a slow run (Salto KS failing, a user still provisioning, the rate
// limit) reads them again, so a grant cancelled, used up or shortened
// while it ran is not added. A quick run reads them once.
const grantsFreshFor = time.Second

// refreshGrants reads the person's grants again once they are older than
// grantsFreshFor.
func (r *applyRun) refreshGrants(ctx context.Context) error {
	if time.Since(r.loaded) < grantsFreshFor {
		return nil
	}
	snap, err := r.a.loader().Person(ctx, r.org, r.person)
	if err != nil {
		return err
	}
	r.snap, r.grants, r.loaded = snap, access.GrantsForPerson(snap, r.person), time.Now()
	return nil
}

// errGrantEnded: the grants behind an add ended (or changed) while it
// waited to be sent; it was not sent.
var errGrantEnded = errors.New("the grant behind the add ended while it waited")

// grantStillHolds is an add's last check before it is sent (see
// saltoks.WithBeforeSend): after a wait at the rate limit, or between the
// retries of a user still provisioning, the person's grants (read again
// once a second old) still cover g.
func (r *applyRun) grantStillHolds(g access.GroupRef) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := r.refreshGrants(ctx); err != nil {
			return err
		}
		if !r.stillGranted(g) {
			return errGrantEnded
		}
		return nil
	}
}

// withinGrant bounds an add by the end of the grants behind it (none when
// one of them is open-ended): Salto KS calls still failing or waiting
// then give up rather than grant access after its reason.
func (r *applyRun) withinGrant(ctx context.Context, g access.GroupRef) (context.Context, context.CancelFunc) {
	now, until, covered := r.cover(g)
	if covered && until.IsZero() {
		return context.WithCancel(ctx)
	}
	// Uncovered (making the user took that long), until is zero and the
	// context has already ended: the add is given up.
	return context.WithTimeout(ctx, until.Sub(now))
}

// grantEndedWhileAdding handles an add cut short because the grants behind
// it ended while Salto KS was slow or still provisioning the user: the add
// is given up, not retried. Unless Salto KS answered that it did not make
// it, its intent stays: the run due at the grant's end (see NextChange)
// takes back whatever landed, and audits it.
func (r *applyRun) grantEndedWhileAdding(ctx context.Context, g access.GroupRef, ap store.AppliedGroup, err error) error {
	r.a.Log.InfoContext(ctx, "the grant ended while adding; the add is given up", "org", r.org, "person", r.wkey,
		"site", g.SiteID, "group", g.GroupID, "reason", refusalText(err))
	return r.dropUnmadeIntent(ctx, g, ap, err)
}
