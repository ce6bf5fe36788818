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

func (e *entity) load(at time.Time) contract.LoadLifecycleResult {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.deleted:
		return contract.LoadLifecycleResult{Exists: false}
	case !e.close.IsZero() && !at.Before(e.close):
		return contract.LoadLifecycleResult{Exists: true, Done: true}
	case at.Before(e.open):
		return contract.LoadLifecycleResult{Exists: true, Persons: e.persons, NextChange: e.open}
	}
	return contract.LoadLifecycleResult{Exists: true, Persons: e.persons, NextChange: e.close}
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

// slowPokes makes the next n PokePersons calls take d of workflow time.
// Call it before run.
func (s *LifecycleSuite) slowPokes(n int, d time.Duration) {
	s.env.OnActivity(contract.PokePersonsActivity, mock.Anything, mock.Anything).
		After(d).Return(s.pokePersons).Times(n)
}

func (s *LifecycleSuite) load(_ context.Context, in contract.LoadLifecycleInput) (contract.LoadLifecycleResult, error) {
	s.loads.add(s.env, in)
	return s.ent.load(in.At), nil
}

func (s *LifecycleSuite) pokePersons(_ context.Context, in contract.PokePersonsInput) error {
	s.pokes.add(s.env, in)
	return nil
}

// run mocks the activities and runs the workflow of in.Kind to its end,
// started by signal-with-start with a "created" poke.
func (s *LifecycleSuite) run(in contract.LifecycleInput) {
	s.env.OnActivity(contract.LoadLifecycleActivity, mock.Anything, mock.Anything).Return(s.load)
	s.env.OnActivity(contract.PokePersonsActivity, mock.Anything, mock.Anything).Return(s.pokePersons)
	pokeAfter(s.env, 0, time.Time{}, "created")
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
		{OrgID: "org1", Persons: []string{joe, m1}, At: t0, Reason: "booking b1: created"},
		{OrgID: "org1", Persons: []string{joe, m1}, At: at(time.Hour), Reason: "booking b1: scheduled access change"},
		{OrgID: "org1", Persons: []string{joe, m1}, At: at(3 * time.Hour), Reason: "booking b1: scheduled access change"},
	}, s.pokeCalls())
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
		poke(s.env, time.Time{}, "rescheduled")
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
		{OrgID: "org1", Persons: []string{m1}, At: t0, Reason: "booking b1: created"},
		{OrgID: "org1", Persons: []string{m1}, At: at(20 * time.Minute), Reason: "booking b1: rescheduled"},
		{OrgID: "org1", Persons: []string{m1}, At: at(90 * time.Minute), Reason: "booking b1: scheduled access change"},
		{OrgID: "org1", Persons: []string{m1}, At: at(4 * time.Hour), Reason: "booking b1: scheduled access change"},
	}, s.pokeCalls())
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
}

func (s *LifecycleSuite) TestDeletionPokesRememberedPersonsAndEnds() {
	s.ent.persons = []string{m1, m2}
	s.ent.open, s.ent.close = at(-time.Hour), at(5*time.Hour) // already running
	s.env.RegisterDelayedCallback(func() {
		s.ent.update(func(e *entity) { e.deleted = true })
		poke(s.env, time.Time{}, "deleted")
	}, time.Hour)

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership, EntityID: "ms1"})

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, at(time.Hour)}, s.loadAts())
	s.Equal([]contract.PokePersonsInput{
		{OrgID: "org1", Persons: []string{m1, m2}, At: t0, Reason: "membership ms1: created"},
		{OrgID: "org1", Persons: []string{m1, m2}, At: at(time.Hour), Reason: "membership ms1: deleted"},
	}, s.pokeCalls())
	s.Equal(at(time.Hour), s.env.Now().UTC(), "ends at the deletion")
}

func (s *LifecycleSuite) TestDeletedAtStartPokesInputPersons() {
	s.ent.deleted = true

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindDayPass, EntityID: "dp1", Persons: []string{m2, m1}})

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]contract.PokePersonsInput{
		{OrgID: "org1", Persons: []string{m1, m2}, At: t0, Reason: "day_pass dp1: created"},
	}, s.pokeCalls())
	s.Equal(t0, s.env.Now().UTC())
}

func (s *LifecycleSuite) TestDroppedPersonIsPokedOnceMore() {
	s.ent.persons = []string{m1, m2}
	s.ent.open, s.ent.close = at(-time.Hour), at(10*time.Hour)
	s.env.RegisterDelayedCallback(func() {
		s.ent.update(func(e *entity) { e.persons = []string{m1} })
		poke(s.env, time.Time{}, "team changed")
	}, time.Hour)
	s.env.RegisterDelayedCallback(func() {
		s.ent.update(func(e *entity) { e.persons = []string{m1, m3} })
		poke(s.env, time.Time{}, "team changed")
	}, 2*time.Hour)
	s.env.RegisterDelayedCallback(func() {
		s.ent.update(func(e *entity) { e.close = at(3 * time.Hour) })
		poke(s.env, time.Time{}, "ended")
	}, 3*time.Hour)

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership, EntityID: "ms1"})

	s.NoError(s.env.GetWorkflowError())
	var persons [][]string
	for _, in := range s.pokeCalls() {
		persons = append(persons, in.Persons)
	}
	s.Equal([][]string{
		{m1, m2}, // start
		{m1, m2}, // m2 dropped: still poked, to revoke
		{m1, m3}, // m2 not poked again; m3 added
		{m1, m3}, // ended: everyone it reached
	}, persons)
}

func (s *LifecycleSuite) TestPersonsPokedByTheChangeAreNotPokedAgain() {
	s.ent.persons = []string{m1, m2}
	s.ent.open, s.ent.close = at(-time.Hour), at(3*time.Hour)
	direct := func(reason string, poked ...string) contract.Poke {
		return contract.Poke{Reason: reason, Poked: poked}
	}
	s.env.RegisterDelayedCallback(func() { // the write poked everyone it reached
		s.env.SignalWorkflow(contract.PokeSignal, direct("created", m2, m1))
	}, 0)
	s.env.RegisterDelayedCallback(func() { // m2 dropped, m3 added: the write poked m1 and m3
		s.ent.update(func(e *entity) { e.persons = []string{m1, m3} })
		s.env.SignalWorkflow(contract.PokeSignal, direct("team changed", m3, m1))
	}, time.Hour)
	s.env.RegisterDelayedCallback(func() { // one direct poke and one that poked no one
		s.env.SignalWorkflow(contract.PokeSignal, direct("changed", m1, m3))
		s.env.SignalWorkflow(contract.PokeSignal, direct("plan mapping changed"))
	}, 2*time.Hour)
	s.env.OnActivity(contract.LoadLifecycleActivity, mock.Anything, mock.Anything).Return(s.load)
	s.env.OnActivity(contract.PokePersonsActivity, mock.Anything, mock.Anything).Return(s.pokePersons)

	s.env.ExecuteWorkflow(contract.MembershipWorkflow, contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership, EntityID: "ms1"})

	s.Require().True(s.env.IsWorkflowCompleted())
	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, at(time.Hour), at(2 * time.Hour), at(2 * time.Hour), at(3 * time.Hour)}, s.loadAts(),
		"the two pokes at 2h arrive in two workflow tasks")
	s.Equal([]contract.PokePersonsInput{
		{OrgID: "org1", Persons: []string{m2}, At: at(time.Hour), Reason: "membership ms1: team changed"},
		{OrgID: "org1", Persons: []string{m1, m3}, At: at(2 * time.Hour), Reason: "membership ms1: plan mapping changed"},
		{OrgID: "org1", Persons: []string{m1, m3}, At: at(3 * time.Hour), Reason: "membership ms1: scheduled access change"},
	}, s.pokeCalls(), "only the dropped m2 at 1h; everyone when any poke or alarm did not poke them")
}

func (s *LifecycleSuite) TestPokeWhileFinishingLoopsAgain() {
	s.ent.deleted = true
	// While the deletion's PokePersons runs, the entity comes back.
	s.slowPokes(1, 10*time.Minute)
	s.env.RegisterDelayedCallback(func() {
		s.ent.update(func(e *entity) {
			e.deleted, e.open, e.close = false, at(-time.Hour), at(time.Hour)
		})
		poke(s.env, time.Time{}, "restored")
	}, 5*time.Minute)

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership, EntityID: "ms1", Persons: []string{m1}})

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

func (s *LifecycleSuite) TestContinueAsNewCarriesPersons() {
	s.ent.persons = []string{m1}
	s.ent.open, s.ent.close = at(time.Hour), at(2*time.Hour)
	s.env.SetContinueAsNewSuggested(true)

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindBooking, EntityID: "b1", Persons: []string{m2}})

	var next contract.LifecycleInput
	can, err := continueAsNew(s.env.GetWorkflowError(), &next)
	s.Require().NoError(err)
	s.Equal(contract.BookingWorkflow, can.WorkflowType.Name)
	s.Equal(contract.LifecycleInput{OrgID: "org1", Kind: access.KindBooking, EntityID: "b1", Persons: []string{m1}}, next)
	s.Equal([]contract.PokePersonsInput{
		{OrgID: "org1", Persons: []string{m1, m2}, At: t0, Reason: "booking b1: created"},
	}, s.pokeCalls())
}

func (s *LifecycleSuite) TestContinueAsNewDrainsPendingPokesFirst() {
	s.ent.persons = []string{m1}
	s.ent.open, s.ent.close = at(time.Hour), at(2*time.Hour)
	s.env.SetContinueAsNewSuggested(true)
	s.slowPokes(1, 10*time.Minute)
	pokeAfter(s.env, 5*time.Minute, time.Time{}, "changed again")

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindBooking, EntityID: "b1"})

	var next contract.LifecycleInput
	_, err := continueAsNew(s.env.GetWorkflowError(), &next)
	s.Require().NoError(err)
	s.Equal([]time.Time{t0, at(10 * time.Minute)}, s.loadAts(), "the poke is handled, then the run continues")
	s.Equal([]string{m1}, next.Persons)
}

func (s *LifecycleSuite) TestOpenEndedEntityEndsOnceItPokedItsPersons() {
	s.ent.persons = []string{m1, m2}
	s.ent.open = at(-time.Hour) // open-ended, already running: nothing scheduled

	s.run(contract.LifecycleInput{OrgID: "org1", Kind: access.KindMembership, EntityID: "ms1"})

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]contract.PokePersonsInput{
		{OrgID: "org1", Persons: []string{m1, m2}, At: t0, Reason: "membership ms1: created"},
	}, s.pokeCalls())
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
