package activities

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"doorsync/access"
	"doorsync/saltoks"
	"doorsync/store"
)

// repair applies one group's report: adds go to the persons' access workflows
// (never held); removals are made here, or held when the guard trips.
func (rc *reconcile) repair(ctx context.Context, gr *GroupReport, ids *siteIdentities) error {
	g := access.GroupRef{SiteID: gr.SiteID, GroupID: gr.GroupID}
	if err := rc.handOver(ctx, g, gr.Add, gr.listedAt); err != nil {
		return err
	}
	if len(gr.Remove) == 0 {
		return nil
	}
	return rc.a.Store.WithGroupLock(ctx, rc.org.ID, g.SiteID, g.GroupID, func() error {
		var err error
		if gr.Remove, err = rc.reconfirmRemovals(ctx, g, gr.Remove, ids); err != nil {
			return err
		}
		return rc.removeOrHold(ctx, gr, g, ids)
	})
}

// handOver hands a group's missing grants to the persons' access
// workflows: it forgets what doorsync believed applied before the group
// was listed and queues their pokes in one transaction, so a run failing
// later loses none of them.
func (rc *reconcile) handOver(ctx context.Context, g access.GroupRef, adds []ReportPerson, listedAt time.Time) error {
	pokes := make([]store.Poke, 0, len(adds))
	for _, add := range adds {
		pokes = append(pokes, store.Poke{Kind: store.PokeAccess, Target: add.Person, At: rc.at, Reason: "reconcile: missing from " + g.GroupID})
	}
	return rc.a.Store.ForgetAppliedAndPoke(ctx, rc.org.ID, g.SiteID, g.GroupID, pokes, listedAt)
}

// removeOrHold makes a group's removals, but for those an expired hold
// keeps back, or holds those no approval covers when the guard trips (or
// the group already has a pending hold); see judge. A removal Salto KS
// refuses becomes the group's problem and the others go on; the next run
// tries it again.
func (rc *reconcile) removeOrHold(ctx context.Context, gr *GroupReport, g access.GroupRef, ids *siteIdentities) error {
	approved, rest, err := rc.splitApproved(ctx, g, gr.Remove)
	if err != nil {
		return err
	}
	if rest, err = rc.keepBackExpired(ctx, gr, g, rest); err != nil {
		return err
	}
	c, err := rc.guardCase(ctx, g, len(rest), gr.Members)
	if err != nil {
		return err
	}
	if judge(c) == verdictHold {
		if err := rc.hold(ctx, gr, rest); err != nil {
			return err
		}
		rest = nil
	}
	var refused []refusal
	for _, rm := range append(approved, rest...) {
		err := rc.a.removeMember(ctx, rc.client, rc.org.ID, g, rm, ids.byUser[rm.SaltoUserID], TriggerReconcile, workflowOf(ctx))
		if saltoks.IsRefused(err) {
			refused = append(refused, refusal{rm.SaltoUserID, err})
			continue
		}
		if err != nil {
			return err
		}
	}
	if len(refused) > 0 {
		gr.Problem, gr.refused = refusedRemovals(refused), len(refused)
	}
	return nil
}

// refusal is a removal Salto KS refused: whose, and its answer.
type refusal struct {
	userID string
	err    error
}

// refusedRemovals is the problem of a group whose removals Salto KS
// refused: the first one in Salto KS's words, and how many more.
func refusedRemovals(refused []refusal) string {
	more := ""
	if len(refused) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(refused)-1)
	}
	return fmt.Sprintf("Salto KS refused to remove Salto user %s from the group%s; the next run tries again: %s",
		refused[0].userID, more, refusalText(refused[0].err))
}

// splitApproved separates the removals an approved hold covers.
func (rc *reconcile) splitApproved(ctx context.Context, g access.GroupRef, removals []ReportPerson) (approved, rest []ReportPerson, err error) {
	for _, rm := range removals {
		ok, err := rc.a.Store.RemovalApproved(ctx, rc.org.ID, g.SiteID, g.GroupID, rm.SaltoUserID)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			approved = append(approved, rm)
		} else {
			rest = append(rest, rm)
		}
	}
	return approved, rest, nil
}

// keepBackExpired leaves out the removals an expired hold keeps back
// (the group's report says so: held, with the hold's id), after expiring
// the group's overdue pending hold.
func (rc *reconcile) keepBackExpired(ctx context.Context, gr *GroupReport, g access.GroupRef, removals []ReportPerson) ([]ReportPerson, error) {
	if err := rc.a.expireHolds(ctx, rc.org.ID, rc.org.Settings.RemovalGuard, g, TriggerReconcile); err != nil {
		return nil, err
	}
	expired, err := rc.a.Store.ExpiredHoldUsers(ctx, rc.org.ID, g.SiteID, g.GroupID)
	if err != nil || len(expired) == 0 {
		return removals, err
	}
	var rest []ReportPerson
	for _, rm := range removals {
		if id := expired[rm.SaltoUserID]; id != "" {
			gr.Held, gr.HoldID = true, id
			continue
		}
		rest = append(rest, rm)
	}
	return rest, nil
}

// guardCase gathers what the guard weighs about a group's removals no
// approval covers and no expired hold keeps back.
func (rc *reconcile) guardCase(ctx context.Context, g access.GroupRef, removals, members int) (guardCase, error) {
	c := guardCase{Guard: rc.org.Settings.RemovalGuard, Removals: removals, Members: members}
	if removals == 0 {
		return c, nil
	}
	var err error
	if c.Pending, err = rc.a.pendingHold(ctx, rc.org.ID, g); err != nil || c.Pending {
		return c, err
	}
	c.Recent, err = rc.a.recentRemovals(ctx, rc.org.ID, g, rc.org.Settings)
	return c, err
}

// removeMember is a removal reconciliation, an approved hold or an org's
// deletion makes: the user leaves the group for every doorsync person
// behind it (see takeOut).
func (a *Activities) removeMember(ctx context.Context, client saltoGroups, orgID string, g access.GroupRef, rm ReportPerson,
	persons []store.SaltoIdentity, trigger string, wf workflowRef) error {
	keys := make([]string, len(persons))
	for i, id := range persons {
		keys[i] = id.Person
	}
	audit := store.AuditEntry{Action: ActionRemove, Person: rm.Person, SiteID: g.SiteID, GroupID: g.GroupID,
		SaltoUserID: rm.SaltoUserID, Reason: mustJSON(map[string]string{"why": removalWhy(rm)}), Trigger: trigger,
		WorkflowID: wf.id, RunID: wf.run, Result: resultOK}
	_, err := a.takeOut(ctx, client, orgID, g, keys, audit)
	return err
}

func removalWhy(rm ReportPerson) string {
	if rm.Person == "" {
		return "not a doorsync person and not protected (added by hand?)"
	}
	return "no longer granted"
}

// hold keeps a group's removals back until an operator decides, and audits
// each newly held removal.
func (rc *reconcile) hold(ctx context.Context, gr *GroupReport, removals []ReportPerson) error {
	held := make([]store.HeldRemoval, len(removals))
	for i, rm := range removals {
		held[i] = store.HeldRemoval{SaltoUserID: rm.SaltoUserID, Person: rm.Person}
	}
	h, added, err := rc.a.Store.HoldRemovals(ctx, store.Hold{ID: newID("hold"), OrgID: rc.org.ID, SiteID: gr.SiteID,
		GroupID: gr.GroupID, RunID: rc.in.RunID, Remove: held, Members: gr.Members})
	if err != nil {
		return err
	}
	gr.Held, gr.HoldID = true, h.ID
	if !added {
		return nil
	}
	wf := workflowOf(ctx)
	return rc.a.Store.AddAudit(ctx, rc.org.ID, store.AuditEntry{Action: ActionRemove, SiteID: gr.SiteID, GroupID: gr.GroupID,
		Reason:  mustJSON(map[string]any{"hold_id": h.ID, "removals": len(h.Remove), "members": gr.Members}),
		Trigger: TriggerReconcile, WorkflowID: wf.id, RunID: wf.run, Result: "held",
		Error: fmt.Sprintf("%d of %d members would be removed: held by the mass-removal guard until approved", len(h.Remove), gr.Members)})
}

func (rc *reconcile) poke(person, reason string) {
	rc.pokes = append(rc.pokes, store.Poke{Kind: store.PokeAccess, Target: person, At: rc.at, Reason: reason})
}

// finishOrg revokes access through groups no mapping names any more (via
// the persons' access workflows), hands every person with a problem back
// to their access workflow (what was wrong may have been fixed in Salto KS:
// a tag given back, seats added) and sends the queued pokes.
func (rc *reconcile) finishOrg(ctx context.Context) error {
	if rc.in.DryRun {
		return nil
	}
	if err := rc.pokeProblems(ctx); err != nil {
		return err
	}
	applied, err := rc.a.Store.AppliedGroupsOfOrg(ctx, rc.org.ID)
	if err != nil {
		return err
	}
	managed := map[access.GroupRef]bool{}
	for _, g := range rc.groups {
		managed[g] = true
	}
	for _, g := range applied {
		ag := access.GroupRef{SiteID: g.SiteID, GroupID: g.GroupID}
		if managed[ag] {
			continue
		}
		if err := rc.pokeApplied(ctx, ag); err != nil {
			return err
		}
	}
	if len(rc.pokes) == 0 {
		return nil
	}
	_, err = rc.a.Store.QueuePokes(ctx, rc.org.ID, rc.pokes)
	return err
}

func (rc *reconcile) pokeProblems(ctx context.Context) error {
	persons, err := rc.a.Store.ProblemPersons(ctx, rc.org.ID)
	if err != nil {
		return err
	}
	for _, p := range persons {
		rc.poke(p, "reconcile: looking again at their problem")
	}
	return nil
}

func (rc *reconcile) pokeApplied(ctx context.Context, g access.GroupRef) error {
	rows, err := rc.a.Store.AppliedInGroup(ctx, rc.org.ID, g.SiteID, g.GroupID)
	if err != nil {
		return err
	}
	for _, r := range rows {
		rc.poke(r.Person, "reconcile: "+g.GroupID+" is no longer mapped")
	}
	return nil
}

func newID(prefix string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}
