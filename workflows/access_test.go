package workflows

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// outcome is one scripted ApplyAccess answer.
type outcome struct {
	res contract.ApplyAccessResult
	err error
}

// AccessSuite runs Access with a scripted ApplyAccess on the test
// environment's skipping clock.
type AccessSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env     *testsuite.TestWorkflowEnvironment
	applies *recorder[contract.ApplyAccessInput]
	tm      *timers

	mu       sync.Mutex
	outcomes []outcome // answered in order; the zero result once exhausted
	locals   []bool    // whether each ApplyAccess ran as a local activity
	input    contract.AccessInput
}

func TestAccess(t *testing.T) { suite.Run(t, new(AccessSuite)) }

var person = contract.AccessInput{OrgID: "org1", Person: m1, NoAlarm: true}

func (s *AccessSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.env.SetStartTime(t0)
	s.env.RegisterWorkflowWithOptions(Access, workflow.RegisterOptions{Name: contract.AccessWorkflow})
	registerActivityStubs(s.env)
	s.applies = &recorder[contract.ApplyAccessInput]{}
	s.tm = watchTimers(s.env)
	s.outcomes, s.locals, s.input = nil, nil, person
}

func (s *AccessSuite) TearDownTest() { s.env.AssertExpectations(s.T()) }

// script sets ApplyAccess's answers, in order.
func (s *AccessSuite) script(outcomes ...outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outcomes = outcomes
}

func (s *AccessSuite) apply(ctx context.Context, in contract.ApplyAccessInput) (contract.ApplyAccessResult, error) {
	s.applies.add(s.env, in)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.locals = append(s.locals, activity.GetInfo(ctx).IsLocalActivity)
	if len(s.outcomes) == 0 {
		return contract.ApplyAccessResult{}, nil
	}
	o := s.outcomes[0]
	s.outcomes = s.outcomes[1:]
	return o.res, o.err
}

// slowApplies makes the next n ApplyAccess calls take d of workflow time.
// Call it before run.
func (s *AccessSuite) slowApplies(n int, d time.Duration) {
	s.env.OnActivity(contract.ApplyAccessActivity, mock.Anything, mock.Anything).After(d).Return(s.apply).Times(n)
}

// run mocks ApplyAccess and runs the workflow to its end; with
// startPoke it is started by signal-with-start with a "created" poke.
func (s *AccessSuite) run(startPoke bool) {
	s.env.OnActivity(contract.ApplyAccessActivity, mock.Anything, mock.Anything).Return(s.apply)
	if startPoke {
		pokeAfter(s.env, 0, time.Time{}, "created")
	}
	s.env.ExecuteWorkflow(contract.AccessWorkflow, s.input)
	s.Require().True(s.env.IsWorkflowCompleted())
}

// ranLocally returns, for each ApplyAccess call, whether it was local.
func (s *AccessSuite) ranLocally() []bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bool(nil), s.locals...)
}

// applyAts returns the At of every ApplyAccess call, in order, and checks
// every call was for the workflow's person.
func (s *AccessSuite) applyAts() []time.Time {
	var out []time.Time
	for _, in := range s.applies.ins() {
		s.Equal(person.OrgID, in.OrgID)
		s.Equal(person.Person, in.Person)
		out = append(out, in.At.UTC())
	}
	return out
}

func (s *AccessSuite) TestPokesCoalesceIntoOneApply() {
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflowSkippingWorkflowTask(contract.PokeSignal, contract.Poke{At: at(61 * time.Minute), Reason: "booking b1"})
		s.env.SignalWorkflowSkippingWorkflowTask(contract.PokeSignal, contract.Poke{At: at(65 * time.Minute), Reason: "booking b2"})
		poke(s.env, at(63*time.Minute), "membership ms1")
	}, time.Hour)
	pokeAfter(s.env, 2*time.Hour, time.Time{}, "booking b1")
	// A poke standing for an instant already past evaluates at the clock.
	pokeAfter(s.env, 3*time.Hour, at(150*time.Minute), "booking b3")

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, at(65 * time.Minute), at(2 * time.Hour), at(3 * time.Hour)}, s.applyAts(),
		"one apply at start, one for the three pokes at the latest of their instants, one per later poke")
	s.Equal([]time.Time{t0, at(time.Hour), at(2 * time.Hour), at(3 * time.Hour)}, s.applies.nows())
	s.Equal(at(3*time.Hour+IdleTimeout), s.env.Now().UTC(), "ends after a day idle")
}

func (s *AccessSuite) TestApplyIsToldTheCauseOfItsPokes() {
	s.script(
		outcome{},
		outcome{res: contract.ApplyAccessResult{NextChange: at(2 * time.Hour)}},
	)
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflowSkippingWorkflowTask(contract.PokeSignal, contract.Poke{Reason: "membership ms2 changed"})
		poke(s.env, time.Time{}, "membership ms1 deleted")
	}, time.Hour)

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	var causes []string
	for _, in := range s.applies.ins() {
		causes = append(causes, in.Cause)
	}
	s.Equal([]string{"created", "membership ms1 deleted"}, causes,
		"the start's poke and the latest of the coalesced pokes")
}

func (s *AccessSuite) TestPokesAtStartCoalesce() {
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflowSkippingWorkflowTask(contract.PokeSignal, contract.Poke{Reason: "a"})
		s.env.SignalWorkflowSkippingWorkflowTask(contract.PokeSignal, contract.Poke{At: at(time.Minute), Reason: "b"})
		poke(s.env, time.Time{}, "c")
	}, 0)

	s.run(false)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{at(time.Minute)}, s.applyAts())
}

func (s *AccessSuite) TestItKeepsNoTime() {
	s.script(
		outcome{res: contract.ApplyAccessResult{Added: 1, NextChange: at(4 * time.Hour)}},
		outcome{res: contract.ApplyAccessResult{NextChange: at(4 * time.Hour)}},
	)
	pokeAfter(s.env, time.Hour, time.Time{}, "team changed")

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, at(time.Hour)}, s.applyAts(), "the change at 4h is the lifecycle workflow's to deliver")
	scheduled, canceled := s.tm.get()
	s.Equal([]time.Duration{IdleTimeout, IdleTimeout}, scheduled)
	s.Equal(1, canceled, "the poke cancels the idle timer")
	s.Equal(at(time.Hour+IdleTimeout), s.env.Now().UTC())
}

// Runs started without NoAlarm still wake at the person's next change, so
// their histories replay.
func (s *AccessSuite) TestARunFromBeforeStillWakesAtTheNextChange() {
	s.input.NoAlarm = false
	s.script(
		outcome{res: contract.ApplyAccessResult{Added: 1, NextChange: at(4 * time.Hour)}},
		outcome{res: contract.ApplyAccessResult{Removed: 1}},
	)

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	want := []time.Time{t0, at(4 * time.Hour)}
	s.Equal(want, s.applyAts())
	s.Equal(want, s.applies.nows(), "the check timer fires at NextChange")
}

func (s *AccessSuite) TestNextChangeNotAfterAtIsIgnored() {
	s.script(outcome{res: contract.ApplyAccessResult{NextChange: t0}})

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0}, s.applyAts(), "no spinning on a broken NextChange")
	s.Equal(at(IdleTimeout), s.env.Now().UTC())
}

func (s *AccessSuite) TestIdleTimeoutRestartsOnPokeAndEnds() {
	s.script(outcome{res: contract.ApplyAccessResult{Problem: "site has no seats left"}})
	pokeAfter(s.env, 23*time.Hour, time.Time{}, "booking b1")

	s.run(true)

	s.NoError(s.env.GetWorkflowError(), "a problem is recorded by the activity, not a workflow failure")
	s.Equal([]time.Time{t0, at(23 * time.Hour)}, s.applyAts())
	s.Equal(at(23*time.Hour+IdleTimeout), s.env.Now().UTC())
}

func (s *AccessSuite) TestFailedApplyIsRetried() {
	s.script(
		outcome{err: errors.New("salto ks: 503")},
		outcome{err: errors.New("salto ks: 503")},
		outcome{res: contract.ApplyAccessResult{Removed: 2}},
	)

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, t0, t0}, s.applyAts(), "retries keep the poke's instant")
	s.Equal([]time.Time{t0, at(time.Second), at(3 * time.Second)}, s.applies.nows(), "backoff 1s then 2s")
}

func (s *AccessSuite) TestStartWithoutPokeApplies() {
	s.env.SetContinuedExecutionRunID("previous-run")

	s.run(false)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0}, s.applyAts())
}

func (s *AccessSuite) TestContinueAsNew() {
	s.env.SetContinueAsNewSuggested(true)

	s.run(true)

	var next contract.AccessInput
	can, err := continueAsNew(s.env.GetWorkflowError(), &next)
	s.Require().NoError(err)
	s.Equal(contract.AccessWorkflow, can.WorkflowType.Name)
	s.Equal(person, next)
	s.Equal([]time.Time{t0}, s.applyAts())
}

func (s *AccessSuite) TestContinueAsNewDrainsPendingPokesFirst() {
	s.env.SetContinueAsNewSuggested(true)
	s.slowApplies(1, 10*time.Minute)
	pokeAfter(s.env, 5*time.Minute, at(7*time.Minute), "booking b1")

	s.run(true)

	_, err := continueAsNew(s.env.GetWorkflowError(), new(contract.AccessInput))
	s.Require().NoError(err)
	s.Equal([]time.Time{t0, at(10 * time.Minute)}, s.applyAts())
}

func (s *AccessSuite) TestWithoutLocalFirstEveryApplyIsAnActivity() {
	pokeAfter(s.env, time.Hour, time.Time{}, "booking b1")

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]bool{false, false}, s.ranLocally(), "a run started before LocalFirst replays as it ran")
}

func (s *AccessSuite) TestLocalFirstAppliesInTheWorkflowTask() {
	s.input.LocalFirst = true
	pokeAfter(s.env, time.Hour, time.Time{}, "booking b1")

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, at(time.Hour)}, s.applyAts())
	s.Equal([]bool{true, true}, s.ranLocally())
}

func (s *AccessSuite) TestFailedLocalApplyGoesOnAsAnActivity() {
	s.input.LocalFirst = true
	s.script(
		outcome{err: errors.New("salto ks: 503")},
		outcome{err: errors.New("salto ks: 503")},
		outcome{res: contract.ApplyAccessResult{Added: 1}},
	)

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, t0, t0}, s.applyAts(), "every attempt keeps the poke's instant")
	s.Equal([]bool{true, false, false}, s.ranLocally())
	s.Equal([]time.Time{t0, t0, at(time.Second)}, s.applies.nows(), "the activity at once, then its backoff")
}

func (s *AccessSuite) TestFailedLocalApplyWaitsOutRetryAfter() {
	s.input.LocalFirst = true
	s.script(outcome{err: temporal.NewApplicationErrorWithOptions("salto ks: 429", "RateLimited",
		temporal.ApplicationErrorOptions{NextRetryDelay: 30 * time.Second})})

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]bool{true, true}, s.ranLocally(), "after the wait, the apply starts again from scratch")
	s.Equal([]time.Time{t0, at(30 * time.Second)}, s.applies.nows(), "Retry-After is honoured")
}

func (s *AccessSuite) TestPlainStartCarriesItsPokeInTheInput() {
	s.input.Poke = &contract.Poke{At: at(5 * time.Minute), Reason: "membership ms1 changed"}
	s.env.SetContinueAsNewSuggested(true)

	s.run(false)

	var next contract.AccessInput
	_, err := continueAsNew(s.env.GetWorkflowError(), &next)
	s.Require().NoError(err)
	s.Equal([]time.Time{at(5 * time.Minute)}, s.applyAts(), "the input's poke is applied at its instant")
	s.Equal(person, next, "the next run does not inherit the poke")
}

func (s *AccessSuite) TestCancelWhileWaitingOutRetryAfter() {
	s.input.LocalFirst = true
	s.script(outcome{err: temporal.NewApplicationErrorWithOptions("salto ks: 429", "RateLimited",
		temporal.ApplicationErrorOptions{NextRetryDelay: time.Minute})})
	s.env.RegisterDelayedCallback(s.env.CancelWorkflow, 30*time.Second)

	s.run(true)

	s.True(temporal.IsCanceledError(s.env.GetWorkflowError()), "got %v", s.env.GetWorkflowError())
	s.Equal([]bool{true}, s.ranLocally(), "no activity once cancelled")
}
