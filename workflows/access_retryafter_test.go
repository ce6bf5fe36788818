package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// throttled is ApplyAccess's answer to a Salto KS 429 carrying a
// Retry-After of d.
func throttled(d time.Duration) outcome {
	return outcome{err: temporal.NewApplicationErrorWithOptions("salto ks: 429", contract.RateLimitedError,
		temporal.ApplicationErrorOptions{NextRetryDelay: d})}
}

func (s *AccessSuite) TestRetryAfterWaitIsAtMostFiveMinutes() {
	s.input.LocalFirst = true
	s.script(throttled(time.Hour), throttled(time.Hour))

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, at(5 * time.Minute), at(10 * time.Minute)}, s.applies.nows(),
		"a Retry-After of an hour is waited out five minutes at a time")
}

func (s *AccessSuite) TestRateLimitedActivityComesBackToWaitOutRetryAfter() {
	s.script(throttled(time.Hour))

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]bool{false, false}, s.ranLocally())
	s.Equal([]time.Time{t0, at(5 * time.Minute)}, s.applies.nows(),
		"the activity hands the 429 back and the workflow waits at most five minutes")
}

func (s *AccessSuite) TestPokeEndsRetryAfterWait() {
	s.input.LocalFirst = true
	s.script(throttled(5*time.Minute), throttled(2*time.Minute))
	pokeAfter(s.env, time.Minute, at(time.Minute), "membership ms1 deleted")

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, at(time.Minute), at(3 * time.Minute)}, s.applies.nows(),
		"the poke ends the wait at once; still throttled, the new Retry-After is waited out")
	s.Equal([]time.Time{t0, at(time.Minute), at(3 * time.Minute)}, s.applyAts(), "each attempt evaluates afresh")
	var causes []string
	for _, in := range s.applies.ins() {
		causes = append(causes, in.Cause)
	}
	s.Equal([]string{"created", "membership ms1 deleted", "membership ms1 deleted"}, causes)
	_, canceled := s.tm.get()
	s.Positive(canceled, "the Retry-After timer is cancelled")
}

func (s *AccessSuite) TestPokeEndsRetryAfterWaitOfTheActivity() {
	s.script(throttled(5 * time.Minute))
	pokeAfter(s.env, time.Minute, at(time.Minute), "booking b1")

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]time.Time{t0, at(time.Minute)}, s.applies.nows(), "applied when poked, not when the wait would end")
	s.Equal([]time.Time{t0, at(time.Minute)}, s.applyAts())
}

func (s *AccessSuite) TestRunsFromBeforeTheChangeWaitDeafAsTheyDid() {
	s.env.OnGetVersion(pokesEndWaitsChange, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	s.input.LocalFirst = true
	s.script(throttled(30 * time.Second))
	pokeAfter(s.env, 10*time.Second, time.Time{}, "booking b1")

	s.run(true)

	s.NoError(s.env.GetWorkflowError())
	s.Equal([]bool{true, false, true}, s.ranLocally(), "local, then the activity after the wait, then the poke")
	s.Equal([]time.Time{t0, at(30 * time.Second), at(30 * time.Second)}, s.applies.nows(),
		"the poke waits for the sleep, as the run's history has it")
}
