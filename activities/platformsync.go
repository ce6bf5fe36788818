package activities

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"doorsync/connectors"
	"doorsync/contract"
	"doorsync/store"
)

// errNoPlatformSync is the failure of a platform sync activity on a worker
// built without Activities.Platform.
var errNoPlatformSync = temporal.NewNonRetryableApplicationError("activities: platform sync is not configured",
	contract.PlatformNotConnectedError, nil)

// PlatformStreams begins a sync run: it claims the org's sync and plans
// the run. A run is full when asked, when no full run has finished yet, or
// when the last one started more than FullEvery ago; a full run reads
// every stream whole, others read incremental streams from their
// watermark less watermarkOverlap.
func (a *Activities) PlatformStreams(ctx context.Context, in contract.PlatformStreamsInput) (contract.PlatformStreamsResult, error) {
	p := a.Platform
	if p == nil {
		return contract.PlatformStreamsResult{}, errNoPlatformSync
	}
	force := in.Trigger != contract.PlatformTriggerSchedule
	claimed, err := a.Store.ClaimPlatformSync(ctx, in.OrgID, in.RunID, syncLease, force)
	if err != nil || !claimed {
		return contract.PlatformStreamsResult{Busy: !claimed}, err
	}
	gen, err := a.Store.PlatformGeneration(ctx, in.OrgID)
	if err != nil {
		return contract.PlatformStreamsResult{}, p.stateError(err)
	}
	conn, err := p.connector(ctx, in.OrgID)
	if err != nil {
		return contract.PlatformStreamsResult{}, err
	}
	state, err := p.States.PlatformSyncState(ctx, in.OrgID)
	if err != nil {
		return contract.PlatformStreamsResult{}, p.stateError(err)
	}
	last, ok := state.Watermarks[fullMark]
	full := in.Full || !ok || a.now().Sub(last) >= p.fullEvery()
	res := plan(conn, state.Watermarks, full)
	res.Generation = gen
	return res, nil
}

// plan lists conn's streams as a run reads them.
func plan(conn connectors.Connector, watermarks map[string]time.Time, full bool) contract.PlatformStreamsResult {
	res := contract.PlatformStreamsResult{Platform: string(conn.Platform()), Full: full}
	for _, s := range conn.Streams() {
		ps := contract.PlatformStream{Name: s.Name, Kinds: s.Kinds, Incremental: s.Incremental}
		if mark, ok := watermarks[s.Name]; ok && s.Incremental && !full {
			since := mark.Add(-watermarkOverlap)
			ps.Since = &since
		}
		res.Streams = append(res.Streams, ps)
	}
	return res
}

// stateError is a failure to read the sync state: an org without a
// connection ends the run.
func (p *PlatformSync) stateError(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return temporal.NewNonRetryableApplicationError(err.Error(), contract.PlatformNotConnectedError, err)
	}
	return err
}

// SyncPlatformPage reads one page of a stream and writes it through the
// API's write path: each record (an older version is counted stale; a
// record the write refuses is recorded as a problem, and the page goes
// on), then the deletions the page reports of what this platform wrote.
// It marks every record as seen by the run for the sweep, and sends the
// pokes the writes queued when it has a flusher. Running it twice writes
// nothing new: the records are repeats.
func (a *Activities) SyncPlatformPage(ctx context.Context, in contract.SyncPlatformPageInput) (contract.SyncPlatformPageResult, error) {
	p := a.Platform
	if p == nil {
		return contract.SyncPlatformPageResult{}, errNoPlatformSync
	}
	if err := a.holdSync(ctx, in.OrgID, in.RunID, in.Generation); err != nil {
		return contract.SyncPlatformPageResult{}, err
	}
	// A platform call may wait out a throttle within the client; the
	// worker heartbeats meanwhile, so only a lost worker times out.
	defer keepAlive(ctx)()
	conn, err := p.connector(ctx, in.OrgID)
	if err != nil {
		return contract.SyncPlatformPageResult{}, err
	}
	page, err := conn.Page(ctx, in.Stream, in.Since, in.Cursor)
	if err != nil {
		return contract.SyncPlatformPageResult{}, platformError(fmt.Errorf("activities: read %s: %w", in.Stream, err))
	}
	w := pageWrite{a: a, p: p, org: in.OrgID, run: in.RunID, platform: conn.Platform()}
	if err := w.records(ctx, page.Records); err != nil {
		return contract.SyncPlatformPageResult{}, err
	}
	if err := w.deletions(ctx, page.Deleted); err != nil {
		return contract.SyncPlatformPageResult{}, err
	}
	if err := w.finish(ctx, page.Records); err != nil {
		return contract.SyncPlatformPageResult{}, err
	}
	w.res.Calls, w.res.Next = page.Calls, page.Next
	return w.res, nil
}

// holdSync renews the run's hold on the org's sync. A run whose lease
// lapsed and was taken, or whose connection changed since it began (gen:
// the generation it began with), stops.
func (a *Activities) holdSync(ctx context.Context, orgID, runID string, gen int64) error {
	held, err := a.Store.ClaimPlatformSync(ctx, orgID, runID, syncLease, false)
	if err != nil {
		return err
	}
	if !held {
		return temporal.NewNonRetryableApplicationError(ErrPlatformSyncTaken.Error(), contract.PlatformSyncTakenError, ErrPlatformSyncTaken)
	}
	same, err := a.sameConnection(ctx, orgID, gen)
	if err != nil || same {
		return err
	}
	// Free the sync at once: the new connection's runs must not wait out
	// this one's lease.
	if err := a.Store.ReleasePlatformSync(ctx, orgID, runID); err != nil {
		return err
	}
	return temporal.NewNonRetryableApplicationError(ErrPlatformChanged.Error(), contract.PlatformSyncTakenError, ErrPlatformChanged)
}

// sameConnection says whether the org's connection is still the one of
// generation gen (0: any, for runs that did not read it).
func (a *Activities) sameConnection(ctx context.Context, orgID string, gen int64) (bool, error) {
	if gen == 0 {
		return true, nil
	}
	now, err := a.Store.PlatformGeneration(ctx, orgID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return now == gen, err
}

// pageWrite writes one page.
type pageWrite struct {
	a        *Activities
	p        *PlatformSync
	org, run string
	platform connectors.Platform
	res      contract.SyncPlatformPageResult
	written  []store.EntityRef
	problems []store.PlatformProblem
	pokes    []int64
}

// heartbeatEvery is how many records a page writes between heartbeats
// (the SDK throttles what reaches the server).
const heartbeatEvery = 25

// pageWriters is how many of a page's records are written at once. Each
// write is its own transaction, mostly waiting on Postgres; writes that
// touch one another are ordered by the write path's locks, and a record
// that names another not yet written grants nothing until it arrives,
// when the write of what it names pokes it (as with API writes in any
// order).
const pageWriters = 4

// outcome is what the write of one record came to.
type outcome struct {
	res store.WriteResult
	err error
}

// records writes each record; a refused one is kept as a problem.
func (w *pageWrite) records(ctx context.Context, recs []connectors.Record) error {
	outs := w.writeAll(ctx, recs)
	for i, rec := range recs {
		o := outs[i]
		switch {
		case o.err == nil:
			w.res.Written++
			w.written = append(w.written, store.EntityRef{Kind: rec.Kind, ID: rec.ID})
			w.pokes = append(w.pokes, o.res.OutboxIDs...)
		case errors.Is(o.err, store.ErrStale):
			w.res.Stale++
		case w.p.refused(o.err):
			w.refuse(ctx, rec, o.err)
		default:
			return fmt.Errorf("activities: write %s %s from %s: %w", rec.Kind, rec.ID, w.platform, o.err)
		}
	}
	return nil
}

// writeAll writes recs, pageWriters at a time, heartbeating the records
// done as it goes.
func (w *pageWrite) writeAll(ctx context.Context, recs []connectors.Record) []outcome {
	outs := make([]outcome, len(recs))
	next := make(chan int)
	var done atomic.Int64
	var wg sync.WaitGroup
	for range min(pageWriters, len(recs)) {
		wg.Go(func() {
			for i := range next {
				outs[i].res, outs[i].err = w.p.Writer.Record(ctx, w.org, w.platform, recs[i])
				if n := done.Add(1); n%heartbeatEvery == 0 {
					beat(ctx, int(n))
				}
			}
		})
	}
	for i := range recs {
		next <- i
	}
	close(next)
	wg.Wait()
	return outs
}

// refuse records a record the write refused. The log names it by ids
// only: the reason may quote the record's fields.
func (w *pageWrite) refuse(ctx context.Context, rec connectors.Record, err error) {
	w.res.Failed++
	w.problems = append(w.problems, store.PlatformProblem{Kind: rec.Kind, ID: rec.ID, SourceID: rec.SourceID,
		Problem: err.Error(), RunID: w.run})
	w.a.Log.WarnContext(ctx, "a platform record was refused; it is listed among the platform's problems",
		"org", w.org, "platform", w.platform, "kind", rec.Kind, "id", rec.ID, "source_id", rec.SourceID)
}

// deletions deletes what the page says the platform removed, of what this
// platform wrote (an entity the operator wrote stays).
func (w *pageWrite) deletions(ctx context.Context, refs []connectors.Ref) error {
	asked := make([]store.EntityRef, len(refs))
	for i, r := range refs {
		asked[i] = store.EntityRef{Kind: r.Kind, ID: r.ID}
	}
	held, err := w.a.Store.FromPlatform(ctx, w.org, string(w.platform), asked)
	if err != nil {
		return err
	}
	for _, r := range held {
		ids, err := w.p.Writer.Delete(ctx, w.org, r.Kind, r.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("activities: delete %s %s for %s: %w", r.Kind, r.ID, w.platform, err)
		}
		w.res.Deleted++
		w.pokes = append(w.pokes, ids...)
	}
	return nil
}

// finish marks the page's records seen, records its problems and sends
// its pokes.
func (w *pageWrite) finish(ctx context.Context, recs []connectors.Record) error {
	seen := make([]store.EntityRef, len(recs))
	for i, rec := range recs {
		seen[i] = store.EntityRef{Kind: rec.Kind, ID: rec.ID}
	}
	if err := w.a.Store.MarkPlatformSeen(ctx, w.org, w.run, seen); err != nil {
		return err
	}
	if err := w.a.Store.RecordPlatformProblems(ctx, w.org, w.problems, w.written); err != nil {
		return err
	}
	w.a.flushPokes(ctx, w.p.Pokes, w.org, w.pokes)
	return nil
}

// flushPokes sends pokes now when a flusher is set; a failure leaves them
// to the relay loop.
func (a *Activities) flushPokes(ctx context.Context, f PokeFlusher, orgID string, ids []int64) {
	if f == nil || len(ids) == 0 {
		return
	}
	if err := f.Flush(ctx, ids); err != nil {
		a.Log.WarnContext(ctx, "could not send a platform sync's pokes now; the outbox relay will", "org", orgID, "pokes", len(ids), "err", err)
	}
}

// beat records progress (records done) as the activity's heartbeat.
func beat(ctx context.Context, done int) {
	if activity.IsActivity(ctx) && !activity.GetInfo(ctx).IsLocalActivity {
		activity.RecordHeartbeat(ctx, done)
	}
}
