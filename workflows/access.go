package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// IdleTimeout is how long an Access workflow waits with no poke and no
// scheduled check before it ends; a later poke starts it again.
const IdleTimeout = 24 * time.Hour

// Access is the single writer of one person's Salto KS state
// (AccessWorkflow). It is started by signal-with-start, so its first poke
// is already waiting. Each step coalesces every pending poke into one
// ApplyAccess at the latest instant they stand for, then sleeps until the
// next poke, or until the person's next access change (a safety net behind
// the lifecycle workflows). With neither a poke nor a scheduled check for
// IdleTimeout it ends.
//
// A run also applies once at start even without a poke, so a run that
// continued as new re-learns the person's next change.
func Access(ctx workflow.Context, in contract.AccessInput) error {
	ac := &accessRun{
		in:     in,
		pokes:  workflow.GetSignalChannel(ctx, contract.PokeSignal),
		logger: log.With(workflow.GetLogger(ctx), "org", in.OrgID, "person", in.Person),
	}
	return ac.run(ctx)
}

// accessRun is one Access run's state.
type accessRun struct {
	in     contract.AccessInput
	pokes  workflow.ReceiveChannel
	logger log.Logger
}

// run is the Access loop.
func (ac *accessRun) run(ctx workflow.Context) error {
	w := pending(ac.pokes) // signal-with-start's poke
	if ac.in.Poke != nil { // a plain start's
		w.add(*ac.in.Poke)
		ac.in.Poke = nil
	}
	for {
		res, at, err := ac.apply(ctx, w)
		if err != nil {
			return err
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if w = pending(ac.pokes); w.pokes > 0 {
				continue
			}
			ac.logger.Info("Access continuing as new")
			return workflow.NewContinueAsNewError(ctx, contract.AccessWorkflow, ac.in)
		}
		if w, err = sleep(ctx, ac.pokes, ac.nextAlarm(ctx, res.NextChange, at)); err != nil {
			return err
		}
		if w.idle && w.pokes == 0 {
			ac.logger.Info("Access idle, ending", "idle", IdleTimeout)
			return nil
		}
	}
}

// apply runs ApplyAccess at w's instant.
func (ac *accessRun) apply(ctx workflow.Context, w wake) (contract.ApplyAccessResult, time.Time, error) {
	at := w.instant(ctx)
	in := contract.ApplyAccessInput{OrgID: ac.in.OrgID, Person: ac.in.Person, At: at, Cause: w.cause}
	res, err := ac.applyLocally(ctx, in)
	if err != nil && ctx.Err() == nil {
		err = workflow.ExecuteActivity(withApplyOptions(ctx), contract.ApplyAccessActivity, in).Get(ctx, &res)
	}
	if err != nil {
		return res, at, fmt.Errorf("apply access of %s: %w", ac.in.Person, err)
	}
	ac.logger.Info("Access applied", "at", at, "pokes", w.pokes, "cause", w.causeOr("started"),
		"added", res.Added, "removed", res.Removed, "next_change", res.NextChange)
	if res.Problem != "" {
		ac.logger.Warn("Access problem", "problem", res.Problem, "at", at)
	}
	return res, at, nil
}

// applyLocally makes one attempt at ApplyAccess as a local activity, in
// the workflow task that took the pokes: most changes then cost Temporal
// one workflow task and no activity task. A failed attempt is left to the
// regular activity, which retries forever and shows its attempts and last
// error in the Temporal UI; a Salto KS Retry-After is waited out first.
// Runs without LocalFirst skip it.
func (ac *accessRun) applyLocally(ctx workflow.Context, in contract.ApplyAccessInput) (contract.ApplyAccessResult, error) {
	var res contract.ApplyAccessResult
	if !ac.in.LocalFirst {
		return res, errNotLocal
	}
	err := workflow.ExecuteLocalActivity(withApplyLocalOptions(ctx), contract.ApplyAccessActivity, in).Get(ctx, &res)
	if err == nil {
		return res, nil
	}
	ac.logger.Warn("Access local apply failed; retrying as an activity", "error", err)
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.NextRetryDelay() > 0 {
		if serr := workflow.Sleep(ctx, appErr.NextRetryDelay()); serr != nil {
			return res, serr
		}
	}
	return res, err
}

// errNotLocal says a run does not apply locally first.
var errNotLocal = errors.New("not applied locally")

// nextAlarm is the alarm after applying at at: the person's next change
// when ApplyAccess reported one after at, else the idle timeout.
func (ac *accessRun) nextAlarm(ctx workflow.Context, next, at time.Time) alarm {
	if !next.IsZero() && next.After(at) {
		return alarm{at: next, cause: "scheduled access check"}
	}
	if !next.IsZero() {
		ac.logger.Warn("Access ignores a next change that is not after its evaluation instant",
			"next_change", next, "at", at)
	}
	return alarm{at: workflow.Now(ctx).Add(IdleTimeout), cause: "idle", idle: true}
}
