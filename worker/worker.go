// Package worker holds the one list of doorsync's workflows and activities
// and the options its Temporal workers run with.
package worker

import (
	"context"
	"fmt"
	"sync"

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
}

// Run polls taskQueue until ctx ends.
func Run(ctx context.Context, c client.Client, taskQueue string, acts *activities.Activities, opts Options) error {
	w := New(c, taskQueue, acts, opts)
	if err := w.Start(); err != nil {
		return fmt.Errorf("worker: start: %w", err)
	}
	<-ctx.Done()
	w.Stop()
	return nil
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
		BuildID:                            buildid.ID(),
		MaxConcurrentActivityExecutionSize: opts.MaxConcurrentActivities,
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
