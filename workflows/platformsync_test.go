package workflows

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"doorsync/access"
	"doorsync/contract"
)

// fakePlatform stands in for the platform sync's activities: members in
// pages of two (an incremental stream), memberships in one page (a stream
// read whole every run).
type fakePlatform struct {
	mu       sync.Mutex
	members  int
	full     bool
	busy     bool
	throttle int // pages answered with a throttle before the first succeeds
	held     []string
	taken    bool
	pages    []contract.SyncPlatformPageInput
	sweeps   []contract.SweepPlatformInput
	finished []contract.FinishPlatformSyncInput
}

var since = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func (f *fakePlatform) streams(_ context.Context, in contract.PlatformStreamsInput) (contract.PlatformStreamsResult, error) {
	res := contract.PlatformStreamsResult{Busy: f.busy, Platform: "officernd", Full: f.full || in.Full, Streams: []contract.PlatformStream{
		{Name: "members", Kinds: []access.Kind{access.KindMember}, Incremental: true},
		{Name: "memberships", Kinds: []access.Kind{access.KindMembership}},
	}}
	if !res.Full {
		res.Streams[0].Since = &since
	}
	return res, nil
}

func (f *fakePlatform) page(_ context.Context, in contract.SyncPlatformPageInput) (contract.SyncPlatformPageResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.throttle > 0 {
		f.throttle--
		return contract.SyncPlatformPageResult{}, temporal.NewApplicationErrorWithOptions("throttled", contract.PlatformThrottledError,
			temporal.ApplicationErrorOptions{NextRetryDelay: 45 * time.Second})
	}
	if f.taken {
		return contract.SyncPlatformPageResult{}, temporal.NewNonRetryableApplicationError("taken", contract.PlatformSyncTakenError, nil)
	}
	f.pages = append(f.pages, in)
	if in.Stream == "memberships" {
		return contract.SyncPlatformPageResult{Written: 1, Calls: 1}, nil
	}
	at, _ := strconv.Atoi(in.Cursor)
	n := min(2, f.members-at)
	res := contract.SyncPlatformPageResult{Written: n, Calls: 1}
	if at+n < f.members {
		res.Next = strconv.Itoa(at + n)
	}
	return res, nil
}

func (f *fakePlatform) sweep(_ context.Context, in contract.SweepPlatformInput) (contract.SweepPlatformResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sweeps = append(f.sweeps, in)
	return contract.SweepPlatformResult{Deleted: 1, Held: f.held}, nil
}

func (f *fakePlatform) finish(_ context.Context, in contract.FinishPlatformSyncInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finished = append(f.finished, in)
	return nil
}

func newPlatformEnv(f *fakePlatform) *testsuite.TestWorkflowEnvironment {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(PlatformSync, workflow.RegisterOptions{Name: contract.PlatformSyncWorkflow})
	env.RegisterActivityWithOptions(f.streams, activity.RegisterOptions{Name: contract.PlatformStreamsActivity})
	env.RegisterActivityWithOptions(f.page, activity.RegisterOptions{Name: contract.SyncPlatformPageActivity})
	env.RegisterActivityWithOptions(f.sweep, activity.RegisterOptions{Name: contract.SweepPlatformActivity})
	env.RegisterActivityWithOptions(f.finish, activity.RegisterOptions{Name: contract.FinishPlatformSyncActivity})
	return env
}

func runPlatformSync(t *testing.T, env *testsuite.TestWorkflowEnvironment, in contract.PlatformSyncInput) contract.PlatformSyncResult {
	t.Helper()
	env.ExecuteWorkflow(contract.PlatformSyncWorkflow, in)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res contract.PlatformSyncResult
	require.NoError(t, env.GetWorkflowResult(&res))
	return res
}

// A full run reads every page of every stream, sweeps each stream and
// records the watermark of the incremental one.
func TestPlatformSyncFullReadsEveryPageAndSweeps(t *testing.T) {
	f := &fakePlatform{members: 5}
	env := newPlatformEnv(f)
	start := env.Now()
	res := runPlatformSync(t, env, contract.PlatformSyncInput{OrgID: "acme", Full: true, Trigger: contract.PlatformTriggerConnect})

	assert.True(t, res.Full)
	assert.Equal(t, 4, res.Pages, "three pages of members, one of memberships")
	assert.Equal(t, 6, res.Written)
	assert.Equal(t, 4, res.Calls)
	assert.Equal(t, 2, res.Deleted, "each stream's sweep")
	cursors := []string{}
	for _, p := range f.pages {
		cursors = append(cursors, p.Stream+"@"+p.Cursor)
		assert.Nil(t, p.Since, "a full run reads whole")
	}
	assert.Equal(t, []string{"members@", "members@2", "members@4", "memberships@"}, cursors)
	require.Len(t, f.sweeps, 2)
	assert.Equal(t, "officernd", f.sweeps[0].Platform)
	assert.Equal(t, []access.Kind{access.KindMember}, f.sweeps[0].Kinds)
	require.Len(t, f.finished, 1)
	fin := f.finished[0]
	assert.Empty(t, fin.Error)
	assert.Equal(t, []access.Kind{access.KindMember, access.KindMembership}, fin.Result.Swept)
	require.Len(t, fin.Result.Watermarks, 1)
	assert.True(t, fin.Result.Watermarks["members"].Equal(start), "the members' watermark is when their read began")
	assert.True(t, fin.Result.StartedAt.Equal(start))
	assert.Equal(t, f.pages[0].RunID, fin.RunID)
}

// An incremental run reads the incremental stream from its watermark and
// does not sweep it; the stream the platform cannot filter is read whole
// and swept.
func TestPlatformSyncIncrementalSweepsOnlyWholeStreams(t *testing.T) {
	f := &fakePlatform{members: 1}
	env := newPlatformEnv(f)
	res := runPlatformSync(t, env, contract.PlatformSyncInput{OrgID: "acme"})

	assert.False(t, res.Full)
	require.Len(t, f.pages, 2)
	assert.Equal(t, &since, f.pages[0].Since)
	assert.Nil(t, f.pages[1].Since)
	require.Len(t, f.sweeps, 1)
	assert.Equal(t, "memberships", f.sweeps[0].Stream)
}

// A throttled page waits out the platform's Retry-After and is read
// again: nothing is lost.
func TestPlatformSyncWaitsOutAThrottle(t *testing.T) {
	f := &fakePlatform{members: 3, throttle: 2}
	env := newPlatformEnv(f)
	start := env.Now()
	res := runPlatformSync(t, env, contract.PlatformSyncInput{OrgID: "acme", Full: true})

	assert.Equal(t, 4, res.Written)
	assert.GreaterOrEqual(t, env.Now().Sub(start), 90*time.Second, "two Retry-Afters of 45 s")
	assert.Equal(t, "", f.pages[0].Cursor)
}

// A run that has read enough continues as new between pages, carrying
// its run id, plan, stream, cursor and totals; the next run goes on from
// there.
func TestPlatformSyncContinuesAsNewMidStream(t *testing.T) {
	f := &fakePlatform{members: 5}
	env := newPlatformEnv(f)
	env.SetContinueAsNewSuggested(true)
	env.ExecuteWorkflow(contract.PlatformSyncWorkflow, contract.PlatformSyncInput{OrgID: "acme", Full: true})

	var next contract.PlatformSyncInput
	can, err := continueAsNew(env.GetWorkflowError(), &next)
	require.NoError(t, err)
	assert.Equal(t, contract.PlatformSyncWorkflow, can.WorkflowType.Name)
	require.NotNil(t, next.Resume)
	assert.Equal(t, "2", next.Resume.Cursor)
	assert.Equal(t, 0, next.Resume.Stream)
	assert.Equal(t, 2, next.Resume.Result.Written)
	assert.Equal(t, f.pages[0].RunID, next.Resume.RunID)
	assert.Empty(t, f.finished, "a run that continues is not finished")

	env2 := newPlatformEnv(f)
	res := runPlatformSync(t, env2, next)
	assert.Equal(t, 6, res.Written, "every member and the membership, once")
	assert.Equal(t, 4, res.Pages)
	require.Len(t, f.finished, 1)
	assert.Equal(t, next.Resume.RunID, f.finished[0].RunID, "the marks of both runs of the workflow are one run's")
	assert.True(t, next.Resume.StreamFrom.Equal(f.finished[0].Result.Watermarks["members"]), "the stream's read began in the first run")
}

// A sweep the guard held is recorded with the run.
func TestPlatformSyncRecordsAHeldSweep(t *testing.T) {
	f := &fakePlatform{members: 1, held: []string{"officernd: 10 of 10 member entities missing"}}
	res := runPlatformSync(t, newPlatformEnv(f), contract.PlatformSyncInput{OrgID: "acme", Full: true})

	assert.Len(t, res.Held, 2, "both streams held")
	require.Len(t, f.finished, 1)
	assert.Len(t, f.finished[0].Result.Swept, 2)
	assert.Equal(t, res.Held, f.finished[0].Result.Held)
}

// A scheduled run finding another run of the org going on ends at once;
// one that lost its sync to another run ends without recording anything.
func TestPlatformSyncSkipsWhenAnotherRunSyncs(t *testing.T) {
	for _, f := range []*fakePlatform{{busy: true}, {members: 3, taken: true}} {
		t.Run(fmt.Sprintf("busy=%v", f.busy), func(t *testing.T) {
			res := runPlatformSync(t, newPlatformEnv(f), contract.PlatformSyncInput{OrgID: "acme"})
			assert.True(t, res.Skipped)
			assert.Empty(t, f.finished)
		})
	}
}

// A page that keeps failing ends the run with its error, recorded.
func TestPlatformSyncRecordsAFailure(t *testing.T) {
	f := &fakePlatform{members: 3}
	env := newPlatformEnv(f)
	env.OnActivity(contract.SyncPlatformPageActivity, mock.Anything, mock.Anything).Return(contract.SyncPlatformPageResult{},
		temporal.NewNonRetryableApplicationError("not connected", contract.PlatformNotConnectedError, nil))
	env.ExecuteWorkflow(contract.PlatformSyncWorkflow, contract.PlatformSyncInput{OrgID: "acme"})
	require.Error(t, env.GetWorkflowError())
	require.Len(t, f.finished, 1)
	assert.Contains(t, f.finished[0].Error, "not connected")
	assert.Empty(t, f.finished[0].Result.Watermarks)
}
