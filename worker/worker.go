// Package worker holds the one list of doorsync's workflows and activities
// and the options its Temporal workers run with.
package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"doorsync/activities"
	"doorsync/internal/buildid"
	"doorsync/workflows"
)

// Options are the worker's tuning knobs.
type Options struct {
	// MaxConcurrentActivities bounds activities in flight (0: SDK default).
	MaxConcurrentActivities int
	// StopTimeout bounds a graceful stop (DOORSYNC_SHUTDOWN_TIMEOUT): the
	// activities running when ctx ends may finish within it, and Run
	// returns within it (0: the SDK's default, cancel them at once).
	StopTimeout time.Duration
	// Deployment, when set (DOORSYNC_WORKER_DEPLOYMENT), makes the worker
	// this build's version of that Temporal worker deployment: it takes
	// the tasks of the workflows started on or moved to its version, and
	// Run makes the version current once it polls. Unset, the worker is
	// unversioned and only reports its build id (docs/architecture.md,
	// D42).
	Deployment string
	// BuildID names the build ("": buildid.ID(), this binary's; the relay
	// starts unversioned workflows with that one's BuildIds).
	BuildID string
	// Log takes Run's notes on making its version current (nil:
	// slog.Default()).
	Log *slog.Logger
}

// ErrStopTimedOut is Run's error when the worker had not stopped within
// Options.StopTimeout: what was still running is retried by Temporal
// (after its heartbeat or start-to-close timeout).
var ErrStopTimedOut = errors.New("worker: not stopped within the stop timeout")

// Run polls taskQueue until ctx ends, then stops gracefully (see
// Options.StopTimeout). A worker of a deployment (Options.Deployment)
// makes its version current once polling, so new and auto-upgrading
// workflows move to it: starting a new build's workers is the deploy.
func Run(ctx context.Context, c client.Client, taskQueue string, acts *activities.Activities, opts Options) error {
	w := New(c, taskQueue, acts, opts)
	if opts.Deployment == "" {
		return RunWorker(ctx, w, opts.StopTimeout)
	}
	return RunWorker(ctx, w, opts.StopTimeout, func() { go keepMakingCurrent(ctx, c, opts.Version(), opts.Log) })
}

// RunWorker starts w, runs it until ctx ends and stops it: new tasks are
// no longer taken, running activities have until stopTimeout to finish
// (then their contexts are cancelled) and RunWorker returns within
// stopTimeout, ErrStopTimedOut if the SDK was still stopping (it stops its
// parts one after the other, each allowed the whole timeout). started run
// once the worker polls.
func RunWorker(ctx context.Context, w sdkworker.Worker, stopTimeout time.Duration, started ...func()) error {
	if err := w.Start(); err != nil {
		return fmt.Errorf("worker: start: %w", err)
	}
	for _, f := range started {
		f()
	}
	<-ctx.Done()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		w.Stop()
	}()
	if stopTimeout <= 0 {
		<-stopped
		return nil
	}
	t := time.NewTimer(stopTimeout)
	defer t.Stop()
	select {
	case <-stopped:
		return nil
	case <-t.C:
		return ErrStopTimedOut
	}
}

// New builds a worker on taskQueue with every workflow and activity
// registered, not yet started.
//
// Pollers autoscale: with the SDK's fixed default the pollers favour the
// sticky queues of cached workflows, and under load the first task of a
// newly started workflow waits behind them, delaying a change's way to the
// door (docs/architecture.md, D31).
func New(c client.Client, taskQueue string, acts *activities.Activities, opts Options) sdkworker.Worker {
	cacheOnce.Do(func() { sdkworker.SetStickyWorkflowCacheSize(workflowCacheSize) })
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		DeploymentOptions:                  opts.deploymentOptions(),
		MaxConcurrentActivityExecutionSize: opts.MaxConcurrentActivities,
		WorkerStopTimeout:                  opts.StopTimeout,
		WorkflowTaskPollerBehavior:         sdkworker.NewPollerBehaviorAutoscaling(sdkworker.PollerBehaviorAutoscalingOptions{}),
		ActivityTaskPollerBehavior:         sdkworker.NewPollerBehaviorAutoscaling(sdkworker.PollerBehaviorAutoscalingOptions{}),
	})
	register(w, acts, opts.Deployment != "")
	return w
}

// deploymentOptions say which build a worker runs. Without a deployment
// the worker is unversioned and names only its build id; the relay then
// starts workflows with the BuildIds search attribute that build gives
// them, which spares Temporal a visibility write per workflow (D10). A
// deployment's name in a task's completion changes a search attribute a
// start may not set, so a versioned worker costs that write (D42).
func (o Options) deploymentOptions() sdkworker.DeploymentOptions {
	return sdkworker.DeploymentOptions{UseVersioning: o.Deployment != "", Version: o.Version()}
}

// Version is the worker's version: its build of Deployment (none when
// unversioned).
func (o Options) Version() sdkworker.WorkerDeploymentVersion {
	return sdkworker.WorkerDeploymentVersion{DeploymentName: o.Deployment, BuildID: cmp.Or(o.BuildID, buildid.ID())}
}

// workflowCacheSize bounds the workflows a worker process keeps in memory
// between their tasks (the SDK's default is 10,000). Most of doorsync's are
// access workflows idling for a day after one apply; one that was evicted
// replays its few events when it is poked again. The default lets a large
// import fill the worker's memory with idle workflows (D31 in
// docs/architecture.md).
const workflowCacheSize = 2000

// cacheOnce sets the process-wide cache size before the first worker
// starts, as the SDK requires.
var cacheOnce sync.Once

// Register adds every workflow and activity doorsync runs to r, under their
// stable names, for an unversioned worker.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	register(r, acts, false)
}

// register adds every workflow and activity to r; a versioned worker's
// workflows carry their versioning behavior.
func register(r sdkworker.Registry, acts *activities.Activities, versioned bool) {
	for _, d := range workflows.Definitions() {
		opts := workflow.RegisterOptions{Name: d.Name}
		if versioned {
			opts.VersioningBehavior = d.Versioning
		}
		r.RegisterWorkflowWithOptions(d.Fn, opts)
	}
	for _, d := range acts.Definitions() {
		r.RegisterActivityWithOptions(d.Fn, activity.RegisterOptions{Name: d.Name})
	}
}
