package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// Lifecycle follows one membership, booking or day pass (in.Kind) while
// the entity's access has a change scheduled; started when nothing is, it
// makes one step and returns. It is registered under MembershipWorkflow,
// BookingWorkflow and DayPassWorkflow. A write of the entity (or of the
// org's settings) starts it by signal-with-start only when the entity's
// access changes later, and otherwise only signals a run already there
// (store.PokeLifecycleIfRunning); a change of something the entity depends
// on, a day pass's use and reconciliation's re-drive start it by
// signal-with-start.
//
// Each step loads the entity at the step's instant, pokes the access
// workflow of every person it reaches now or reached at the previous step
// (so a person a change dropped is revoked too) except those the change
// that woke it poked already (contract.Poke.Poked), and then sleeps until
// the entity's next change in access or the next poke. It returns once
// nothing is scheduled (the entity is deleted, done, or its access changes
// no more by itself) and no poke is pending. A change of the entity itself
// pokes the persons it reaches now before and after, and a team change the
// team's members who hold access, so a workflow that ended forgets no one
// who must lose access.
func Lifecycle(ctx workflow.Context, in contract.LifecycleInput) error {
	lc := &lifecycle{
		in:      in,
		pokes:   workflow.GetSignalChannel(ctx, contract.PokeSignal),
		persons: union(in.Persons, nil),
		logger: log.With(workflow.GetLogger(ctx),
			"org", in.OrgID, "kind", in.Kind, "entity", in.EntityID),
	}
	return lc.run(ctx)
}

// lifecycle is one Lifecycle run's state.
type lifecycle struct {
	in    contract.LifecycleInput
	pokes workflow.ReceiveChannel
	// persons are the persons poked at the last step.
	persons []string
	logger  log.Logger
}

// run is the Lifecycle loop.
func (lc *lifecycle) run(ctx workflow.Context) error {
	w := pending(lc.pokes) // signal-with-start's poke
	for {
		res, at, err := lc.step(ctx, w)
		if err != nil {
			return err
		}
		if !res.Exists || res.NextChange.IsZero() {
			if w = pending(lc.pokes); w.pokes > 0 {
				continue
			}
			lc.logger.Info("Lifecycle over: nothing scheduled", "exists", res.Exists, "done", res.Done, "at", at)
			return nil
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if w = pending(lc.pokes); w.pokes > 0 {
				continue
			}
			lc.logger.Info("Lifecycle continuing as new", "persons", len(lc.persons))
			return workflow.NewContinueAsNewError(ctx, workflow.GetInfo(ctx).WorkflowType.Name, lc.continued())
		}
		if w, err = sleep(ctx, lc.pokes, lc.nextAlarm(res.NextChange, at)); err != nil {
			return err
		}
	}
}

// step loads the entity at w's instant, pokes everyone it concerns and
// remembers whom it reaches now.
func (lc *lifecycle) step(ctx workflow.Context, w wake) (contract.LoadLifecycleResult, time.Time, error) {
	at := w.instant(ctx)
	res, err := lc.load(ctx, at)
	if err != nil {
		return res, at, err
	}
	reason := fmt.Sprintf("%s %s: %s", lc.in.Kind, lc.in.EntityID, w.causeOr("started"))
	if err := lc.pokePersons(ctx, minus(union(lc.persons, res.Persons), w.covered), at, reason); err != nil {
		return res, at, err
	}
	lc.persons = union(res.Persons, nil)
	return res, at, nil
}

// load runs LoadLifecycle at at.
func (lc *lifecycle) load(ctx workflow.Context, at time.Time) (contract.LoadLifecycleResult, error) {
	var res contract.LoadLifecycleResult
	err := workflow.ExecuteLocalActivity(withLocalOptions(ctx), contract.LoadLifecycleActivity, contract.LoadLifecycleInput{
		OrgID:    lc.in.OrgID,
		Kind:     lc.in.Kind,
		EntityID: lc.in.EntityID,
		At:       at,
	}).Get(ctx, &res)
	if err != nil {
		return res, fmt.Errorf("load %s %s: %w", lc.in.Kind, lc.in.EntityID, err)
	}
	lc.logger.Debug("Lifecycle loaded", "at", at, "exists", res.Exists, "done", res.Done,
		"persons", len(res.Persons), "next_change", res.NextChange)
	return res, nil
}

// pokePersons runs PokePersons for persons, if there are any.
func (lc *lifecycle) pokePersons(ctx workflow.Context, persons []string, at time.Time, reason string) error {
	if len(persons) == 0 {
		return nil
	}
	err := workflow.ExecuteLocalActivity(withLocalOptions(ctx), contract.PokePersonsActivity, contract.PokePersonsInput{
		OrgID:   lc.in.OrgID,
		Persons: persons,
		At:      at,
		Reason:  reason,
	}).Get(ctx, nil)
	if err != nil {
		return fmt.Errorf("poke %d persons: %w", len(persons), err)
	}
	lc.logger.Info("Lifecycle poked persons", "persons", persons, "at", at, "reason", reason)
	return nil
}

// nextAlarm is the alarm for the entity's next change after at: none when
// there is none, or when LoadLifecycle broke its promise that NextChange
// is after at (waking at once would spin).
func (lc *lifecycle) nextAlarm(next, at time.Time) alarm {
	if next.IsZero() {
		return alarm{}
	}
	if !next.After(at) {
		lc.logger.Warn("Lifecycle ignores a next change that is not after its evaluation instant",
			"next_change", next, "at", at)
		return alarm{}
	}
	return alarm{at: next, cause: "scheduled access change"}
}

// continued is the input of the run that continues this one.
func (lc *lifecycle) continued() contract.LifecycleInput {
	in := lc.in
	in.Persons = lc.persons
	return in
}
