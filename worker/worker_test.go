package worker_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"doorsync/activities"
	"doorsync/internal/testenv"
	"doorsync/worker"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// slow is an activity that takes d unless its context ends first, with a
// workflow that runs it once.
type slow struct {
	d                         time.Duration
	started                   chan struct{}
	runs, finished, cancelled atomic.Int32
}

func newSlow(d time.Duration) *slow { return &slow{d: d, started: make(chan struct{}, 10)} }

func (s *slow) activity(ctx context.Context) error {
	s.runs.Add(1)
	s.started <- struct{}{}
	select {
	case <-time.After(s.d):
		s.finished.Add(1)
		return nil
	case <-ctx.Done():
		s.cancelled.Add(1)
		return ctx.Err()
	}
}

func slowWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	return workflow.ExecuteActivity(ctx, "TestSlow").Get(ctx, nil)
}

// newWorker is doorsync's worker (worker.New) with the slow activity and
// its workflow registered too.
func newWorker(c client.Client, taskQueue string, s *slow, stopTimeout time.Duration) sdkworker.Worker {
	w := worker.New(c, taskQueue, &activities.Activities{}, worker.Options{StopTimeout: stopTimeout})
	w.RegisterActivityWithOptions(s.activity, activity.RegisterOptions{Name: "TestSlow"})
	w.RegisterWorkflowWithOptions(slowWorkflow, workflow.RegisterOptions{Name: "TestSlowWorkflow"})
	return w
}

// startSlow runs the worker (worker.RunWorker) and a workflow whose
// activity is then running; cancelling stop stops the worker.
func startSlow(t *testing.T, c client.Client, taskQueue string, s *slow, stopTimeout time.Duration) (client.WorkflowRun, context.CancelFunc, chan error) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	done := make(chan error, 1)
	go func() { done <- worker.RunWorker(ctx, newWorker(c, taskQueue, s, stopTimeout), stopTimeout) }()
	run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{TaskQueue: taskQueue,
		ID: "slow-" + taskQueue}, "TestSlowWorkflow")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.started:
	case <-time.After(30 * time.Second):
		t.Fatal("the slow activity did not start within 30 s")
	}
	return run, stop, done
}

// A stop (SIGTERM in the binary: the context ends) lets the activity that
// is running finish and report its result, and the worker is stopped
// within the stop timeout; another worker then completes the workflow
// without running the activity again.
func TestStopLetsRunningActivitiesFinish(t *testing.T) {
	srv := testenv.Temporal(t)
	c := srv.Client(t)
	tq := testenv.TaskQueue(t)
	const stopTimeout = 10 * time.Second
	s := newSlow(2 * time.Second)
	run, stop, done := startSlow(t, c, tq, s, stopTimeout)

	stopAt := time.Now()
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("RunWorker = %v, want nil", err)
		}
	case <-time.After(stopTimeout + 5*time.Second):
		t.Fatalf("the worker had not stopped %v after the stop", stopTimeout+5*time.Second)
	}
	took := time.Since(stopAt)
	if s.finished.Load() != 1 || s.cancelled.Load() != 0 {
		t.Fatalf("activity finished %d, cancelled %d times; want it to finish once", s.finished.Load(), s.cancelled.Load())
	}
	if took > stopTimeout {
		t.Errorf("the stop took %v, more than the stop timeout %v", took, stopTimeout)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go worker.RunWorker(ctx, newWorker(c, tq, s, stopTimeout), stopTimeout)
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	if err := run.Get(wctx, nil); err != nil {
		t.Fatalf("workflow after the restart: %v", err)
	}
	if n := s.runs.Load(); n != 1 {
		t.Errorf("the activity ran %d times, want once (its result was reported before the worker stopped)", n)
	}
}

// An activity that outlasts the stop timeout does not hold the worker up:
// RunWorker returns within the timeout (ErrStopTimedOut or nil) and the
// activity's context is cancelled.
func TestStopTimeoutBoundsTheStop(t *testing.T) {
	srv := testenv.Temporal(t)
	c := srv.Client(t)
	tq := testenv.TaskQueue(t)
	const stopTimeout = time.Second
	s := newSlow(time.Minute)
	_, stop, done := startSlow(t, c, tq, s, stopTimeout)

	stopAt := time.Now()
	stop()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, worker.ErrStopTimedOut) {
			t.Fatalf("RunWorker = %v, want nil or ErrStopTimedOut", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the worker had not stopped 10 s after the stop")
	}
	if took := time.Since(stopAt); took > stopTimeout+500*time.Millisecond {
		t.Errorf("the stop took %v, want at most the stop timeout %v (and a little)", took, stopTimeout)
	}
	if !eventually(5*time.Second, func() bool { return s.cancelled.Load() == 1 }) {
		t.Errorf("the activity was not cancelled (finished %d, cancelled %d)", s.finished.Load(), s.cancelled.Load())
	}
}

func eventually(d time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// A worker of a deployment (DOORSYNC_WORKER_DEPLOYMENT) makes its build
// the deployment's current version once it polls, and a later build's
// worker takes over: starting it is the deploy.
func TestRunMakesItsVersionCurrent(t *testing.T) {
	srv := testenv.Temporal(t)
	c := srv.Client(t)
	tq := testenv.TaskQueue(t)
	deployment := "doorsync-" + tq
	for _, build := range []string{"build-1", "build-2"} {
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		opts := worker.Options{Deployment: deployment, BuildID: build}
		go func() { done <- worker.Run(ctx, c, tq, &activities.Activities{}, opts) }()
		waitCurrent(t, c, opts.Version())
		stop()
		if err := <-done; err != nil {
			t.Fatalf("Run of %s = %v", build, err)
		}
	}
}

// waitCurrent waits until v is its deployment's current version.
func waitCurrent(t *testing.T, c client.Client, v sdkworker.WorkerDeploymentVersion) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := c.WorkerDeploymentClient().GetHandle(v.DeploymentName).Describe(context.Background(), client.WorkerDeploymentDescribeOptions{})
		if err == nil && d.Info.RoutingConfig.CurrentVersion != nil && *d.Info.RoutingConfig.CurrentVersion == v {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v is not the current version after 30 s (last: %v, %v)", v, d.Info.RoutingConfig.CurrentVersion, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
