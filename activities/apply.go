package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
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
	resultError         = "error"
	problemNoConnection = "the org is not connected to Salto KS"
)

// errBadPersonKey is an ApplyAccess input naming no person (its key is
// not repeated: a guest's would be their e-mail).
var errBadPersonKey = errors.New("not a person key")

// ApplyAccess makes one person's Salto KS group memberships match what the
// engine says they should have now: revocations first, then the person's
// Salto KS user (adopted by e-mail before one is created), additions, and
// their tags (an access card that cannot be assigned is a problem, not a
// failure). Each change is recorded with an audit row as it is made, so a
// retry after a failure half-way repeats nothing that was done.
//
// In is named by its workflow key (a guest's is a hash of their e-mail);
// the e-mail is read from the store. A run of a workflow that is no longer
// the person's hands the apply over to the current one.
func (a *Activities) ApplyAccess(ctx context.Context, in contract.ApplyAccessInput) (contract.ApplyAccessResult, error) {
	org, err := a.Store.GetOrg(ctx, in.OrgID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && org.DeletingSince != nil) {
		return contract.ApplyAccessResult{}, nil // deleted, or being deleted: nothing is granted any more
	}
	if err != nil {
		return contract.ApplyAccessResult{}, err
	}
	keys, err := a.storeKeys(ctx, in.OrgID, []string{in.Person})
	if err != nil {
		return contract.ApplyAccessResult{}, err
	}
	wkey := a.Guests.WorkflowKey(in.Person)
	if superseded(ctx, in.OrgID, wkey) {
		return contract.ApplyAccessResult{}, a.handOver(ctx, in, keys[0])
	}
	person, err := access.ParsePersonKey(keys[0])
	if err != nil {
		return contract.ApplyAccessResult{}, fmt.Errorf("apply access of %s: %w", wkey, errBadPersonKey)
	}
	at := a.evalTime(in.At)
	snap, err := a.loader().Person(ctx, in.OrgID, person)
	if err != nil {
		return contract.ApplyAccessResult{}, err
	}
	grants := access.GrantsForPerson(snap, person)
	run := &applyRun{a: a, org: in.OrgID, person: person, key: keys[0], wkey: wkey, snap: snap, grants: grants, at: at,
		loaded: time.Now(), trigger: TriggerRealtime, cause: in.Cause, settings: org.Settings}
	run.workflowID, run.runID = auditContext(ctx)
	stop := keepAlive(ctx)
	res, err := run.apply(ctx)
	stop()
	res.NextChange = access.NextChange(run.grants, at)
	return res, err
}

// applyRun is one ApplyAccess evaluation.
type applyRun struct {
	a                 *Activities
	org               string
	person            access.PersonRef
	key               string // the store's person key
	wkey              string // the workflow's: no e-mail, for errors and logs
	snap              access.Snapshot
	grants            []access.Grant
	loaded            time.Time // when snap and grants were read (see refreshGrants)
	at                time.Time
	trigger           string
	workflowID, runID string
	client            *saltoks.Client
	settings          store.OrgSettings
	problems          []string
	// ids caches the person's Salto KS users for the run; nil until read
	// and again after the run changes them.
	ids []store.SaltoIdentity
	// cause is why the workflow applies (a poke's reason); "" if unknown.
	cause string
	// adding are the groups the run adds (their reasons are why a user
	// is created); noUser are the sites where the person could not be
	// given a user this run (the reason is among r.problems).
	adding []access.GroupRef
	noUser map[string]bool
	// carried are the still desired groups of unconfirmed rows an earlier
	// run left (see intentsStillDesired): added again, and their intent
	// kept if Salto KS refuses (the earlier add may have landed).
	carried []access.GroupRef
	// appliedOn are the sites where something is still applied for the
	// person, held removals included (see noteApplied).
	appliedOn map[string]bool
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
	add, remove := access.Diff(desired, appliedRefs(applied))
	r.carried = intentsStillDesired(applied, desired)
	add = append(add, r.carried...)
	if err := r.noteApplied(ctx, applied); err != nil {
		return res, err
	}
	tagWork, err := r.tagsOutOfStep(ctx, desired)
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
	var refusedRemoval error
	if res.Removed, refusedRemoval, err = r.removeAll(ctx, remove, applied); err != nil {
		return res, retryable(err)
	}
	if err = r.reloadApplied(ctx); err != nil {
		return res, err
	}
	if refusedRemoval != nil { // shown at once, whatever happens next
		if err = r.settleProblems(ctx); err != nil {
			return res, err
		}
	}
	if res.Added, err = r.addAll(ctx, add, desired); err != nil {
		return res, retryable(err)
	}
	if err = r.syncTags(ctx, desired); err != nil {
		return res, retryable(err)
	}
	if err = r.suspendIdle(ctx, desired); err != nil {
		return res, retryable(err)
	}
	if len(r.problems) > 0 {
		res.Problem = r.problems[0]
	}
	if err = r.settleProblems(ctx); err == nil && refusedRemoval != nil {
		err = refusedRemoval // retried until it succeeds: access never outlives its reason
	}
	return res, err
}

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
// with another doorsync person still granted the group stays in Salto KS;
// only the person's row goes.
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
	if shared {
		return r.leaveShared(ctx, ap, remove)
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

// leaveShared forgets the person's row in a group whose user another
// doorsync person still holds there: Salto KS is left alone.
func (r *applyRun) leaveShared(ctx context.Context, ap store.AppliedGroup, remove store.AuditEntry) (bool, error) {
	if !ap.Confirmed {
		return false, r.a.Store.DropIntent(ctx, r.org, ap) // the membership is the other person's
	}
	return true, r.a.Store.RecordRemoved(ctx, r.org, ap, remove)
}

// recoveredAddReason is the reason of an add found in Salto KS by the run
// after the one that made it was killed before recording it.
var recoveredAddReason = mustJSON(map[string]string{"why": "an add whose outcome was not recorded (interrupted apply)"})

// intentsStillDesired are the groups of the person's unconfirmed rows
// (adds a killed run may or may not have made) that are still desired:
// they are added again, which confirms them. Those no longer desired are
// in the diff's removals.
func intentsStillDesired(applied []store.AppliedGroup, desired []access.GroupRef) []access.GroupRef {
	var out []access.GroupRef
	for _, ap := range applied {
		g := access.GroupRef{SiteID: ap.SiteID, GroupID: ap.GroupID}
		if !ap.Confirmed && slices.Contains(desired, g) {
			out = append(out, g)
		}
	}
	return out
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
// making sure they exist on the site first. A group Salto KS refuses (or a
// site where the person cannot have a user) is recorded as a problem and
// the other groups go on; the next run tries it again.
func (r *applyRun) addAll(ctx context.Context, add []access.GroupRef, desired []access.GroupRef) (int, error) {
	n := 0
	if err := r.resubscribe(ctx, desired); err != nil {
		return n, err
	}
	r.adding = add
	for _, g := range add {
		if !r.stillGranted(g) {
			continue // its window closed while the run went on: adding now would outlive its reason
		}
		id, ok, err := r.identity(ctx, g.SiteID)
		if err != nil {
			return n, err
		}
		if !ok {
			continue
		}
		added, err := r.addOne(ctx, g, id)
		if err != nil {
			return n, err
		}
		if added {
			n++
		}
	}
	return n, nil
}

// addOne puts the person's user into one group. The intent is recorded
// first (see RecordIntent): a run killed after Salto KS added but before
// the add is recorded leaves it for the next run (see settleIntents). It
// reports false when Salto KS refused (recorded as the person's problem).
func (r *applyRun) addOne(ctx context.Context, g access.GroupRef, id store.SaltoIdentity) (bool, error) {
	if err := r.refreshGrants(ctx); err != nil {
		return false, err
	}
	if !r.stillGranted(g) {
		return false, nil // the grant ended, or changed, while the run went on (making the user, earlier adds)
	}
	ap := store.AppliedGroup{Person: r.key, SiteID: g.SiteID, GroupID: g.GroupID, UserID: id.UserID}
	err := r.a.Store.RecordIntent(ctx, r.org, ap)
	if errors.Is(err, store.ErrOrgDeleting) {
		return false, nil // the org's deletion revokes what is recorded: add nothing more
	}
	if err != nil {
		return false, err
	}
	gctx, cancel := r.withinGrant(ctx, g)
	defer cancel()
	gctx = saltoks.WithBeforeSend(gctx, r.grantStillHolds(g))
	err = r.client.AddGroupMember(gctx, g.SiteID, g.GroupID, id.UserID)
	if saltoks.IsNotFound(err) {
		err = r.addWhileProvisioning(gctx, g, id, err)
	}
	if errors.Is(err, errGrantEnded) { // not sent; any earlier attempt was a 404: nothing was added
		return false, r.dropUnmadeIntent(ctx, g, ap, err)
	}
	if err != nil && gctx.Err() != nil && ctx.Err() == nil {
		return false, r.grantEndedWhileAdding(ctx, g, ap, err)
	}
	if err != nil {
		return false, r.addFailed(ctx, g, id, ap, err)
	}
	if r.a.afterAdd != nil { // tests: a worker killed right after Salto KS added
		if err := r.a.afterAdd(ctx); err != nil {
			return false, err
		}
	}
	err = r.a.Store.RecordApplied(ctx, r.org, ap, r.audit(ActionAdd, g, id.UserID, r.reasonsFor(g)))
	if errors.Is(err, store.ErrOrgDeleting) {
		if err := r.undoAdd(ctx, g, id); err != nil {
			return false, err
		}
		return false, r.a.Store.DropIntent(ctx, r.org, ap) // taken back: nothing for the deletion to revoke
	}
	return err == nil, err
}

// addFailed handles an add Salto KS did not make. When it answered that
// it did not (refused, or 404), this run's intent is dropped (one an
// earlier run left stays: its add may have landed); on any other failure
// the outcome is unknown and the intent stays for the retry.
func (r *applyRun) addFailed(ctx context.Context, g access.GroupRef, id store.SaltoIdentity, ap store.AppliedGroup, err error) error {
	if derr := r.dropUnmadeIntent(ctx, g, ap, err); derr != nil {
		return derr
	}
	switch {
	case saltoks.IsRefused(err):
		problem := fmt.Sprintf("Salto KS refused to add them to access group %s on site %s", g.GroupID, g.SiteID)
		return r.refused(ctx, ActionAdd, g, id.UserID, r.reasonsFor(g), problem, err)
	case saltoks.IsNotFound(err):
		return r.addNotFound(ctx, g, id, err)
	}
	return fmt.Errorf("add %s to %s/%s: %w", r.wkey, g.SiteID, g.GroupID, err)
}

// dropUnmadeIntent drops this run's intent of an add that was not made
// (Salto KS refused it or answered 404, or it was not sent); one an
// earlier run left stays, as its add may have landed.
func (r *applyRun) dropUnmadeIntent(ctx context.Context, g access.GroupRef, ap store.AppliedGroup, err error) error {
	unmade := saltoks.IsRefused(err) || saltoks.IsNotFound(err) || errors.Is(err, errGrantEnded)
	if unmade && !slices.Contains(r.carried, g) {
		return r.a.Store.DropIntent(ctx, r.org, ap)
	}
	return nil
}

// undoAdd takes back an addition the org's deletion overtook: the deletion
// revokes only what was recorded, and this was not.
func (r *applyRun) undoAdd(ctx context.Context, g access.GroupRef, id store.SaltoIdentity) error {
	err := r.client.RemoveGroupMember(ctx, g.SiteID, g.GroupID, id.UserID)
	if err != nil && !saltoks.IsNotFound(err) {
		return fmt.Errorf("undo adding %s to %s/%s: %w", r.wkey, g.SiteID, g.GroupID, err)
	}
	return nil
}

// addNotFound handles a 404 on adding to a group. Salto KS answers 404
// 2202 both for a group the site does not have (a mapping's mistake:
// recorded as the person's problem) and, for a while after creation, for a
// user it is still provisioning (retrying later succeeds), so it is asked
// for the group. If the user is gone (deleted by hand), it is forgotten so
// the retry adopts or creates anew.
func (r *applyRun) addNotFound(ctx context.Context, g access.GroupRef, id store.SaltoIdentity, addErr error) error {
	_, err := r.client.GetAccessGroup(ctx, g.SiteID, g.GroupID)
	if saltoks.IsNotFound(err) {
		problem := fmt.Sprintf("access group %s does not exist on Salto KS site %s", g.GroupID, g.SiteID)
		return r.refused(ctx, ActionAdd, g, id.UserID, r.reasonsFor(g), problem, err)
	}
	if err != nil {
		return fmt.Errorf("get access group %s/%s: %w", g.SiteID, g.GroupID, err)
	}
	if err := r.forgetIfGone(ctx, id); err != nil {
		return err
	}
	return fmt.Errorf("add %s to %s/%s: %w", r.wkey, g.SiteID, g.GroupID, addErr)
}

// refused records a change Salto KS refused: what (with Salto KS's
// status, error code and message) becomes a problem of the person and the
// error of an audit entry, unless the person's last entry there already
// records the same refusal (retries must not flood the audit log).
func (r *applyRun) refused(ctx context.Context, action string, g access.GroupRef, userID string, reason json.RawMessage,
	what string, cause error) error {
	why := what + ": " + refusalText(cause)
	r.problems = append(r.problems, why)
	last, err := r.a.Store.LastAudit(ctx, r.org, r.key, g.SiteID, g.GroupID)
	if err == nil && last.Action == action && last.Result == resultError && last.Error == why {
		return nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	audit := r.audit(action, g, userID, reason)
	audit.Result, audit.Error = resultError, why
	return r.a.Store.AddAudit(ctx, r.org, audit)
}

// refusalText is Salto KS's answer: status, ErrorCode and message.
func refusalText(err error) string {
	var e *saltoks.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	s := fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		s += " (ErrorCode " + e.Code + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
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
		"org", r.org, "person", r.wkey, "site", id.SiteID, "site_user_id", id.SiteUserID)
	r.identitiesChanged()
	return r.a.Store.ForgetIdentity(ctx, r.org, r.key, id.SiteID)
}

// reasonsFor are the reasons of the grants behind group g at the
// evaluation instant (an add's reason: a JSON array of reasons).
func (r *applyRun) reasonsFor(g access.GroupRef) json.RawMessage {
	active, inactive := r.grantReasons(g)
	if len(active) == 0 {
		active = inactive
	}
	return mustJSON(orEmpty(active))
}

// grantReasons are the reasons of the person's grants of group g, those
// active at the evaluation instant and the others.
func (r *applyRun) grantReasons(g access.GroupRef) (active, inactive []access.Reason) {
	for _, gr := range r.grants {
		switch {
		case gr.Group != g:
		case gr.ActiveAt(r.at):
			active = append(active, gr.Reason)
		default:
			inactive = append(inactive, gr.Reason)
		}
	}
	return active, inactive
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

// neededBy are the reasons of the groups the run adds on site: why the
// person needs a user there (a create_user or adopt_user entry's reason).
func (r *applyRun) neededBy(siteID string) json.RawMessage {
	var reasons []access.Reason
	for _, g := range r.adding {
		if g.SiteID != siteID {
			continue
		}
		active, _ := r.grantReasons(g)
		for _, rs := range active {
			if !slices.Contains(reasons, rs) {
				reasons = append(reasons, rs)
			}
		}
	}
	return mustJSON(orEmpty(reasons))
}

func orEmpty(reasons []access.Reason) []access.Reason {
	if reasons == nil {
		return []access.Reason{}
	}
	return reasons
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
