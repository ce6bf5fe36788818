package workflows

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// TestAccessHistoriesReplay replays Access histories recorded on a real
// Temporal dev server: a 429 on the first apply (Retry-After 3 s) and a poke
// one second into the wait, locally first and as a regular activity. The
// v0 histories were recorded before pokes ended Retry-After waits (their
// runs must replay the deaf sleep they had), the v1 ones after.
//
// access-v1-scheduled-check was recorded before AccessInput.NoAlarm: a
// booking's member, whose run woke at the window's instants by itself.
func TestAccessHistoriesReplay(t *testing.T) {
	files, err := filepath.Glob("testdata/access-*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded histories: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(Access, workflow.RegisterOptions{Name: contract.AccessWorkflow})
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay: %v", err)
			}
		})
	}
}

// TestLifecycleHistoriesReplay replays Lifecycle histories recorded on a
// real Temporal dev server before LifecycleInput.KeepsTime: a booking with
// a guest, rescheduled while its run waited, through its window to its end.
func TestLifecycleHistoriesReplay(t *testing.T) {
	files, err := filepath.Glob("testdata/lifecycle-*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded histories: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			for _, d := range Definitions() {
				r.RegisterWorkflowWithOptions(d.Fn, workflow.RegisterOptions{Name: d.Name})
			}
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay: %v", err)
			}
		})
	}
}
