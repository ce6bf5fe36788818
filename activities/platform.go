package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"

	"doorsync/access"
	"doorsync/connectors"
	"doorsync/contract"
	"doorsync/store"
)

// Platforms hands out an org's platform connector
// (internal/platformconn's Conns).
type Platforms interface {
	Connector(ctx context.Context, orgID string) (connectors.Connector, error)
}

// PlatformWriter writes what a platform has through the API's write path
// (internal/write's Writer): Record validates a record as PUT does and
// writes it with its source; an older version than stored is
// store.ErrStale.
type PlatformWriter interface {
	Record(ctx context.Context, orgID string, platform connectors.Platform, rec connectors.Record) (store.WriteResult, error)
	Delete(ctx context.Context, orgID string, kind access.Kind, id string) ([]int64, error)
}

// PlatformSyncState is the sync state kept with an org's platform
// connection.
type PlatformSyncState = store.PlatformSync

// PlatformSyncStates reads and records the sync state of an org's
// platform connection (the store's PlatformSyncState and
// RecordPlatformSync); both fail with an error wrapping store.ErrNotFound
// when the org has no connection.
type PlatformSyncStates interface {
	PlatformSyncState(ctx context.Context, orgID string) (PlatformSyncState, error)
	RecordPlatformSync(ctx context.Context, orgID string, s PlatformSyncState) error
}

// PokeFlusher sends queued pokes now (the outbox relay's Flush); without
// one, the relay loop sends them as its NOTIFY wakes it.
type PokeFlusher interface {
	Flush(ctx context.Context, ids []int64) error
}

// PlatformSync is what the platform sync's activities need beyond the
// store. Activities.Platform nil leaves them unregistered.
type PlatformSync struct {
	Platforms Platforms
	Writer    PlatformWriter
	States    PlatformSyncStates
	// Pokes, when set, sends each page's pokes as the page ends.
	Pokes PokeFlusher
	// NotConnected is the error Platforms answers for an org without a
	// connection (platformconn.ErrNotConnected): the run ends instead of
	// retrying.
	NotConnected error
	// Refused says a write failed because the record is invalid (an
	// *entity.Invalid): it is recorded as a problem and the page goes
	// on. Any other failure fails the page, which is retried. Nil treats
	// every failure but the context's as a refusal.
	Refused func(error) bool
	// FullEvery is how old the last full sync may grow before a scheduled
	// run is full (DefaultFullSyncEvery when 0).
	FullEvery time.Duration
}

// DefaultFullSyncEvery is how often a scheduled sync reads every stream
// whole and sweeps it, when PlatformSync.FullEvery is unset. Incremental
// lists never show what the platform deleted outright, so only a full
// read finds it: an hour bounds how long such an entity outlives its
// deletion, while the full read (every object once, within the platforms'
// budgets) costs one scheduled run in twelve at the default 5 min
// interval. Streams the platform cannot filter are read whole, and swept,
// on every run anyway.
const DefaultFullSyncEvery = time.Hour

// watermarkOverlap is read again before a stream's watermark: Nexudus
// filters by the minute, and a change committed on the platform while the
// last read ran may carry a modification time just before its start.
// Records read twice are stale repeats, which write nothing.
const watermarkOverlap = 2 * time.Minute

// syncLease is how long a run holds the org's sync without renewing it (a
// page or a sweep renews it): a run killed mid-way frees it after this.
// It outlasts the longest Retry-After a platform sends within its
// per-hour budget, so a throttled run keeps its sync.
const syncLease = 70 * time.Minute

// fullMark is the watermark key of the last full sync's start: stream
// names are the connectors' and never begin with "*".
const fullMark = "*full"

// abandonedRunAfter is when the marks of a run that never finished go.
const abandonedRunAfter = 24 * time.Hour

// ErrPlatformSyncTaken is why a run stops mid-way: another run of the org
// took the sync once this one's lease lapsed.
var ErrPlatformSyncTaken = errors.New("activities: another run took the org's platform sync")

// ErrPlatformChanged is why a run stops mid-way: the org's platform
// connection was replaced (or removed) since the run began.
var ErrPlatformChanged = errors.New("activities: the org's platform connection changed since the sync began")

func (p *PlatformSync) fullEvery() time.Duration {
	if p.FullEvery > 0 {
		return p.FullEvery
	}
	return DefaultFullSyncEvery
}

// connector returns the org's connector; an org without a connection is a
// non-retryable error.
func (p *PlatformSync) connector(ctx context.Context, orgID string) (connectors.Connector, error) {
	c, err := p.Platforms.Connector(ctx, orgID)
	if err != nil && p.NotConnected != nil && errors.Is(err, p.NotConnected) {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), contract.PlatformNotConnectedError, err)
	}
	return c, err
}

// platformError turns a connector's error into what Temporal should do: a
// throttle waits out its Retry-After (benign: the SDK logs it at debug, it
// is the platform's budget doing its work), refused credentials end the
// run.
func platformError(err error) error {
	var th *connectors.ThrottledError
	switch {
	case errors.As(err, &th):
		return temporal.NewApplicationErrorWithOptions(err.Error(), contract.PlatformThrottledError,
			temporal.ApplicationErrorOptions{NextRetryDelay: max(th.RetryAfter, time.Second), Cause: err,
				Category: temporal.ApplicationErrorCategoryBenign})
	case errors.Is(err, connectors.ErrUnauthorized):
		return temporal.NewNonRetryableApplicationError(err.Error(), contract.PlatformNotConnectedError, err)
	}
	return err
}

// refused says a record's write failed for the record's sake.
func (p *PlatformSync) refused(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return p.Refused == nil || p.Refused(err)
}
