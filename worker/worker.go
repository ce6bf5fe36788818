// Package worker holds the one list of doorsync's workflows and activities
// and the options its Temporal workers run with.
package worker

import (
	"context"
	"errors"
	"fmt"
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
}

// ErrStopTimedOut is Run's error when the worker had not stopped within
// Options.StopTimeout: what was still running is retried by Temporal
// (after its heartbeat or start-to-close timeout).
var ErrStopTimedOut = errors.New("worker: not stopped within the stop timeout")

// Run polls taskQueue until ctx ends, then stops gracefully (see
// Options.StopTimeout).
func Run(ctx context.Context, c client.Client, taskQueue string, acts *activities.Activities, opts Options) error {
	w := New(c, taskQueue, acts, opts)
	return RunWorker(ctx, w, opts.StopTimeout)
}

// RunWorker starts w, runs it until ctx ends and stops it: new tasks are
// no longer taken, running activities have until stopTimeout to finish
// (then their contexts are cancelled) and RunWorker returns within
// stopTimeout, ErrStopTimedOut if the SDK was still stopping (it stops its
// parts one after the other, each allowed the whole timeout).
func RunWorker(ctx context.Context, w sdkworker.Worker, stopTimeout time.Duration) error {
	if err := w.Start(); err != nil {
		return fmt.Errorf("worker: start: %w", err)
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
		// The relay starts workflows with the BuildIds search attribute
		// of this build id (internal/buildid); it identifies the build and
		// opts into no versioning.
		//lint:ignore SA1019 an unversioned build id, as the SDK's default binary checksum is
		BuildID:                            buildid.ID(), //nolint:staticcheck // deployments cost throughput (docs/architecture.md, D42)
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
		r.RegisterWorkflowWithOptions(d.Fn, workflow.RegisterOptions{Name: d.Name})
	}
	for _, d := range acts.Definitions() {
		r.RegisterActivityWithOptions(d.Fn, activity.RegisterOptions{Name: d.Name})
	}
}
