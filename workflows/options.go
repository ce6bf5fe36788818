package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// Activity options. Most activities retry forever (MaximumAttempts 0): a
// lifecycle change or a revocation is delayed by an outage, never lost.
// The exceptions are the one local attempt at ApplyAccess (a failure goes
// on as the regular activity) and ReconcileOrg and ApplyHold, which give up
// after a few attempts (see reconcileOptions). ApplyAccess may set
// NextRetryDelay on its errors to honour Salto KS's Retry-After; the policy
// here is the fallback.
var (
	// loadOptions apply to short database-only activities.
	loadOptions = workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
			MaximumAttempts:    0,
		},
	}
	// applyOptions apply to ApplyAccess, which calls Salto KS. A run that
	// goes on for a few seconds heartbeats every few seconds for as long as
	// its worker lives (activities' keepAlive), so a run whose worker was
	// killed, or a task lost on its way to a worker (seen under load:
	// "started" on the server, never run), is retried after
	// HeartbeatTimeout rather than StartToCloseTimeout: a revocation it
	// carried is late by seconds, not minutes. Retries back off to once a
	// minute, not longer: each failed attempt is usually one Salto KS call
	// answered 5xx, and a person unlucky several times in a row should not
	// wait minutes for access (the org's rate limit, not the back-off,
	// protects Salto KS; a 429's Retry-After is waited out separately).
	applyOptions = workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		HeartbeatTimeout:    15 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
			MaximumAttempts:    0,
		},
	}
)

// applyOptionsRateLimitedBack are applyOptions that hand a 429
// (contract.RateLimitedError) back to the workflow instead of retrying
// it: the Access workflow waits out the Retry-After itself, listening for
// pokes (see accessRun.apply).
var applyOptionsRateLimitedBack = func() workflow.ActivityOptions {
	o := applyOptions
	p := *o.RetryPolicy
	p.NonRetryableErrorTypes = []string{contract.RateLimitedError}
	o.RetryPolicy = &p
	return o
}()

// localOptions apply to LoadLifecycle and PokePersons, run as local
// activities: quick database work in the worker that runs the workflow, so
// the Temporal server records one marker instead of scheduling, dispatching
// and completing an activity task (lifecycle workflows are the bulk of the
// server's work when thousands of memberships arrive at once).
var localOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: loadOptions.StartToCloseTimeout,
	RetryPolicy:         loadOptions.RetryPolicy,
}

// withLocalOptions returns ctx set up for LoadLifecycle and PokePersons.
func withLocalOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, localOptions)
}

// withLoadOptions returns ctx set up for short database-only activities
// run as regular activities (FinishReconcileRun).
func withLoadOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, loadOptions)
}

// applyLocalOptions apply to the one local attempt at ApplyAccess that
// precedes the regular activity (see accessRun.applyLocally): no retry
// (a failure goes on as a regular activity), and a timeout well within
// what a workflow task can hold up.
var applyLocalOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout:    30 * time.Second,
	ScheduleToCloseTimeout: 30 * time.Second,
	RetryPolicy:            &temporal.RetryPolicy{MaximumAttempts: 1},
}

// withApplyLocalOptions returns ctx set up for the local ApplyAccess.
func withApplyLocalOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, applyLocalOptions)
}

// reconcileOptions apply to ReconcileOrg and ApplyHold: long passes over
// every managed group that heartbeat after each group, so a retry resumes
// where the last attempt stopped. They give up after a few attempts (the
// next scheduled run starts afresh) and at once when the org is not
// connected.
var reconcileOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Hour,
	HeartbeatTimeout:    2 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:        5 * time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        2 * time.Minute,
		MaximumAttempts:        5,
		NonRetryableErrorTypes: []string{"NotConnected"},
	},
}
