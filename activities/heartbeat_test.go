package activities

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
)

// A run heartbeats only once it has gone on for quietFor, and never
// outside an activity.
func TestAliveHeartbeatsOnlyWhenSlow(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ranFor    time.Duration
		heartbeat bool
	}{
		{"quick run", time.Second, false},
		{"slow run", quietFor + time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestActivityEnvironment()
			beats := 0
			env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) { beats++ })
			run := &applyRun{started: time.Now().Add(-tc.ranFor)}
			env.RegisterActivityWithOptions(func(ctx context.Context) error {
				run.alive(ctx)
				return nil
			}, activity.RegisterOptions{Name: "Probe"})
			if _, err := env.ExecuteActivity("Probe"); err != nil {
				t.Fatal(err)
			}
			if got := beats > 0; got != tc.heartbeat {
				t.Fatalf("heartbeats = %d, want some: %v", beats, tc.heartbeat)
			}
		})
	}
	(&applyRun{started: time.Now().Add(-time.Hour)}).alive(context.Background()) // not an activity: no panic
}
