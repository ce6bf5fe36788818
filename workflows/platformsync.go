package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// Platform sync activity options. A page or a sweep retries until it
// succeeds or two hours have passed: a throttle's Retry-After (the
// activity's NextRetryDelay; Nexudus' hourly budget may ask for most of an
// hour) is waited out and the page read again, nothing lost; a page still
// failing after that ends the run with its error, and the next scheduled
// run reads again from the last watermarks. A page heartbeats as it
// writes, so a worker lost mid-page is noticed within two minutes.
var (
	platformPageOptions = workflow.ActivityOptions{
		StartToCloseTimeout:    10 * time.Minute,
		ScheduleToCloseTimeout: 2 * time.Hour,
		HeartbeatTimeout:       2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        5 * time.Minute,
			NonRetryableErrorTypes: []string{contract.PlatformNotConnectedError, contract.PlatformSyncTakenError},
		},
	}
	// platformPlanOptions apply to PlatformStreams: a short database read
	// and the connector's stream list.
	platformPlanOptions = workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        5,
			NonRetryableErrorTypes: []string{contract.PlatformNotConnectedError},
		},
	}
)

// platformPagesPerRun bounds the pages one run of the workflow reads
// before it continues as new, so a large backfill's history stays far
// from Temporal's limits (each page costs about six events).
const platformPagesPerRun = 1000

// PlatformSync is the PlatformSyncWorkflow: it plans a run
// (PlatformStreams), reads each stream page by page, one activity a page,
// sweeps each stream it read whole, and records the run
// (FinishPlatformSync), failed or not. A scheduled run that finds another
// run of the org going on ends at once. A long run continues as new
// between pages, carrying where it was.
func PlatformSync(ctx workflow.Context, in contract.PlatformSyncInput) (contract.PlatformSyncResult, error) {
	r, done, err := startPlatformRun(ctx, in)
	if err != nil || done {
		return r.res, err
	}
	err = r.readStreams(ctx)
	var can *workflow.ContinueAsNewError
	if errors.As(err, &can) {
		return r.res, err
	}
	if isSyncTaken(err) {
		r.res.Skipped = true
		return r.res, nil
	}
	return r.res, r.finish(ctx, err)
}

// platformRun is one run's state, carried across continue-as-new.
type platformRun struct {
	in     contract.PlatformSyncInput
	runID  string
	plan   contract.PlatformStreamsResult
	stream int
	cursor string
	from   time.Time // when the current stream's read began
	res    contract.PlatformSyncResult
	pages  int // pages read by this run of the workflow
}

// startPlatformRun resumes a run that continued as new, or plans a new
// one; done says it ends here (another run of the org is going on).
func startPlatformRun(ctx workflow.Context, in contract.PlatformSyncInput) (*platformRun, bool, error) {
	if in.Trigger == "" {
		in.Trigger = contract.PlatformTriggerSchedule
	}
	r := &platformRun{in: in}
	if rs := in.Resume; rs != nil {
		r.runID, r.plan, r.stream, r.cursor, r.from, r.res = rs.RunID, rs.Plan, rs.Stream, rs.Cursor, rs.StreamFrom, rs.Result
		r.in.Resume = nil
		return r, false, nil
	}
	r.runID = workflow.GetInfo(ctx).WorkflowExecution.RunID
	r.res.StartedAt = workflow.Now(ctx)
	pctx := workflow.WithActivityOptions(ctx, platformPlanOptions)
	err := workflow.ExecuteActivity(pctx, contract.PlatformStreamsActivity, contract.PlatformStreamsInput{
		OrgID: in.OrgID, RunID: r.runID, Full: in.Full, Trigger: in.Trigger,
	}).Get(ctx, &r.plan)
	if err != nil {
		return r, true, r.finish(ctx, err)
	}
	if r.plan.Busy {
		r.res.Skipped = true
		workflow.GetLogger(ctx).Info("platform sync skipped: another run of the org is going on", "org", in.OrgID)
		return r, true, nil
	}
	r.res.Full = r.plan.Full
	return r, false, nil
}

// readStreams reads the streams from where the run is, sweeping each read
// whole; it continues as new once the run has read enough pages.
func (r *platformRun) readStreams(ctx workflow.Context) error {
	for ; r.stream < len(r.plan.Streams); r.stream++ {
		s := r.plan.Streams[r.stream]
		if r.cursor == "" {
			r.from = workflow.Now(ctx)
		}
		if err := r.readStream(ctx, s); err != nil {
			return err
		}
		if err := r.sweep(ctx, s); err != nil {
			return err
		}
		if s.Incremental {
			r.watermark(s.Name)
		}
	}
	return nil
}

// readStream reads a stream's pages from the run's cursor to the last.
func (r *platformRun) readStream(ctx workflow.Context, s contract.PlatformStream) error {
	actx := workflow.WithActivityOptions(ctx, platformPageOptions)
	for {
		var page contract.SyncPlatformPageResult
		err := workflow.ExecuteActivity(actx, contract.SyncPlatformPageActivity, contract.SyncPlatformPageInput{
			OrgID: r.in.OrgID, RunID: r.runID, Generation: r.plan.Generation, Stream: s.Name, Since: s.Since, Cursor: r.cursor,
		}).Get(ctx, &page)
		if err != nil {
			return err
		}
		r.add(page)
		if r.cursor = page.Next; r.cursor == "" {
			return nil
		}
		if r.pages >= platformPagesPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return r.continueAsNew(ctx)
		}
	}
}

func (r *platformRun) add(p contract.SyncPlatformPageResult) {
	r.pages++
	r.res.Pages++
	r.res.Calls += p.Calls
	r.res.Written += p.Written
	r.res.Stale += p.Stale
	r.res.Failed += p.Failed
	r.res.Deleted += p.Deleted
}

// sweep deletes what a stream read whole did not yield; a stream read
// from a watermark proves nothing about what it did not yield.
func (r *platformRun) sweep(ctx workflow.Context, s contract.PlatformStream) error {
	if s.Since != nil {
		return nil
	}
	var res contract.SweepPlatformResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, platformPageOptions), contract.SweepPlatformActivity,
		contract.SweepPlatformInput{OrgID: r.in.OrgID, RunID: r.runID, Generation: r.plan.Generation, Platform: r.plan.Platform, Stream: s.Name, Kinds: s.Kinds,
			Approved: r.in.ApproveRemovals}).
		Get(ctx, &res)
	if err != nil {
		return err
	}
	r.res.Swept = append(r.res.Swept, s.Kinds...)
	r.res.Deleted += res.Deleted
	r.res.Held = append(r.res.Held, res.Held...)
	return nil
}

// watermark records that stream s was read to its end from r.from on.
func (r *platformRun) watermark(stream string) {
	if r.res.Watermarks == nil {
		r.res.Watermarks = map[string]time.Time{}
	}
	r.res.Watermarks[stream] = r.from
}

func (r *platformRun) continueAsNew(ctx workflow.Context) error {
	next := r.in
	next.Resume = &contract.PlatformSyncResume{RunID: r.runID, Plan: r.plan, Stream: r.stream, Cursor: r.cursor,
		StreamFrom: r.from, Result: r.res}
	return workflow.NewContinueAsNewError(ctx, contract.PlatformSyncWorkflow, next)
}

// finish records the run, with runErr if it failed, and returns runErr.
func (r *platformRun) finish(ctx workflow.Context, runErr error) error {
	in := contract.FinishPlatformSyncInput{OrgID: r.in.OrgID, RunID: r.runID, Generation: r.plan.Generation,
		Platform: r.plan.Platform, Result: r.res}
	if runErr != nil {
		in.Error = runErr.Error()
		workflow.GetLogger(ctx).Error("platform sync failed", "org", r.in.OrgID, "run", r.runID, "error", runErr)
	}
	if err := workflow.ExecuteActivity(withLoadOptions(ctx), contract.FinishPlatformSyncActivity, in).Get(ctx, nil); err != nil {
		return err
	}
	if runErr == nil {
		workflow.GetLogger(ctx).Info("platform sync finished", "org", r.in.OrgID, "full", r.res.Full, "pages", r.res.Pages,
			"written", r.res.Written, "deleted", r.res.Deleted, "failed", r.res.Failed, "held", len(r.res.Held))
	}
	return runErr
}

// isSyncTaken says the run lost the org's sync to another run.
func isSyncTaken(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.Type() == contract.PlatformSyncTakenError
}
