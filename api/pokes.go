package api

import (
	"context"
	"time"
)

// flushTimeout bounds how long a request waits to send its pokes; past it
// the relay sends them, so an outage of Temporal does not slow the API.
const flushTimeout = 2 * time.Second

// flushMax is the most pokes a request sends itself. More (a mapping that
// reaches thousands of memberships) are left to the relay: sent under a
// request's short deadline, most would time out after reaching Temporal
// and be sent again.
const flushMax = 50

// flush sends the pokes a write queued. A failure is logged, not returned:
// the change is committed and the relay loop will send them.
func (h *handlers) flush(ctx context.Context, ids []int64) {
	if h.outbox == nil || len(ids) == 0 || len(ids) > flushMax {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
	defer cancel()
	if err := h.outbox.Flush(ctx, ids); err != nil {
		h.log.WarnContext(ctx, "could not send pokes now; the outbox relay will retry", "err", err, "pokes", len(ids))
	}
}
