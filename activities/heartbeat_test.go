package activities

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
)

// A run heartbeats only once it has gone on for quietFor, then every
// beatEvery while it goes on (whatever it is waiting for), and stops when
// it ends; outside an activity keepAlive does nothing.
func TestKeepAliveHeartbeatsWhileASlowRunGoesOn(t *testing.T) {
	defer func(q, b time.Duration, h func(context.Context)) { quietFor, beatEvery, heartbeat = q, b, h }(quietFor, beatEvery, heartbeat)
	quietFor, beatEvery = 300*time.Millisecond, 100*time.Millisecond
	var beats atomic.Int64
	heartbeat = func(ctx context.Context) {
		activity.RecordHeartbeat(ctx) // panics outside an activity
		beats.Add(1)
	}
	for _, tc := range []struct {
		name     string
		runs     time.Duration
		min, max int64
	}{
		{"quick run", 100 * time.Millisecond, 0, 0},
		{"slow run, one long wait", quietFor + 5*beatEvery + beatEvery/2, 4, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestActivityEnvironment()
			beats.Store(0)
			env.RegisterActivityWithOptions(func(ctx context.Context) error {
				stop := keepAlive(ctx)
				time.Sleep(tc.runs) // one Salto KS call that long: no heartbeat from the run itself
				stop()
				return nil
			}, activity.RegisterOptions{Name: "Probe"})
			if _, err := env.ExecuteActivity("Probe"); err != nil {
				t.Fatal(err)
			}
			ended := beats.Load()
			if ended < tc.min || ended > tc.max {
				t.Fatalf("heartbeats = %d, want %d to %d", ended, tc.min, tc.max)
			}
			time.Sleep(3 * beatEvery)
			if beats.Load() != ended {
				t.Fatalf("heartbeats went on after the run ended: %d, then %d", ended, beats.Load())
			}
		})
	}
	keepAlive(context.Background())() // not an activity: nothing to do, no panic
}
