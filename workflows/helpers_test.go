package workflows

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// t0 is when every test workflow starts.
var t0 = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)

// at returns t0+d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// call is one recorded activity invocation: its input and the test
// environment's clock when it ran.
type call[T any] struct {
	In  T
	Now time.Time
}

// recorder records activity invocations; mocks run on other goroutines.
type recorder[T any] struct {
	mu    sync.Mutex
	calls []call[T]
}

func (r *recorder[T]) add(env *testsuite.TestWorkflowEnvironment, in T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call[T]{In: in, Now: env.Now().UTC()})
}

func (r *recorder[T]) list() []call[T] {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call[T](nil), r.calls...)
}

// ins returns the recorded inputs.
func (r *recorder[T]) ins() []T {
	var out []T
	for _, c := range r.list() {
		out = append(out, c.In)
	}
	return out
}

// nows returns the clock at each recorded call.
func (r *recorder[T]) nows() []time.Time {
	var out []time.Time
	for _, c := range r.list() {
		out = append(out, c.Now)
	}
	return out
}

// timers records the workflow timers a test workflow schedules and
// cancels.
type timers struct {
	mu        sync.Mutex
	scheduled []time.Duration
	canceled  int
}

// watchTimers starts recording env's timers.
func watchTimers(env *testsuite.TestWorkflowEnvironment) *timers {
	t := &timers{}
	env.SetOnTimerScheduledListener(func(_ string, d time.Duration) {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.scheduled = append(t.scheduled, d)
	})
	env.SetOnTimerCanceledListener(func(string) {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.canceled++
	})
	return t
}

func (t *timers) get() ([]time.Duration, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]time.Duration(nil), t.scheduled...), t.canceled
}

// Activity stubs: registered under the contract names so the test
// environment knows their signatures; every call is mocked.
func loadLifecycleStub(context.Context, contract.LoadLifecycleInput) (contract.LoadLifecycleResult, error) {
	return contract.LoadLifecycleResult{}, errors.New("stub: not mocked")
}

func pokePersonsStub(context.Context, contract.PokePersonsInput) error {
	return errors.New("stub: not mocked")
}

func applyAccessStub(context.Context, contract.ApplyAccessInput) (contract.ApplyAccessResult, error) {
	return contract.ApplyAccessResult{}, errors.New("stub: not mocked")
}

// registerActivityStubs registers the three activity stubs by name.
func registerActivityStubs(env *testsuite.TestWorkflowEnvironment) {
	env.RegisterActivityWithOptions(loadLifecycleStub, activity.RegisterOptions{Name: contract.LoadLifecycleActivity})
	env.RegisterActivityWithOptions(pokePersonsStub, activity.RegisterOptions{Name: contract.PokePersonsActivity})
	env.RegisterActivityWithOptions(applyAccessStub, activity.RegisterOptions{Name: contract.ApplyAccessActivity})
}

// poke signals the running workflow.
func poke(env *testsuite.TestWorkflowEnvironment, when time.Time, reason string) {
	env.SignalWorkflow(contract.PokeSignal, contract.Poke{At: when, Reason: reason})
}

// pokeAfter signals the workflow d after the clock reading at registration
// (t0 when registered before the workflow starts; 0 simulates
// signal-with-start).
func pokeAfter(env *testsuite.TestWorkflowEnvironment, d time.Duration, when time.Time, reason string) {
	env.RegisterDelayedCallback(func() { poke(env, when, reason) }, d)
}

// continueAsNew returns the ContinueAsNewError in err and decodes its input
// into in.
func continueAsNew(err error, in any) (*workflow.ContinueAsNewError, error) {
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		return nil, errors.New("not a continue-as-new: " + errString(err))
	}
	return can, converter.GetDefaultDataConverter().FromPayloads(can.Input, in)
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
