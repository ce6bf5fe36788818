package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
)

// quietFor is how long ApplyAccess runs before it heartbeats, and
// beatEvery how often it heartbeats after that. Most runs end well within
// quietFor and cost Temporal no heartbeat. A longer run (many groups, a
// slow or rate-limited Salto KS) heartbeats from a goroutine for as long as
// its worker lives, whatever one Salto KS call takes, so the activity's
// short HeartbeatTimeout (see workflows/options.go) fires only for a run
// whose worker died, or a task no worker ran: either is retried within
// seconds, and a revocation it carried is not held up for minutes.
var (
	quietFor  = 5 * time.Second
	beatEvery = 2 * time.Second
	// heartbeat is activity.RecordHeartbeat (the SDK throttles what it
	// sends to the server); tests count its calls.
	heartbeat = func(ctx context.Context) { activity.RecordHeartbeat(ctx) }
)

// keepAlive heartbeats from quietFor on, every beatEvery, until stop is
// called; stop returns once no heartbeat can follow. Outside an activity,
// and in a local one (which cannot heartbeat), it does nothing.
func keepAlive(ctx context.Context) (stop func()) {
	if !activity.IsActivity(ctx) || activity.GetInfo(ctx).IsLocalActivity {
		return func() {}
	}
	first, every, beat := quietFor, beatEvery, heartbeat
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTimer(first)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				beat(ctx)
				t.Reset(every)
			}
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}
