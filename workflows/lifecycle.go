package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// Lifecycle keeps the time of one membership, booking or day pass
// (in.Kind): it runs while the entity's access has a change ahead, sleeps
// until that instant, and then pokes the access workflows of everyone the
// entity names. It is the only timer of a grant; a person's access
// workflow keeps none. Runs started without in.KeepsTime replay the rules
// they had (lifecycle_v0.go). It is registered under MembershipWorkflow,
// BookingWorkflow and DayPassWorkflow.
//
// A write (of the entity, of something it depends on, of the org's
// settings, or a day pass's use) pokes the persons whose access it changes
// now itself, and signal-with-starts this workflow when the entity has a
// change ahead, so its alarm follows the entity; reconciliation starts one
// that is missing. A step pokes the entity's persons only when the entity's
// access changed between the previous step (at start: the instant of the
// poke that started it) and now: a write's change is delivered once, by
// the write, and a change of time once, by this workflow. A change of
// something the entity depends on (a plan, a location, a mapping, a team)
// pokes it with no instant, and the step pokes everyone the entity names.
// It returns once nothing is ahead and no poke is pending; an alarm left
// by a write that took the change ahead away finds nothing changed and
// ends the run.
func Lifecycle(ctx workflow.Context, in contract.LifecycleInput) error {
	lc := &lifecycle{
		in:    in,
		pokes: workflow.GetSignalChannel(ctx, contract.PokeSignal),
		since: in.Since,
		logger: log.With(workflow.GetLogger(ctx),
			"org", in.OrgID, "kind", in.Kind, "entity", in.EntityID),
	}
	if !in.KeepsTime {
		return lc.runV0(ctx)
	}
	return lc.run(ctx)
}

// lifecycle is one Lifecycle run's state.
type lifecycle struct {
	in    contract.LifecycleInput
	pokes workflow.ReceiveChannel
	// since is the instant up to which the entity's changes are delivered:
	// the previous step's (zero before the first step).
	since time.Time
	// persons are the persons poked at the last step (runs started
	// without KeepsTime only).
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
			lc.logger.Info("Lifecycle over: nothing ahead", "exists", res.Exists, "at", at)
			return nil
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if w = pending(lc.pokes); w.pokes > 0 {
				continue
			}
			lc.logger.Info("Lifecycle continuing as new")
			return workflow.NewContinueAsNewError(ctx, workflow.GetInfo(ctx).WorkflowType.Name, lc.continued())
		}
		if w, err = sleep(ctx, lc.pokes, lc.nextAlarm(res.NextChange, at)); err != nil {
			return err
		}
	}
}

// step loads the entity at w's instant and, if its access changed since
// the previous step, pokes everyone it names.
func (lc *lifecycle) step(ctx workflow.Context, w wake) (contract.LoadLifecycleResult, time.Time, error) {
	at := w.instant(ctx)
	res, err := lc.load(ctx, lc.deliveredUpTo(w), at)
	if err != nil {
		return res, at, err
	}
	if res.Changed {
		reason := fmt.Sprintf("%s %s: %s", lc.in.Kind, lc.in.EntityID, w.causeOr("started"))
		if err := lc.pokePersons(ctx, res.Persons, at, reason); err != nil {
			return res, at, err
		}
	}
	lc.since = at
	return res, at, nil
}

// deliveredUpTo is the instant up to which the entity's changes reached its
// persons before this step: the previous step's, or at start the earliest
// instant the pokes stand for; zero (nothing) when a poke stands for no
// instant (see contract.Poke).
func (lc *lifecycle) deliveredUpTo(w wake) time.Time {
	switch {
	case w.unstamped:
		return time.Time{}
	case lc.since.IsZero():
		return w.first
	}
	return lc.since
}

// load runs LoadLifecycle for the span (since, at].
func (lc *lifecycle) load(ctx workflow.Context, since, at time.Time) (contract.LoadLifecycleResult, error) {
	var res contract.LoadLifecycleResult
	err := workflow.ExecuteLocalActivity(withLocalOptions(ctx), contract.LoadLifecycleActivity, contract.LoadLifecycleInput{
		OrgID:    lc.in.OrgID,
		Kind:     lc.in.Kind,
		EntityID: lc.in.EntityID,
		Since:    since,
		At:       at,
	}).Get(ctx, &res)
	if err != nil {
		return res, fmt.Errorf("load %s %s: %w", lc.in.Kind, lc.in.EntityID, err)
	}
	lc.logger.Debug("Lifecycle loaded", "since", since, "at", at, "exists", res.Exists, "changed", res.Changed,
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
	in.Since, in.Persons = lc.since, nil
	return in
}
