// Package activities does all I/O on behalf of doorsync's workflows: it
// reads the store, evaluates the access engine and talks to Salto KS. Every
// activity is idempotent: running it twice leaves the same state.
package activities

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/internal/guestkey"
	"doorsync/internal/snapshot"
	"doorsync/saltoks"
	"doorsync/store"
)

// SaltoClients hands out an org's Salto KS client and hears how calls went
// (so a refused token refresh marks the connection broken).
type SaltoClients interface {
	Client(ctx context.Context, orgID string) (*saltoks.Client, error)
	Record(ctx context.Context, orgID string, err error)
}

// Activities holds the dependencies of every activity.
type Activities struct {
	Store *store.Store
	Salto SaltoClients
	// Workflows lists running lifecycle workflows (reconciliation starts
	// the missing ones of entities with a scheduled change); nil skips that
	// step.
	Workflows RunningWorkflows
	// Orgs stops an org's workflows and schedule when it is deleted; nil
	// makes StopOrgWorkflows fail (and retry).
	Orgs OrgWorkflows
	// Platform serves the platform sync's activities (platform*.go); nil
	// makes them fail without retrying.
	Platform *PlatformSync
	Log      *slog.Logger
	// Guests names guests to workflows by a hash of their e-mail (see
	// guests.go).
	Guests *guestkey.Keyer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// afterAdd, set only by tests, runs between a Salto KS add and its
	// record (a non-nil error stands for the worker being killed there).
	afterAdd func(context.Context) error
	// afterList, set only by tests, runs after a reconciliation lists a
	// group, before it compares the group (a change racing the run).
	afterList func(context.Context)
}

// Definition is one activity and the name it is registered under.
type Definition struct {
	Name string
	Fn   any
}

// Definitions lists every activity with its stable name.
func (a *Activities) Definitions() []Definition {
	return []Definition{
		{contract.LoadLifecycleActivity, a.LoadLifecycle},
		{contract.PokePersonsActivity, a.PokePersons},
		{contract.ApplyAccessActivity, a.ApplyAccess},
		{contract.ReconcileOrgActivity, a.ReconcileOrg},
		{contract.ApplyHoldActivity, a.ApplyHold},
		{contract.FinishRunActivity, a.FinishRun},
		{contract.StopOrgWorkflowsActivity, a.StopOrgWorkflows},
		{contract.RevokeOrgActivity, a.RevokeOrg},
		{contract.DeleteOrgDataActivity, a.DeleteOrgData},
		{contract.PlatformStreamsActivity, a.PlatformStreams},
		{contract.SyncPlatformPageActivity, a.SyncPlatformPage},
		{contract.SweepPlatformActivity, a.SweepPlatform},
		{contract.FinishPlatformSyncActivity, a.FinishPlatformSync},
	}
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// evalTime is the later of the instant a poke stands for and the clock.
func (a *Activities) evalTime(at time.Time) time.Time {
	if now := a.now(); now.After(at) {
		return now
	}
	return at
}

func (a *Activities) loader() snapshot.Loader { return snapshot.Loader{Store: a.Store} }

// LoadLifecycle says whom an entity names, whether its access changed in
// (in.Since, at] (always, for a zero Since), and when it next changes.
func (a *Activities) LoadLifecycle(ctx context.Context, in contract.LoadLifecycleInput) (contract.LoadLifecycleResult, error) {
	snap, err := a.loader().Entity(ctx, in.OrgID, in.Kind, in.EntityID)
	if err != nil {
		return contract.LoadLifecycleResult{}, err
	}
	at := a.evalTime(in.At)
	res := contract.LoadLifecycleResult{Exists: snap.Holds(in.Kind, in.EntityID)}
	if !res.Exists {
		return res, nil
	}
	if res.Persons, err = a.workflowKeys(ctx, in.OrgID, personKeys(access.AffectedPersons(snap, in.Kind, in.EntityID))); err != nil {
		return contract.LoadLifecycleResult{}, err
	}
	slices.Sort(res.Persons)
	if len(res.Persons) == 0 {
		res.Persons = nil
	}
	grants := access.GrantsForEntity(snap, in.Kind, in.EntityID)
	res.NextChange = access.NextChange(grants, at)
	res.Changed = changedBetween(grants, in.Since, at)
	return res, nil
}

// changedBetween says whether a window of grants opens or closes in
// (since, at]; a zero since stands for "nothing delivered yet": always.
func changedBetween(grants []access.Grant, since, at time.Time) bool {
	if since.IsZero() {
		return true
	}
	next := access.NextChange(grants, since)
	return !next.IsZero() && !next.After(at)
}

// PokePersons queues pokes for the persons' access workflows; the outbox
// relay sends them (at once: the insert notifies it).
func (a *Activities) PokePersons(ctx context.Context, in contract.PokePersonsInput) error {
	persons, err := a.storeKeys(ctx, in.OrgID, in.Persons)
	if err != nil {
		return err
	}
	pokes := make([]store.Poke, len(persons))
	for i, p := range persons {
		pokes[i] = store.Poke{Kind: store.PokeAccess, Target: p, At: in.At, Reason: in.Reason}
	}
	_, err = a.Store.QueuePokes(ctx, in.OrgID, pokes)
	return err
}

// auditContext says which workflow run made a change.
func auditContext(ctx context.Context) (workflowID, runID string) {
	if !activity.IsActivity(ctx) {
		return "", ""
	}
	info := activity.GetInfo(ctx)
	return info.WorkflowExecution.ID, info.WorkflowExecution.RunID
}

// workflowRef names the workflow run an activity works for ("" outside
// one).
type workflowRef struct{ id, run string }

func workflowOf(ctx context.Context) workflowRef {
	id, run := auditContext(ctx)
	return workflowRef{id, run}
}
