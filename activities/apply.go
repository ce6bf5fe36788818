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
	base, err := a.Store.ReadOrgBase(ctx, in.OrgID)
	org := base.Org
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
	snap, err := a.loader().PersonIn(ctx, base, person)
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
	err = expectedRetry(ctx, a.log(), []any{"org", in.OrgID, "person", wkey}, err)
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
