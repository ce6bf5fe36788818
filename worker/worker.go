// Package worker holds the one list of doorsync's workflows and activities
// and the options its Temporal workers run with.
package worker

import (
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
	// Log takes Run's warnings (nil: slog.Default()).
	Log *slog.Logger
}

// ErrStopTimedOut is Run's error when the worker had not stopped within
// Options.StopTimeout: what was still running is retried by Temporal
// (after its heartbeat or start-to-close timeout).
var ErrStopTimedOut = errors.New("worker: not stopped within the stop timeout")

// Run polls taskQueue until ctx ends, then stops gracefully (see
// Options.StopTimeout). Once polling, it makes this build the deployment's
// current version (MakeCurrent), so workflows move to it; while Temporal
// refuses or cannot be reached it keeps trying, logging a warning each
// minute (the worker polls meanwhile, idle).
func Run(ctx context.Context, c client.Client, taskQueue string, acts *activities.Activities, opts Options) error {
	w := New(c, taskQueue, acts, opts)
	return RunWorker(ctx, w, opts.StopTimeout, func() { go keepMakingCurrent(ctx, c, opts.Log) })
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

// keepMakingCurrent runs MakeCurrent until it succeeds or ctx ends.
func keepMakingCurrent(ctx context.Context, c client.Client, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	for ctx.Err() == nil {
		mctx, cancel := context.WithTimeout(ctx, makeCurrentPatience)
		err := MakeCurrent(mctx, c)
		cancel()
		if err == nil {
			log.InfoContext(ctx, "worker: this build is the current version", "deployment", Deployment, "build_id", Version().BuildID)
			return
		}
		if ctx.Err() == nil {
			log.WarnContext(ctx, "worker: this build is not the current version yet; its worker gets no tasks", "err", err)
		}
	}
}

// Deployment is the Temporal worker deployment every doorsync worker
// belongs to; each build is a version of it (docs/architecture.md, D42).
const Deployment = "doorsync"

// Version is this build's version of Deployment.
func Version() sdkworker.WorkerDeploymentVersion {
	return sdkworker.WorkerDeploymentVersion{DeploymentName: Deployment, BuildID: buildid.ID()}
}

// makeCurrentPatience is how long Run tries to make this build current
// before it logs a warning and tries again (Temporal knows a version once
// a poller of it has polled, usually within a second).
const makeCurrentPatience = time.Minute

// MakeCurrent makes this build (Version) the current version of
// Deployment, so new workflows start on it and auto-upgrading ones move to
// it at their next task: starting a new build's worker is the deploy. It
// retries until Temporal has seen a poller of this version (a worker of it
// must be started first) or ctx ends. A version already current is left
// alone. Setting a version current is refused while it lacks a task queue
// the current version polls (Temporal's protection against late workers).
func MakeCurrent(ctx context.Context, c client.Client) error {
	h := c.WorkerDeploymentClient().GetHandle(Deployment)
	v := Version()
	for {
		d, err := h.Describe(ctx, client.WorkerDeploymentDescribeOptions{})
		if err == nil {
			if cur := d.Info.RoutingConfig.CurrentVersion; cur != nil && *cur == v {
				return nil
			}
			_, err = h.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{
				BuildID: v.BuildID, ConflictToken: d.ConflictToken})
			if err == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("worker: make %s:%s the current version: %w", v.DeploymentName, v.BuildID, errors.Join(err, ctx.Err()))
		case <-time.After(200 * time.Millisecond):
		}
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
		// Each build is a version of the doorsync worker deployment, and
		// takes the tasks of workflows started or moved to it (see
		// MakeCurrent; every workflow auto-upgrades, D42).
		DeploymentOptions:                  sdkworker.DeploymentOptions{UseVersioning: true, Version: Version()},
		MaxConcurrentActivityExecutionSize: opts.MaxConcurrentActivities,
		WorkerStopTimeout:                  opts.StopTimeout,
		WorkflowTaskPollerBehavior:         sdkworker.NewPollerBehaviorAutoscaling(sdkworker.PollerBehaviorAutoscalingOptions{}),
		ActivityTaskPollerBehavior:         sdkworker.NewPollerBehaviorAutoscaling(sdkworker.PollerBehaviorAutoscalingOptions{}),
	})
	Register(w, acts)
	return w
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
// stable names.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	for _, d := range workflows.Definitions() {
		r.RegisterWorkflowWithOptions(d.Fn, workflow.RegisterOptions{Name: d.Name, VersioningBehavior: d.Versioning})
	}
	for _, d := range acts.Definitions() {
		r.RegisterActivityWithOptions(d.Fn, activity.RegisterOptions{Name: d.Name})
	}
}
