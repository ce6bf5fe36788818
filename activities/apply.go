package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/internal/saltoconn"
	"doorsync/saltoks"
	"doorsync/store"
)

// Audit actions and triggers.
const (
	ActionCreateUser    = "create_user"
	ActionAdoptUser     = "adopt_user"
	ActionAdd           = "add"
	ActionRemove        = "remove"
	ActionAssignTag     = "assign_tag"
	ActionUnassignTag   = "unassign_tag"
	ActionSuspendUser   = "suspend_user"
	TriggerRealtime     = "realtime"
	TriggerReconcile    = "reconcile"
	resultOK            = "ok"
	problemNoConnection = "the org is not connected to Salto KS"
)

// ApplyAccess makes one person's Salto KS group memberships match what the
// engine says they should have now: revocations first, then the person's
// Salto KS user (adopted by e-mail before one is created), their tag, and
// additions. Each change is recorded with an audit row as it is made, so a
// retry after a failure half-way repeats nothing that was done.
func (a *Activities) ApplyAccess(ctx context.Context, in contract.ApplyAccessInput) (contract.ApplyAccessResult, error) {
	person, err := access.ParsePersonKey(in.Person)
	if err != nil {
		return contract.ApplyAccessResult{}, err
	}
	at := a.evalTime(in.At)
	snap, err := a.loader().Person(ctx, in.OrgID, person)
	if err != nil {
		return contract.ApplyAccessResult{}, err
	}
	grants := access.GrantsForPerson(snap, person)
	org, err := a.Store.GetOrg(ctx, in.OrgID)
	if err != nil {
		return contract.ApplyAccessResult{}, err
	}
	run := &applyRun{a: a, org: in.OrgID, person: person, key: in.Person, snap: snap, grants: grants, at: at,
		trigger: TriggerRealtime, settings: org.Settings, started: time.Now()}
	run.workflowID, run.runID = auditContext(ctx)
	res, err := run.apply(ctx)
	res.NextChange = access.NextChange(grants, at)
	return res, err
}

// applyRun is one ApplyAccess evaluation.
type applyRun struct {
	a                 *Activities
	org               string
	person            access.PersonRef
	key               string
	snap              access.Snapshot
	grants            []access.Grant
	at                time.Time
	trigger           string
	workflowID, runID string
	client            *saltoks.Client
	settings          store.OrgSettings
	problems          []string
	// ids caches the person's Salto KS users for the run; nil until read
	// and again after the run changes them.
	ids []store.SaltoIdentity
	// started is when the run began (see alive).
	started time.Time
}

// identities are the person's Salto KS users, one per site, read once per
// run and again after the run changes them.
func (r *applyRun) identities(ctx context.Context) ([]store.SaltoIdentity, error) {
	if r.ids != nil {
		return r.ids, nil
	}
	ids, err := r.a.Store.SaltoIdentities(ctx, r.org, r.key)
	if err != nil {
		return nil, err
	}
	if ids == nil {
		ids = []store.SaltoIdentity{}
	}
	r.ids = ids
	return ids, nil
}

// identitiesChanged drops the cached identities after the run changed one.
func (r *applyRun) identitiesChanged() { r.ids = nil }

func (r *applyRun) apply(ctx context.Context) (contract.ApplyAccessResult, error) {
	var res contract.ApplyAccessResult
	applied, err := r.a.Store.AppliedGroups(ctx, r.org, r.key)
	if err != nil {
		return res, err
	}
	desired := access.DesiredFor(r.grants, r.person, r.at)
	add, remove := access.Plan(desired, appliedRefs(applied))
	tagWork, err := r.tagsOutOfStep(ctx)
	if err != nil {
		return res, err
	}
	subWork, err := r.subscriptionsOutOfStep(ctx, desired)
	if err != nil {
		return res, err
	}
	if len(add) == 0 && len(remove) == 0 && !tagWork && !subWork {
		return res, r.settleProblems(ctx)
	}
	if r.client, err = r.a.Salto.Client(ctx, r.org); err != nil {
		if errors.Is(err, saltoconn.ErrNotConnected) {
			r.problems = append(r.problems, problemNoConnection)
			res.Problem = problemNoConnection
			return res, r.settleProblems(ctx)
		}
		return res, err
	}
	defer func() { r.a.Salto.Record(ctx, r.org, err) }()
	if res.Removed, err = r.removeAll(ctx, remove, applied); err != nil {
		return res, retryable(err)
	}
	if res.Added, err = r.addAll(ctx, add, desired); err != nil {
		return res, retryable(err)
	}
	if err = r.syncTags(ctx); err != nil {
		return res, retryable(err)
	}
	if err = r.suspendIdle(ctx, desired); err != nil {
		return res, retryable(err)
	}
	if len(r.problems) > 0 {
		res.Problem = r.problems[0]
	}
	err = r.settleProblems(ctx)
	return res, err
}

// removeAll takes the person out of every group they should not be in. A
// group they share with another doorsync person through the same Salto KS
// user (a guest with a member's e-mail) is left in Salto KS while the other
// still holds it.
func (r *applyRun) removeAll(ctx context.Context, remove []access.GroupRef, applied []store.AppliedGroup) (int, error) {
	byGroup := map[access.GroupRef]store.AppliedGroup{}
	for _, ap := range applied {
		byGroup[access.GroupRef{SiteID: ap.SiteID, GroupID: ap.GroupID}] = ap
	}
	n := 0
	for _, g := range remove {
		r.alive(ctx)
		removed := false
		err := r.a.Store.WithGroupLock(ctx, r.org, g.SiteID, g.GroupID, func() error {
			var err error
			removed, err = r.removeOne(ctx, g, byGroup[g])
			return err
		})
		if err != nil {
			return n, err
		}
		if removed {
			n++
		}
	}
	return n, nil
}

// removeOne takes the person out of one group unless the mass-removal
// guard holds it, and records what happened.
func (r *applyRun) removeOne(ctx context.Context, g access.GroupRef, ap store.AppliedGroup) (bool, error) {
	if ok, err := r.mayRemove(ctx, g, ap); err != nil || !ok {
		return false, err
	}
	shared, err := r.sharedWithOthers(ctx, ap)
	if err != nil {
		return false, err
	}
	if !shared {
		err := r.client.RemoveGroupMember(ctx, g.SiteID, g.GroupID, ap.UserID)
		if err != nil && !saltoks.IsNotFound(err) { // 404: already out
			return false, fmt.Errorf("remove %s from %s/%s: %w", r.key, g.SiteID, g.GroupID, err)
		}
	}
	audit := r.audit(ActionRemove, g, ap.UserID, r.reasonsFor(g))
	return true, r.a.Store.RecordRemoved(ctx, r.org, ap, audit)
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

// addAll puts the person into every group they should be in, site by site,
// making sure they exist on the site first.
func (r *applyRun) addAll(ctx context.Context, add []access.GroupRef, desired []access.GroupRef) (int, error) {
	n := 0
	if err := r.resubscribe(ctx, desired); err != nil {
		return n, err
	}
	for _, g := range add {
		r.alive(ctx)
		id, ok, err := r.identity(ctx, g.SiteID)
		if err != nil || !ok {
			return n, err
		}
		if err := r.client.AddGroupMember(ctx, g.SiteID, g.GroupID, id.UserID); err != nil {
			// 404 2202 right after creation is Salto KS still provisioning
			// the user: retrying later succeeds. If the user is gone (deleted
			// by hand), it is forgotten so the retry adopts or creates anew.
			if saltoks.IsNotFound(err) {
				if ferr := r.forgetIfGone(ctx, id); ferr != nil {
					return n, ferr
				}
			}
			return n, fmt.Errorf("add %s to %s/%s: %w", r.key, g.SiteID, g.GroupID, err)
		}
		ap := store.AppliedGroup{Person: r.key, SiteID: g.SiteID, GroupID: g.GroupID, UserID: id.UserID}
		if err := r.a.Store.RecordApplied(ctx, r.org, ap, r.audit(ActionAdd, g, id.UserID, r.reasonsFor(g))); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// resubscribe gives back their seat to users doorsync suspended, on the
// sites where they have access again.
func (r *applyRun) resubscribe(ctx context.Context, desired []access.GroupRef) error {
	ids, err := r.identities(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id.SuspendedByDoorsync && onSite(desired, id.SiteID) {
			if err := r.setSubscription(ctx, id, saltoks.SubscriptionSubscribed); err != nil {
				return err
			}
		}
	}
	return nil
}

// forgetIfGone drops the person's identity on a site when Salto KS no
// longer knows its user.
func (r *applyRun) forgetIfGone(ctx context.Context, id store.SaltoIdentity) error {
	_, err := r.client.GetUser(ctx, id.SiteID, id.SiteUserID)
	if !saltoks.IsNotFound(err) {
		return nil // still there: Salto KS is provisioning it
	}
	r.a.Log.WarnContext(ctx, "Salto KS user is gone; it will be adopted or created again",
		"org", r.org, "person", r.key, "site", id.SiteID, "site_user_id", id.SiteUserID)
	r.identitiesChanged()
	return r.a.Store.ForgetIdentity(ctx, r.org, r.key, id.SiteID)
}

// reasonsFor are the reasons of the grants behind group g at the
// evaluation instant (or, for a revocation, of the grants that ended).
func (r *applyRun) reasonsFor(g access.GroupRef) json.RawMessage {
	var active, all []access.Reason
	for _, gr := range r.grants {
		if gr.Group != g {
			continue
		}
		all = append(all, gr.Reason)
		if gr.ActiveAt(r.at) {
			active = append(active, gr.Reason)
		}
	}
	reasons := active
	if len(reasons) == 0 {
		reasons = all
	}
	if len(reasons) == 0 {
		reasons = []access.Reason{}
	}
	b, _ := json.Marshal(reasons)
	return b
}

func (r *applyRun) audit(action string, g access.GroupRef, saltoUserID string, reason json.RawMessage) store.AuditEntry {
	return store.AuditEntry{Action: action, Person: r.key, SiteID: g.SiteID, GroupID: g.GroupID, SaltoUserID: saltoUserID,
		Reason: reason, Trigger: r.trigger, WorkflowID: r.workflowID, RunID: r.runID, Result: resultOK}
}

// settleProblems records the run's problems on the person, or clears an
// old one once the person is in order.
func (r *applyRun) settleProblems(ctx context.Context) error {
	problem := ""
	if len(r.problems) > 0 {
		problem = r.problems[0]
	}
	return r.a.Store.SetPersonProblem(ctx, r.org, r.key, problem)
}

func appliedRefs(applied []store.AppliedGroup) []access.GroupRef {
	out := make([]access.GroupRef, len(applied))
	for i, ap := range applied {
		out[i] = access.GroupRef{SiteID: ap.SiteID, GroupID: ap.GroupID}
	}
	return out
}
