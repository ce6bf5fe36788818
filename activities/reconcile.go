package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/internal/saltoconn"
	"doorsync/saltoks"
	"doorsync/store"
)

// Report is what a reconciliation run found, group by group. It is stored
// with the run (reconcile_runs.plan) and the API answers it as "plan".
type Report struct {
	Groups []GroupReport `json:"groups"`
}

// GroupReport is one group's drift: who should be added and who removed.
type GroupReport struct {
	SiteID  string         `json:"site_id"`
	GroupID string         `json:"group_id"`
	Members int            `json:"members"`
	Add     []ReportPerson `json:"add"`
	Remove  []ReportPerson `json:"remove"`
	Held    bool           `json:"held"`
	HoldID  string         `json:"hold_id,omitempty"`
	// Problem is why the group could not be (fully) reconciled: Salto KS
	// no longer has it, or refused a removal. The run goes on with the
	// other groups.
	Problem string `json:"problem,omitempty"`
	// refused counts the removals Salto KS refused (not applied).
	refused int
	// listedAt is the database's clock just before the group was listed.
	listedAt time.Time
}

// ReportPerson names a Salto KS user and, where known, the doorsync person.
type ReportPerson struct {
	SaltoUserID string `json:"salto_user_id"`
	Person      string `json:"person,omitempty"`
}

// reconcileProgress is heartbeated after each group, so a retried run
// resumes with the next group.
type reconcileProgress struct {
	NextGroup int                         `json:"next_group"`
	Report    []GroupReport               `json:"plan"` // the report so far; the key is read back by a retry
	Result    contract.ReconcileOrgResult `json:"result"`
}

// ReconcileOrg compares every managed group's real members in Salto KS with
// the engine's desired members and repairs the drift: it removes users who
// should not be there (hand-added ones included) unless protected, hands
// missing grants to the persons' access workflows after correcting what
// doorsync believes applied, and holds a group whose removals exceed the
// org's guard. A dry run only reports.
func (a *Activities) ReconcileOrg(ctx context.Context, in contract.ReconcileOrgInput) (contract.ReconcileOrgResult, error) {
	if err := a.Store.StartRun(ctx, store.ReconcileRun{ID: in.RunID, OrgID: in.OrgID, DryRun: in.DryRun, Trigger: in.Trigger}); err != nil {
		return contract.ReconcileOrgResult{}, err
	}
	rc, err := a.newReconcile(ctx, in)
	if err != nil {
		return contract.ReconcileOrgResult{}, err
	}
	if err := rc.expireOverdueHolds(ctx); err != nil {
		return contract.ReconcileOrgResult{}, err
	}
	progress := rc.resume(ctx)
	for i := progress.NextGroup; i < len(rc.groups); i++ {
		gr, err := rc.reconcileGroup(ctx, rc.groups[i])
		if err != nil {
			a.Salto.Record(ctx, in.OrgID, err)
			if saltoks.IsRetryable(err) { // resumed from here by the next attempt: an expected retry
				return progress.Result, expectedRetry(ctx, a.log(),
					[]any{"org", in.OrgID, "run", in.RunID, "site", rc.groups[i].SiteID, "group", rc.groups[i].GroupID}, retryable(err))
			}
			return progress.Result, retryable(err)
		}
		progress.Report = append(progress.Report, gr)
		progress.Result = addCounts(progress.Result, gr, in.DryRun)
		progress.NextGroup = i + 1
		if err := rc.heartbeat(ctx, progress, gr); err != nil {
			return progress.Result, err
		}
	}
	if err := rc.finishOrg(ctx); err != nil {
		return progress.Result, err
	}
	if !in.DryRun {
		if progress.Result.Restarted, err = rc.redrive(ctx, rc.grants); err != nil {
			return progress.Result, err
		}
	}
	rc.rememberNames(ctx)
	progress.Result.Groups = len(rc.groups)
	var drift []store.RunDrift
	if !in.DryRun { // a dry run only shows; the run that repairs reports drift
		d := store.RunDrift{Trigger: in.Trigger, Groups: progress.Result.Groups}
		d.Counts.Add, d.Counts.Remove = progress.Result.Adds, progress.Result.Removes
		d.Counts.Held, d.Counts.Problem = progress.Result.Held, len(progress.Result.Problems)
		drift = append(drift, d)
	}
	return progress.Result, a.Store.SaveRunReport(ctx, in.OrgID, in.RunID, Report{Groups: nonNil(progress.Report)}, drift...)
}

// reconcile is one run's state: the org, its desired access and who is who
// in Salto KS.
type reconcile struct {
	a         *Activities
	in        contract.ReconcileOrgInput
	at        time.Time
	org       store.Org
	client    *saltoks.Client
	snap      access.Snapshot
	grants    []access.Grant
	desired   map[access.GroupRef][]string // group → person keys, sorted
	groups    []access.GroupRef
	ids       map[string]*siteIdentities
	protected map[string]bool
	pokes     []store.Poke
	// heartbeated is the report so far as heartbeat details give it.
	heartbeated []GroupReport
}

func (a *Activities) newReconcile(ctx context.Context, in contract.ReconcileOrgInput) (*reconcile, error) {
	rc := &reconcile{a: a, in: in, at: a.evalTime(in.At), ids: map[string]*siteIdentities{}}
	var err error
	if rc.org, err = a.Store.GetOrg(ctx, in.OrgID); err != nil {
		return nil, err
	}
	if rc.org.DeletingSince != nil {
		return nil, temporal.NewNonRetryableApplicationError("the org is being deleted", "OrgDeleting", store.ErrOrgDeleting)
	}
	if rc.client, err = a.Salto.Client(ctx, in.OrgID); err != nil {
		if errors.Is(err, saltoconn.ErrNotConnected) {
			return nil, temporal.NewNonRetryableApplicationError(problemNoConnection, "NotConnected", err)
		}
		return nil, err
	}
	if rc.snap, err = a.loader().Org(ctx, in.OrgID); err != nil {
		return nil, err
	}
	rc.grants = access.Grants(rc.snap)
	rc.desired = desiredByGroup(access.ActiveAt(rc.grants, rc.at))
	rc.groups = rc.snap.Mappings.ManagedGroups()
	rc.protected = protectedSet(rc.org.Settings.ProtectedSaltoUsers)
	return rc, nil
}

// resume picks up the progress a previous attempt heartbeated. Details it
// cannot read (or whose persons it cannot resolve) are logged and counted,
// and the run starts over from the first group: repairing a group again is
// harmless, skipping one is not.
func (rc *reconcile) resume(ctx context.Context) reconcileProgress {
	var p reconcileProgress
	if activity.IsActivity(ctx) && activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &p); err != nil {
			return rc.startOver(ctx, "reconcile: heartbeat details unreadable; starting over", err)
		}
	}
	report, err := rc.a.resumedReport(ctx, rc.in.OrgID, p.Report)
	if err != nil {
		return rc.startOver(ctx, "reconcile: heartbeated report unresolvable; starting over", err)
	}
	rc.heartbeated = p.Report
	p.Report = report
	return p
}

// startOver logs and counts why a run cannot resume, and is no progress.
func (rc *reconcile) startOver(ctx context.Context, msg string, err error) reconcileProgress {
	resumeFailures.Inc()
	rc.a.log().ErrorContext(ctx, msg, "org", rc.in.OrgID, "run", rc.in.RunID, "err", err)
	return reconcileProgress{}
}

// heartbeat records progress after group report gr, its persons named as
// workflows name them (Temporal keeps heartbeat details; a guest's e-mail
// stays in Postgres).
func (rc *reconcile) heartbeat(ctx context.Context, progress reconcileProgress, gr GroupReport) error {
	if !activity.IsActivity(ctx) {
		return nil
	}
	hidden, err := rc.a.heartbeatReport(ctx, rc.in.OrgID, []GroupReport{gr})
	if err != nil {
		return err
	}
	rc.heartbeated = append(rc.heartbeated, hidden...)
	progress.Report = rc.heartbeated
	activity.RecordHeartbeat(ctx, progress)
	return nil
}

func desiredByGroup(d access.Desired) map[access.GroupRef][]string {
	out := map[access.GroupRef][]string{}
	for _, p := range d.Persons() {
		for _, g := range d[p] {
			out[g] = append(out[g], p.Key())
		}
	}
	return out
}

func protectedSet(users []string) map[string]bool {
	out := map[string]bool{}
	for _, u := range users {
		out[strings.ToLower(strings.TrimSpace(u))] = true
	}
	return out
}

// reconcileGroup lists a group's members (all pages), reports its drift and,
// unless this is a dry run, repairs it or holds it.
func (rc *reconcile) reconcileGroup(ctx context.Context, g access.GroupRef) (GroupReport, error) {
	listedAt, err := rc.a.Store.Now(ctx)
	if err != nil {
		return GroupReport{}, err
	}
	members, err := rc.listMembers(ctx, g)
	if groupUnlistable(err) {
		return GroupReport{SiteID: g.SiteID, GroupID: g.GroupID, Add: []ReportPerson{}, Remove: []ReportPerson{},
			Problem: unlistableProblem(err)}, nil
	}
	if err != nil {
		return GroupReport{}, err
	}
	if rc.a.afterList != nil {
		rc.a.afterList(ctx)
	}
	ids, err := rc.identities(ctx, g.SiteID)
	if err != nil {
		return GroupReport{}, err
	}
	gr := rc.compareGroup(g, members, ids)
	gr.listedAt = listedAt
	if rc.in.DryRun {
		if gr.Remove, err = rc.reconfirmRemovals(ctx, g, gr.Remove, ids); err != nil {
			return GroupReport{}, err
		}
		c, err := rc.guardCase(ctx, g, len(gr.Remove), gr.Members)
		gr.Held = judge(c) == verdictHold
		return gr, err
	}
	return gr, rc.repair(ctx, &gr, ids)
}

// groupUnlistable: Salto KS answered a group's listing with a 404 (the
// group is gone) or another refusal that asking again will not change. A
// transient failure (5xx, 429, a timeout) is not: the run is retried.
func groupUnlistable(err error) bool {
	return err != nil && (saltoks.IsNotFound(err) || saltoks.IsRefused(err))
}

// unlistableProblem is the problem of a group Salto KS would not list.
func unlistableProblem(err error) string {
	if saltoks.IsNotFound(err) {
		return "Salto KS does not have this access group (deleted there?); fix or remove the mappings naming it: " + refusalText(err)
	}
	return "Salto KS refused to list the group's members: " + refusalText(err)
}

func (rc *reconcile) listMembers(ctx context.Context, g access.GroupRef) ([]saltoks.GroupMember, error) {
	var all []saltoks.GroupMember
	trail := rc.client.NewPageTrail()
	next := ""
	for {
		page, err := rc.client.GroupMembersPage(ctx, g.SiteID, g.GroupID, next)
		if err == nil && page.NextPageLink != "" {
			err = trail.Follow(page.NextPageLink)
		}
		if err != nil {
			return nil, fmt.Errorf("list members of %s/%s: %w", g.SiteID, g.GroupID, err)
		}
		all = append(all, page.Items...)
		if next = page.NextPageLink; next == "" {
			return all, nil
		}
	}
}

// siteIdentities indexes who is who on one site, both ways.
type siteIdentities struct {
	byUser   map[string][]store.SaltoIdentity // platform user id → persons
	byPerson map[string]store.SaltoIdentity
}

func (rc *reconcile) identities(ctx context.Context, siteID string) (*siteIdentities, error) {
	if ids, ok := rc.ids[siteID]; ok {
		return ids, nil
	}
	list, err := rc.a.Store.IdentitiesOnSite(ctx, rc.org.ID, siteID)
	if err != nil {
		return nil, err
	}
	ids := &siteIdentities{byUser: map[string][]store.SaltoIdentity{}, byPerson: map[string]store.SaltoIdentity{}}
	for _, id := range list {
		ids.byUser[id.UserID] = append(ids.byUser[id.UserID], id)
		ids.byPerson[id.Person] = id
	}
	rc.ids[siteID] = ids
	return ids, nil
}

// compareGroup reports a group's drift: its real members compared with its
// desired ones.
func (rc *reconcile) compareGroup(g access.GroupRef, members []saltoks.GroupMember, ids *siteIdentities) GroupReport {
	gr := GroupReport{SiteID: g.SiteID, GroupID: g.GroupID, Members: len(members), Add: []ReportPerson{}, Remove: []ReportPerson{}}
	want := map[string]bool{}
	for _, p := range rc.desired[g] {
		want[p] = true
	}
	present := map[string]bool{}
	for _, m := range members {
		present[m.UserID] = true
		if rc.wanted(m.UserID, ids, want) || rc.isProtected(m) {
			continue
		}
		gr.Remove = append(gr.Remove, ReportPerson{SaltoUserID: m.UserID, Person: personOf(ids.byUser[m.UserID])})
	}
	for _, p := range rc.desired[g] {
		uid := ids.byPerson[p].UserID
		if uid == "" || !present[uid] {
			gr.Add = append(gr.Add, ReportPerson{SaltoUserID: uid, Person: p})
		}
	}
	return gr
}

// wanted: some doorsync person behind this Salto KS user should be in the
// group.
func (rc *reconcile) wanted(uid string, ids *siteIdentities, want map[string]bool) bool {
	for _, id := range ids.byUser[uid] {
		if want[id.Person] {
			return true
		}
	}
	return false
}

func (rc *reconcile) isProtected(m saltoks.GroupMember) bool {
	return rc.protected[strings.ToLower(m.UserID)] || (m.Email != "" && rc.protected[strings.ToLower(m.Email)])
}

func personOf(ids []store.SaltoIdentity) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[0].Person
}

func addCounts(r contract.ReconcileOrgResult, gr GroupReport, dryRun bool) contract.ReconcileOrgResult {
	r.Adds += len(gr.Add)
	r.Removes += len(gr.Remove)
	if gr.Held {
		r.Held++
	} else if !dryRun {
		r.Applied += len(gr.Add) + len(gr.Remove) - gr.refused
	}
	if gr.Problem != "" {
		r.Problems = append(r.Problems, contract.GroupProblem{SiteID: gr.SiteID, GroupID: gr.GroupID, Problem: gr.Problem})
	}
	return r
}

func nonNil(p []GroupReport) []GroupReport {
	if p == nil {
		return []GroupReport{}
	}
	return p
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
