package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// This file replays Lifecycle runs started without KeepsTime,
// whose steps poked every person the entity reached at the step or the
// one before, except those the poke that woke them named as poked
// directly (contract.Poke.Poked). Such a run replays those steps unchanged
// and, at its first step that is not a replay, continues as new under the
// current rules, so no run keeps this code alive: it can go once every
// relay sets KeepsTime and every run from before has woken once (see
// docs/architecture.md, D37).

// runV0 is the loop of a run started without KeepsTime.
func (lc *lifecycle) runV0(ctx workflow.Context) error {
	lc.persons = union(lc.in.Persons, nil)
	w := pending(lc.pokes)
	for {
		res, at, err := lc.stepV0(ctx, w)
		if err != nil {
			return err
		}
		if !workflow.IsReplaying(ctx) {
			lc.logger.Info("Lifecycle started without KeepsTime continues as new with it")
			in := lc.in
			in.Since, in.Persons, in.KeepsTime = at, nil, true
			return workflow.NewContinueAsNewError(ctx, workflow.GetInfo(ctx).WorkflowType.Name, in)
		}
		if !res.Exists || res.NextChange.IsZero() {
			if w = pending(lc.pokes); w.pokes > 0 {
				continue
			}
			return nil
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if w = pending(lc.pokes); w.pokes > 0 {
				continue
			}
			in := lc.in
			in.Persons = lc.persons
			return workflow.NewContinueAsNewError(ctx, workflow.GetInfo(ctx).WorkflowType.Name, in)
		}
		if w, err = sleep(ctx, lc.pokes, lc.nextAlarm(res.NextChange, at)); err != nil {
			return err
		}
	}
}

// stepV0 is a step under the rules of runs started without KeepsTime.
func (lc *lifecycle) stepV0(ctx workflow.Context, w wake) (contract.LoadLifecycleResult, time.Time, error) {
	at := w.instant(ctx)
	var res contract.LoadLifecycleResult
	err := workflow.ExecuteLocalActivity(withLocalOptions(ctx), contract.LoadLifecycleActivity, contract.LoadLifecycleInput{
		OrgID: lc.in.OrgID, Kind: lc.in.Kind, EntityID: lc.in.EntityID, At: at,
	}).Get(ctx, &res)
	if err != nil {
		return res, at, fmt.Errorf("load %s %s: %w", lc.in.Kind, lc.in.EntityID, err)
	}
	reason := fmt.Sprintf("%s %s: %s", lc.in.Kind, lc.in.EntityID, w.causeOr("started"))
	if err := lc.pokePersons(ctx, minus(union(lc.persons, res.Persons), w.coveredV0()), at, reason); err != nil {
		return res, at, err
	}
	lc.persons = union(res.Persons, nil)
	return res, at, nil
}
