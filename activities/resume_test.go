package activities_test

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/testsuite"

	"doorsync/contract"
)

// syncBuffer is a log destination tests read while activities write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// counterValue is a counter's value in Prometheus's default registry.
func counterValue(t *testing.T, name string) float64 {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no counter %s in the default registry", name)
	return 0
}

// Heartbeat details a retried attempt cannot read (here: a plan that is
// not one, after a group index that decodes) are logged and counted, and
// the run starts over from the first group rather than skipping it.
func TestUnreadableHeartbeatIsLoggedCountedAndStartsOver(t *testing.T) {
	e := newEnv(t)
	intruder := e.handAdd(groupA, "a@example.com")
	logs := &syncBuffer{}
	e.acts.Log = slog.New(slog.NewTextHandler(logs, nil))
	before := counterValue(t, "doorsync_reconcile_resume_failures_total")

	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(e.acts.ReconcileOrg)
	env.SetHeartbeatDetails(map[string]any{"next_group": 1, "plan": "not a plan"})
	val, err := env.ExecuteActivity(e.acts.ReconcileOrg, contract.ReconcileOrgInput{OrgID: org, RunID: "run1", Trigger: "schedule"})
	if err != nil {
		t.Fatal(err)
	}
	var res contract.ReconcileOrgResult
	if err := val.Get(&res); err != nil {
		t.Fatal(err)
	}

	if slices.Contains(e.fake.GroupMembers(london, groupA), intruder) || res.Removes != 2 || res.Groups != 1 { // the intruder and the seed's staff user
		t.Errorf("result = %+v: want the run started over and group A repaired", res)
	}
	if got := counterValue(t, "doorsync_reconcile_resume_failures_total"); got != before+1 {
		t.Errorf("resume failures = %v, want %v", got, before+1)
	}
	if l := logs.String(); !strings.Contains(l, "heartbeat details unreadable") || !strings.Contains(l, "run=run1") {
		t.Errorf("logs = %q, want the unreadable details logged with the run", l)
	}
}
