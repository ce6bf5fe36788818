package activities

import (
	"context"
	"errors"
	"time"

	"doorsync/access"
	"doorsync/saltoks"
	"doorsync/store"
)

// Salto KS answers 404 2202 to adding a user it created moments ago to a
// group, for up to about a minute (its consistency window; see
// docs/architecture.md, D9). Such an add is retried every
// provisioningRetryEvery until provisioningWindow after the user's
// creation, inside the run, rather than failing the run onto the
// activity's exponential backoff: a new member reaches the door within the
// window plus one interval.
const (
	provisioningRetryEvery = 500 * time.Millisecond
	provisioningWindow     = 90 * time.Second
)

// addWhileProvisioning retries an add that Salto KS answered 404 (addErr)
// while the person's user on the group's site is in its consistency
// window, and returns the last add's error. A 404 for a group the site
// does not have, for a user Salto KS no longer has (a user in the window
// can be read; a deleted one answers 404), or for a user not created within
// provisioningWindow, is returned at once (addNotFound handles it). The retries stop a second
// before ctx's deadline, so the run still ends with the 404.
func (r *applyRun) addWhileProvisioning(ctx context.Context, g access.GroupRef, id store.SaltoIdentity, addErr error) error {
	until, err := r.provisioningUntil(ctx, id.SiteID)
	if err != nil {
		return err
	}
	if deadline, ok := ctx.Deadline(); ok { // leave the run time to end well (a local attempt has 30 s)
		until = minTime(until, deadline.Add(-2*provisioningRetryEvery))
	}
	if !time.Now().Before(until) {
		return addErr
	}
	if _, err := r.client.GetAccessGroup(ctx, g.SiteID, g.GroupID); err != nil {
		return addErr // no such group (or it cannot be read): not the consistency window
	}
	if _, err := r.client.GetUser(ctx, id.SiteID, id.SiteUserID); err != nil {
		return addErr // the user is gone (deleted in Salto KS), or cannot be read: not the window either
	}
	r.a.Log.InfoContext(ctx, "Salto KS is still provisioning the new user; retrying the add shortly",
		"org", r.org, "person", r.wkey, "site", g.SiteID, "group", g.GroupID,
		"reason", "404 2202 (user not found) within the consistency window", "retry_every", provisioningRetryEvery)
	started, attempts := time.Now(), 1
	for saltoks.IsNotFound(addErr) && time.Now().Before(until) {
		if err := pause(ctx, provisioningRetryEvery); err != nil {
			return addErr
		}
		addErr = r.client.AddGroupMember(ctx, g.SiteID, g.GroupID, id.UserID)
		attempts++
	}
	if addErr == nil {
		r.a.Log.InfoContext(ctx, "Salto KS accepted the new user in the group", "org", r.org, "person", r.wkey,
			"site", g.SiteID, "group", g.GroupID, "attempts", attempts, "waited", time.Since(started).Round(time.Millisecond))
	} else {
		r.a.Log.WarnContext(ctx, "Salto KS still refuses the new user in the group; the run is retried", "org", r.org,
			"person", r.wkey, "site", g.SiteID, "group", g.GroupID, "attempts", attempts, "reason", refusalText(addErr))
	}
	return addErr
}

// provisioningUntil is when the consistency window of the person's user on
// site ends: provisioningWindow after doorsync created it (its create_user
// entry, by this run or an earlier attempt); zero when doorsync did not
// create it.
func (r *applyRun) provisioningUntil(ctx context.Context, siteID string) (time.Time, error) {
	created, err := r.a.Store.LastAudit(ctx, r.org, r.key, siteID, "", ActionCreateUser)
	if errors.Is(err, store.ErrNotFound) || (err == nil && created.Result != resultOK) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return created.At.Add(provisioningWindow), nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// pause waits d, or less if ctx ends (then it returns ctx's error).
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
