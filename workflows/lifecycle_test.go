package workflows

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"doorsync/access"
	"doorsync/contract"
)

// entity is a fake source entity with one access window [open, close)
// (a zero close is an open end). LoadLifecycle answers from it; tests change
// it from delayed callbacks.
type entity struct {
	mu          sync.Mutex
	deleted     bool
	persons     []string
	open, close time.Time
}

func (e *entity) load(since, at time.Time) contract.LoadLifecycleResult {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.deleted {
		return contract.LoadLifecycleResult{Exists: false}
	}
	res := contract.LoadLifecycleResult{Exists: true, Persons: e.persons, Changed: since.IsZero()}
	for _, t := range []time.Time{e.open, e.close} {
		if t.IsZero() {
			continue
		}
		if !since.IsZero() && t.After(since) && !t.After(at) {
			res.Changed = true
		}
		if t.After(at) && res.NextChange.IsZero() {
			res.NextChange = t
		}
	}
	return res
}

func (e *entity) update(f func(e *entity)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f(e)
}

// LifecycleSuite runs Lifecycle against a fake entity with mocked
// activities, on the test environment's skipping clock.
type LifecycleSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env   *testsuite.TestWorkflowEnvironment
	ent   *entity
	loads *recorder[contract.LoadLifecycleInput]
	pokes *recorder[contract.PokePersonsInput]
	tm    *timers
}

func TestLifecycle(t *testing.T) { suite.Run(t, new(LifecycleSuite)) }

func (s *LifecycleSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.env.SetStartTime(t0)
	for _, d := range Definitions() {
		s.env.RegisterWorkflowWithOptions(d.Fn, workflow.RegisterOptions{Name: d.Name})
	}
	registerActivityStubs(s.env)
	s.ent = &entity{}
	s.loads = &recorder[contract.LoadLifecycleInput]{}
	s.pokes = &recorder[contract.PokePersonsInput]{}
	s.tm = watchTimers(s.env)
}

func (s *LifecycleSuite) TearDownTest() { s.env.AssertExpectations(s.T()) }

func (s *LifecycleSuite) load(_ context.Context, in contract.LoadLifecycleInput) (contract.LoadLifecycleResult, error) {
	s.loads.add(s.env, in)
	return s.ent.load(in.Since, in.At), nil
}

func (s *LifecycleSuite) pokePersons(_ context.Context, in contract.PokePersonsInput) error {
	s.pokes.add(s.env, in)
	return nil
}

// run mocks the activities and runs the workflow of in.Kind to its end,
// started by signal-with-start with a "created" poke standing for t0 (the
// write's instant).
func (s *LifecycleSuite) run(in contract.LifecycleInput) {
	s.env.OnActivity(contract.LoadLifecycleActivity, mock.Anything, mock.Anything).Return(s.load).Maybe()
	s.env.OnActivity(contract.PokePersonsActivity, mock.Anything, mock.Anything).Return(s.pokePersons).Maybe()
	pokeAfter(s.env, 0, t0, "created")
	in.KeepsTime = true
	s.env.ExecuteWorkflow(contract.LifecycleWorkflowType(in.Kind), in)
	s.Require().True(s.env.IsWorkflowCompleted())
}

// loadAts returns the At of every LoadLifecycle call, in order.
func (s *LifecycleSuite) loadAts() []time.Time {
	var out []time.Time
	for _, in := range s.loads.ins() {
		out = append(out, in.At.UTC())
	}
	return out
}

// pokeCalls returns every PokePersons input, At in UTC.
func (s *LifecycleSuite) pokeCalls() []contract.PokePersonsInput {
	var out []contract.PokePersonsInput
	for _, in := range s.pokes.ins() {
		in.At = in.At.UTC()
		out = append(out, in)
	}
	return out
}

var (
	joe = "guest:joe@example.com"
	m1  = "member:m1"
	m2  = "member:m2"
	m3  = "member:m3"
)

func (s *LifecycleSuite) TestBookingWindowOpensThenCloses() {
	s.ent.persons = []string{joe, m1}
	s.ent.open, s.ent.close = at(time.Hour), at(3*time.Hour)

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindBooking, EntityID: "b1"})

	s.NoError(s.env.GetWorkflowError())
	want := []time.Time{t0, at(time.Hour), at(3 * time.Hour)}
	s.Equal(want, s.loadAts(), "LoadLifecycle at start, at open, at close")
	s.Equal(want, s.loads.nows(), "timers fire at the window's instants")
	s.Equal([]contract.PokePersonsInput{
		{OrgID: "org1", Persons: []string{joe, m1}, At: at(time.Hour), Reason: "booking b1: scheduled access change"},
		{OrgID: "org1", Persons: []string{joe, m1}, At: at(3 * time.Hour), Reason: "booking b1: scheduled access change"},
	}, s.pokeCalls(), "the write that started it poked its persons itself; the run pokes them at each transition")
	s.Equal(at(3*time.Hour), s.env.Now().UTC(), "completes at close")
	scheduled, canceled := s.tm.get()
	s.Equal([]time.Duration{time.Hour, 2 * time.Hour}, scheduled)
	s.Zero(canceled)
}

func (s *LifecycleSuite) TestRescheduleBeforeOpenUsesNewNextChange() {
	s.ent.persons = []string{m1}
	s.ent.open, s.ent.close = at(time.Hour), at(2*time.Hour)
	s.env.RegisterDelayedCallback(func() {
		s.ent.update(func(e *entity) { e.open, e.close = at(90*time.Minute), at(4*time.Hour) })
		poke(s.env, at(20*time.Minute), "rescheduled")
	}, 20*time.Minute)

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindBooking, EntityID: "b1"})

	s.NoError(s.env.GetWorkflowError())
	want := []time.Time{t0, at(20 * time.Minute), at(90 * time.Minute), at(4 * time.Hour)}
	s.Equal(want, s.loadAts(), "re-evaluated at the poke; the old open instant (1h) never fires")
	s.Equal(want, s.loads.nows())
	scheduled, canceled := s.tm.get()
	s.Equal([]time.Duration{time.Hour, 70 * time.Minute, 150 * time.Minute}, scheduled)
	s.Equal(1, canceled, "the timer for the old open instant is canceled")
	s.Equal([]contract.PokePersonsInput{
		{OrgID: "org1", Persons: []string{m1}, At: at(90 * time.Minute), Reason: "booking b1: scheduled access change"},
		{OrgID: "org1", Persons: []string{m1}, At: at(4 * time.Hour), Reason: "booking b1: scheduled access change"},
	}, s.pokeCalls(), "the reschedule's write poked m1 itself")
}

func (s *LifecycleSuite) TestPokeAtInTheFutureEvaluatesAtThatInstant() {
	s.ent.persons = []string{m1}
	s.ent.open, s.ent.close = at(time.Hour), at(2*time.Hour)
	// A poke standing for the window's start, delivered a little before
	// the workflow's own clock gets there.
	pokeAfter(s.env, 59*time.Minute, at(time.Hour), "window opened")

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindBooking, EntityID: "b1"})

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, at(time.Hour), at(2 * time.Hour)}, s.loadAts())
	s.Equal([]time.Time{t0, at(59 * time.Minute), at(2 * time.Hour)}, s.loads.nows())
	s.Len(s.pokeCalls(), 2, "the opening (delivered by the early poke's step) and the closing")
}

func (s *LifecycleSuite) TestDeletionEndsTheRunWithoutPoking() {
	s.ent.persons = []string{m1, m2}
	s.ent.open, s.ent.close = at(-time.Hour), at(5*time.Hour) // already running
	s.env.RegisterDelayedCallback(func() {
		s.ent.update(func(e *entity) { e.deleted = true })
		poke(s.env, at(time.Hour), "deleted")
	}, time.Hour)

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership, EntityID: "ms1"})

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, at(time.Hour)}, s.loadAts())
	s.Empty(s.pokeCalls(), "the deleting write poked the persons")
	s.Equal(at(time.Hour), s.env.Now().UTC(), "ends at the deletion")
}

func (s *LifecycleSuite) TestALateStartDeliversTheTransitionItMissed() {
	// The write at t0-2h scheduled the opening at t0-1h; its poke reaches
	// Temporal only at t0.
	s.ent.persons = []string{m1}
	s.ent.open, s.ent.close = at(-time.Hour), at(time.Hour)
	s.env.OnActivity(contract.LoadLifecycleActivity, mock.Anything, mock.Anything).Return(s.load).Maybe()
	s.env.OnActivity(contract.PokePersonsActivity, mock.Anything, mock.Anything).Return(s.pokePersons).Maybe()
	pokeAfter(s.env, 0, at(-2*time.Hour), "created")

	s.env.ExecuteWorkflow(contract.MembershipWorkflow, contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership,
		EntityID: "ms1", KeepsTime: true})

	s.Require().True(s.env.IsWorkflowCompleted())
	s.NoError(s.env.GetWorkflowError())
	s.Equal([]contract.PokePersonsInput{
		{OrgID: "org1", Persons: []string{m1}, At: t0, Reason: "membership ms1: created"},
		{OrgID: "org1", Persons: []string{m1}, At: at(time.Hour), Reason: "membership ms1: scheduled access change"},
	}, s.pokeCalls(), "the opening between the write and the start is delivered at the start")
}

func (s *LifecycleSuite) TestAPokeWithoutAnInstantIsDeliveredToEveryone() {
	s.ent.persons = []string{m1, m2}
	s.ent.open, s.ent.close = at(-time.Hour), at(3*time.Hour)
	pokeAfter(s.env, time.Hour, time.Time{}, "plan mapping changed")

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership, EntityID: "ms1"})

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]contract.PokePersonsInput{
		{OrgID: "org1", Persons: []string{m1, m2}, At: at(time.Hour), Reason: "membership ms1: plan mapping changed"},
		{OrgID: "org1", Persons: []string{m1, m2}, At: at(3 * time.Hour), Reason: "membership ms1: scheduled access change"},
	}, s.pokeCalls(), "a change of what the entity depends on poked no one itself")
}

func (s *LifecycleSuite) TestAnAlarmWhoseChangeWasTakenAwayPokesNoOne() {
	s.ent.persons = []string{m1}
	s.ent.open, s.ent.close = at(-time.Hour), at(2*time.Hour)
	// A write at 1h makes the membership open-ended: nothing is ahead, so
	// it does not signal the run, whose alarm at 2h still rings.
	s.env.RegisterDelayedCallback(func() { s.ent.update(func(e *entity) { e.close = time.Time{} }) }, time.Hour)

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership, EntityID: "ms1"})

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, at(2 * time.Hour)}, s.loadAts())
	s.Empty(s.pokeCalls())
	s.Equal(at(2*time.Hour), s.env.Now().UTC(), "ends at the stale alarm")
}

func (s *LifecycleSuite) TestPokeWhileFinishingLoopsAgain() {
	s.ent.deleted = true
	// While the load of the deleted entity runs, the entity comes back.
	s.env.OnActivity(contract.LoadLifecycleActivity, mock.Anything, mock.Anything).
		After(10 * time.Minute).Return(s.load).Once()
	s.env.RegisterDelayedCallback(func() {
		s.ent.update(func(e *entity) {
			e.deleted, e.open, e.close = false, at(-time.Hour), at(time.Hour)
		})
		poke(s.env, at(5*time.Minute), "restored")
	}, 5*time.Minute)

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership, EntityID: "ms1"})

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, at(10 * time.Minute), at(time.Hour)}, s.loadAts(),
		"the pending poke is handled before ending")
	s.Equal(at(time.Hour), s.env.Now().UTC())
}

func (s *LifecycleSuite) TestNextChangeNotAfterAtIsIgnored() {
	s.ent.deleted = true // answers once the two scripted loads are used up
	s.env.OnActivity(contract.LoadLifecycleActivity, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in contract.LoadLifecycleInput) (contract.LoadLifecycleResult, error) {
			s.loads.add(s.env, in)
			if in.At.Equal(t0) { // a broken answer: NextChange == At
				return contract.LoadLifecycleResult{Exists: true, Persons: []string{m1}, NextChange: t0}, nil
			}
			return contract.LoadLifecycleResult{Exists: false}, nil
		}).Times(2)
	pokeAfter(s.env, time.Hour, time.Time{}, "deleted")

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership, EntityID: "ms1"})

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, at(time.Hour)}, s.loadAts(), "waits for a poke instead of spinning")
}

func (s *LifecycleSuite) TestContinueAsNewCarriesSince() {
	s.ent.persons = []string{m1}
	s.ent.open, s.ent.close = at(time.Hour), at(2*time.Hour)
	s.env.SetContinueAsNewSuggested(true)

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindBooking, EntityID: "b1"})

	var next contract.LifecycleInput
	can, err := continueAsNew(s.env.GetWorkflowError(), &next)
	s.Require().NoError(err)
	s.Equal(contract.BookingWorkflow, can.WorkflowType.Name)
	s.Equal(contract.LifecycleInput{OrgID: "org1", Kind: access.KindBooking, EntityID: "b1", Since: t0, KeepsTime: true}, next)
}

func (s *LifecycleSuite) TestContinueAsNewDrainsPendingPokesFirst() {
	s.ent.persons = []string{m1}
	s.ent.open, s.ent.close = at(time.Hour), at(2*time.Hour)
	s.env.SetContinueAsNewSuggested(true)
	s.env.OnActivity(contract.LoadLifecycleActivity, mock.Anything, mock.Anything).
		After(10 * time.Minute).Return(s.load).Once()
	pokeAfter(s.env, 5*time.Minute, at(5*time.Minute), "changed again")

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindBooking, EntityID: "b1"})

	var next contract.LifecycleInput
	_, err := continueAsNew(s.env.GetWorkflowError(), &next)
	s.Require().NoError(err)
	s.Equal([]time.Time{t0, at(10 * time.Minute)}, s.loadAts(), "the poke is handled, then the run continues")
	s.Equal(at(10*time.Minute), next.Since.UTC())
}

func (s *LifecycleSuite) TestOpenEndedEntityEndsAtOnce() {
	s.ent.persons = []string{m1, m2}
	s.ent.open = at(-time.Hour) // open-ended, already running: nothing ahead

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership, EntityID: "ms1"})

	s.NoError(s.env.GetWorkflowError())
	s.Empty(s.pokeCalls())
	s.Equal(t0, s.env.Now().UTC(), "ends at once: a later change starts it again")
	scheduled, _ := s.tm.get()
	s.Empty(scheduled)
}

func (s *LifecycleSuite) TestCancelWhileWaiting() {
	s.ent.persons = []string{m1}
	s.ent.open, s.ent.close = at(-time.Hour), at(48*time.Hour)
	s.env.RegisterDelayedCallback(s.env.CancelWorkflow, time.Hour)

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership, EntityID: "ms1"})

	s.True(temporal.IsCanceledError(s.env.GetWorkflowError()), "got %v", s.env.GetWorkflowError())
	s.Equal([]time.Time{t0}, s.loadAts())
}

// A run started without KeepsTime keeps its rules for the step it replays
// (every person reached now or before, but those the change poked) and
// continues as new under the current rules at its first live step.
func (s *LifecycleSuite) TestARunFromBeforeContinuesUnderTheNewRules() {
	s.ent.persons = []string{m1, m3}
	s.ent.open, s.ent.close = at(-time.Hour), at(3*time.Hour)
	s.env.OnActivity(contract.LoadLifecycleActivity, mock.Anything, mock.Anything).Return(s.load).Maybe()
	s.env.OnActivity(contract.PokePersonsActivity, mock.Anything, mock.Anything).Return(s.pokePersons).Maybe()
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(contract.PokeSignal, contract.Poke{Reason: "team changed", Poked: []string{m3, m1}})
	}, 0)

	s.env.ExecuteWorkflow(contract.MembershipWorkflow, contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership,
		EntityID: "ms1", Persons: []string{m1, m2}})

	s.Require().True(s.env.IsWorkflowCompleted())
	s.Equal([]contract.PokePersonsInput{
		{OrgID: "org1", Persons: []string{m2}, At: t0, Reason: "membership ms1: team changed"},
	}, s.pokeCalls(), "the dropped m2 only: the change poked m1 and m3")
	var next contract.LifecycleInput
	_, err := continueAsNew(s.env.GetWorkflowError(), &next)
	s.Require().NoError(err)
	s.Equal(contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership, EntityID: "ms1", Since: t0, KeepsTime: true}, next)
}
