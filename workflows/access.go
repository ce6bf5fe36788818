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

// IdleTimeout is how long an Access workflow waits with no poke before
// it ends; a later poke starts it again.
const IdleTimeout = 24 * time.Hour

// Access is the single writer of one person's Salto KS state
// (AccessWorkflow). The relay starts it with its first poke in its input
// (in.Poke) and signals a run already there; a run started by
// signal-with-start finds its first poke waiting. Each step coalesces
// every pending poke into one ApplyAccess at the latest instant they stand
// for, then sleeps until the next poke. It keeps no time of its own: the
// writes and the lifecycle workflows (the one timer of each grant) poke
// it whenever its access changes. After IdleTimeout without a poke the run
// ends; a later poke starts it again. (Runs started without NoAlarm also
// wake at the person's next access change.)
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

// apply runs ApplyAccess at w's instant. When Salto KS answers 429, the
// Retry-After (at most maxRetryAfterWait) is waited out here, and a poke
// arriving meanwhile ends the wait: the apply starts again from scratch at
// the pokes' instant (if Salto KS still throttles, the new attempt brings
// a new Retry-After). Runs from before this rule wait without listening
// (see pokesEndWaits).
func (ac *accessRun) apply(ctx workflow.Context, w wake) (contract.ApplyAccessResult, time.Time, error) {
	for {
		at := w.instant(ctx)
		in := contract.ApplyAccessInput{OrgID: ac.in.OrgID, Person: ac.in.Person, At: at, Cause: w.cause}
		res, err := ac.attempt(ctx, in)
		if wait := retryAfter(err); wait > 0 && ctx.Err() == nil && ac.pokesEndWaits(ctx) {
			if err = ac.waitOutRetryAfter(ctx, &w, wait); err != nil {
				return res, at, err
			}
			continue
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
}

// attempt runs ApplyAccess once: locally first (see applyLocally), then
// as a regular activity. A local attempt that Salto KS throttled goes
// back to apply to be waited out; runs from before pokesEndWaits sleep
// here instead, deaf to pokes.
func (ac *accessRun) attempt(ctx workflow.Context, in contract.ApplyAccessInput) (contract.ApplyAccessResult, error) {
	res, err := ac.applyLocally(ctx, in)
	if err == nil || ctx.Err() != nil {
		return res, err
	}
	if wait := retryAfter(err); wait > 0 {
		if ac.pokesEndWaits(ctx) {
			return res, err
		}
		if serr := workflow.Sleep(ctx, wait); serr != nil {
			return res, serr
		}
	}
	err = workflow.ExecuteActivity(ac.withApplyOptions(ctx), contract.ApplyAccessActivity, in).Get(ctx, &res)
	return res, err
}

// applyLocally makes one attempt at ApplyAccess as a local activity, in
// the workflow task that took the pokes: most changes then cost Temporal
// one workflow task and no activity task. A failed attempt is left to the
// regular activity, which retries forever and shows its attempts and last
// error in the Temporal UI (a Salto KS Retry-After is waited out first,
// see attempt). Runs without LocalFirst skip it.
func (ac *accessRun) applyLocally(ctx workflow.Context, in contract.ApplyAccessInput) (contract.ApplyAccessResult, error) {
	var res contract.ApplyAccessResult
	if !ac.in.LocalFirst {
		return res, errNotLocal
	}
	err := workflow.ExecuteLocalActivity(withApplyLocalOptions(ctx), contract.ApplyAccessActivity, in).Get(ctx, &res)
	if err != nil {
		ac.logger.Warn("Access local apply failed", "error", err)
	}
	return res, err
}

// withApplyOptions returns ctx set up for the regular ApplyAccess. Runs
// where pokes end Retry-After waits get a 429 back instead of Temporal
// retrying it, to wait it out in apply.
func (ac *accessRun) withApplyOptions(ctx workflow.Context) workflow.Context {
	if ac.pokesEndWaits(ctx) {
		return workflow.WithActivityOptions(ctx, applyOptionsRateLimitedBack)
	}
	return workflow.WithActivityOptions(ctx, applyOptions)
}

// pokesEndWaitsChange names the change that made a poke end a Retry-After
// wait (workflow.GetVersion): a run whose history predates it replays
// with the deaf sleep it had.
const pokesEndWaitsChange = "pokes-end-retry-after-waits"

// pokesEndWaits reports whether this run waits out a Retry-After in
// apply, listening for pokes. The first call records the run's version
// (a marker in its history); later calls return the same answer.
func (ac *accessRun) pokesEndWaits(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, pokesEndWaitsChange, workflow.DefaultVersion, 1) >= 1
}

// waitOutRetryAfter waits d (Salto KS's Retry-After) or until a poke
// arrives, whichever comes first, folding the pokes into w. It returns an
// error only when the workflow is cancelled.
func (ac *accessRun) waitOutRetryAfter(ctx workflow.Context, w *wake, d time.Duration) error {
	ac.logger.Info("Access waits out Salto KS's Retry-After; a poke ends the wait", "retry_after", d)
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	var err error
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(ac.pokes, func(c workflow.ReceiveChannel, _ bool) {
		var p contract.Poke
		c.Receive(ctx, &p)
		w.add(p)
	})
	sel.AddFuture(workflow.NewTimer(timerCtx, d), func(f workflow.Future) { err = f.Get(timerCtx, nil) })
	sel.Select(ctx)
	if err == nil {
		err = ctx.Err()
	}
	w.drain(ac.pokes)
	return err
}

// maxRetryAfterWait bounds a Retry-After wait, whatever an error carries
// (saltoks.MaxRetryAfter already bounds what the activities send).
const maxRetryAfterWait = 5 * time.Minute

// retryAfter is the Retry-After err asks for (at most maxRetryAfterWait);
// zero when it asks for none.
func retryAfter(err error) time.Duration {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.NextRetryDelay() > 0 {
		return min(appErr.NextRetryDelay(), maxRetryAfterWait)
	}
	return 0
}

// errNotLocal says a run does not apply locally first.
var errNotLocal = errors.New("not applied locally")

// nextAlarm is the alarm after applying at at: the idle timeout, or for
// runs started without NoAlarm the person's next change when ApplyAccess
// reported one after at.
func (ac *accessRun) nextAlarm(ctx workflow.Context, next, at time.Time) alarm {
	idle := alarm{at: workflow.Now(ctx).Add(IdleTimeout), cause: "idle", idle: true}
	if ac.in.NoAlarm {
		return idle
	}
	if !next.IsZero() && next.After(at) {
		return alarm{at: next, cause: "scheduled access check"}
	}
	return idle
}
