package nexudus

import (
	"context"
	"sync"
	"time"

	"doorsync/connectors"
)

// A record's ReadAt (connectors.Record) lets a read supersede a row
// doorsync wrote before it, whatever the versions say, so it must never be
// later than the oldest platform data the record was built from. Each
// operation (a Page, a Webhook, a lookup's fill) keeps a readClock: every
// answered request notes when it was sent, a lookup notes when it was
// filled, and the operation's records take the oldest of them. Nexudus
// webhooks carry no data doorsync uses (the record is read again by id),
// so no ReadAt comes from a delivery's payload or its arrival.

// readClockKey holds the *readClock of one operation.
type readClockKey struct{}

// readClock is the oldest read of an operation.
type readClock struct {
	mu     sync.Mutex
	oldest time.Time
}

// withReadClock starts an operation's clock; a lookup's fill starts its
// own, so what it reads is dated by the fill, not by the caller.
func withReadClock(ctx context.Context) (context.Context, *readClock) {
	r := &readClock{}
	return context.WithValue(ctx, readClockKey{}, r), r
}

// noteRead records that the operation used platform data read at t.
func noteRead(ctx context.Context, t time.Time) {
	r, ok := ctx.Value(readClockKey{}).(*readClock)
	if !ok || t.IsZero() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.oldest.IsZero() || t.Before(r.oldest) {
		r.oldest = t
	}
}

// at is the oldest read noted (zero when none).
func (r *readClock) at() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.oldest
}

// stamp sets ReadAt on recs.
func stamp(recs []connectors.Record, at time.Time) {
	for i := range recs {
		recs[i].ReadAt = at
	}
}
