package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"doorsync/access"
	"doorsync/saltoks"
	"doorsync/store"
)

// The removals of an apply run: each group the person should no longer be
// in, behind the mass-removal guard (guard.go), through the one removal
// (removal.go).

// removeAll takes the person out of every group they should not be in. A
// group they share with another doorsync person through the same Salto KS
// user (a guest with a member's e-mail) is left in Salto KS while the other
// still holds it. A removal Salto KS refuses is recorded and the others go
// on; it comes back as refused, for the run to fail and be retried.
func (r *applyRun) removeAll(ctx context.Context, remove []access.GroupRef, applied []store.AppliedGroup) (n int, refused, err error) {
	byGroup := map[access.GroupRef]store.AppliedGroup{}
	for _, ap := range applied {
		byGroup[access.GroupRef{SiteID: ap.SiteID, GroupID: ap.GroupID}] = ap
	}
	for _, g := range remove {
		removed := false
		err := r.a.Store.WithGroupLock(ctx, r.org, g.SiteID, g.GroupID, func() error {
			var err error
			removed, err = r.removeOne(ctx, g, byGroup[g])
			return err
		})
		if saltoks.IsRefused(err) {
			refused = err
			continue
		}
		if err != nil {
			return n, refused, err
		}
		if removed {
			n++
		}
	}
	return n, refused, nil
}

// removeOne takes the person out of one group unless the mass-removal
// guard holds it, and records what happened. A user the person shares
// with another doorsync person still granted the group stays in Salto KS.
func (r *applyRun) removeOne(ctx context.Context, g access.GroupRef, ap store.AppliedGroup) (bool, error) {
	if ok, err := r.mayRemove(ctx, g, ap); err != nil || !ok {
		return false, err
	}
	shared, err := r.sharedWithOthers(ctx, ap)
	if err != nil {
		return false, err
	}
	reason, err := r.removalReason(ctx, g)
	if err != nil {
		return false, err
	}
	remove := r.audit(ActionRemove, g, ap.UserID, reason)
	remove.DueAt = r.removalDue(g, ap)
	if shared { // the user stays for the other person: only this person's row goes, recorded as a 404 would be
		return ap.Confirmed, r.a.Store.RecordMemberRemoved(ctx, r.org, store.MemberRemoval{SiteID: g.SiteID, GroupID: g.GroupID,
			Persons: []string{r.key}, Audit: remove})
	}
	landed, err := r.a.takeOut(ctx, r.client, r.org, g, []string{r.key}, remove)
	if saltoks.IsRefused(err) {
		problem := fmt.Sprintf("Salto KS refused to remove them from access group %s on site %s (retrying)", g.GroupID, g.SiteID)
		if rerr := r.refused(ctx, ActionRemove, g, ap.UserID, reason, problem, err); rerr != nil {
			return false, rerr
		}
	}
	if err != nil {
		return false, fmt.Errorf("%s: %w", r.wkey, err)
	}
	return landed || ap.Confirmed, nil
}

// removalDue is when the removal from g fell due: the end of the latest
// of the group's grant windows that closed by the run's instant, if it
// closed after the person was put in the group (an earlier end did not
// take the group away). Zero when no such window closed (the grant was
// deleted, a mapping changed): the removal is not a window's end.
func (r *applyRun) removalDue(g access.GroupRef, ap store.AppliedGroup) time.Time {
	var due time.Time
	for _, gr := range r.grants {
		if gr.Group == g && gr.EndedBy(r.at) && gr.Until.After(ap.AppliedAt) && gr.Until.After(due) {
			due = gr.Until
		}
	}
	return due
}

func (r *applyRun) sharedWithOthers(ctx context.Context, ap store.AppliedGroup) (bool, error) {
	others, err := r.a.Store.AppliedInGroup(ctx, r.org, ap.SiteID, ap.GroupID)
	if err != nil {
		return false, err
	}
	for _, o := range others {
		if o.Person != r.key && o.UserID == ap.UserID {
			return true, nil
		}
	}
	return false, nil
}

// removalReason says why the person leaves group g and what ended:
// {"why":…,"ended":[reasons]}. The ended grants are those of the group the
// engine still knows but that are not active; when it knows none (the
// entity was deleted) they are the reasons of the person's last add there.
func (r *applyRun) removalReason(ctx context.Context, g access.GroupRef) (json.RawMessage, error) {
	why := r.cause
	if why == "" {
		why = "no longer granted"
	}
	_, inactive := r.grantReasons(g)
	ended := mustJSON(orEmpty(inactive))
	if len(inactive) == 0 {
		last, err := r.a.Store.LastAudit(ctx, r.org, r.key, g.SiteID, g.GroupID, ActionAdd)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if len(last.Reason) > 0 && last.Reason[0] == '[' {
			ended = last.Reason
		}
	}
	return mustJSON(map[string]any{"why": why, "ended": ended}), nil
}
