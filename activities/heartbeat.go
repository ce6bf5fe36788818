package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
)

// quietFor is how long ApplyAccess runs before it heartbeats. Most runs
// end well within it and cost Temporal no heartbeat; a run that takes
// longer (many groups, a slow or rate-limited Salto KS) heartbeats between
// Salto KS calls, so its HeartbeatTimeout (see workflows/options.go) only
// fires for a run that is lost or stuck: a task the worker never ran is
// retried after that timeout rather than after StartToCloseTimeout.
const quietFor = 5 * time.Second

// alive heartbeats once the run has gone on for quietFor. Outside an
// activity (tests call ApplyAccess directly) it does nothing.
func (r *applyRun) alive(ctx context.Context) {
	if time.Since(r.started) < quietFor || !activity.IsActivity(ctx) {
		return
	}
	activity.RecordHeartbeat(ctx)
}
