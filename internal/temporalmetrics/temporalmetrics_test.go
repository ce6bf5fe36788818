package temporalmetrics_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"doorsync/internal/temporalmetrics"
	"doorsync/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// flaky fails its first attempt, then succeeds.
func flaky(ctx context.Context) error {
	if activity.GetInfo(ctx).Attempt == 1 {
		return errors.New("first attempt fails")
	}
	return nil
}

// run calls flaky (retried once) and fails the workflow when asked to.
func run(ctx workflow.Context, fail bool) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 10 * time.Millisecond, MaximumAttempts: 2},
	})
	if err := workflow.ExecuteActivity(ctx, "flaky").Get(ctx, nil); err != nil {
		return err
	}
	if fail {
		return temporal.NewNonRetryableApplicationError("asked to fail", "test", nil)
	}
	return nil
}

// TestWorkerExportsSDKMetrics runs a worker on the dev server with the
// handler, runs a workflow whose activity fails once and one that fails,
// and scrapes /metrics for the SDK's task latencies and failures.
func TestWorkerExportsSDKMetrics(t *testing.T) {
	dev := testenv.Temporal(t)
	reg := prometheus.NewRegistry()
	handler, closer := temporalmetrics.Handler(reg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { closer.Close() })
	c, err := client.Dial(client.Options{HostPort: dev.HostPort, Namespace: dev.Namespace, MetricsHandler: handler})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	queue := testenv.TaskQueue(t)
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflowWithOptions(run, workflow.RegisterOptions{Name: "run"})
	w.RegisterActivityWithOptions(flaky, activity.RegisterOptions{Name: "flaky"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, fail := range []bool{false, true} {
		wr, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: queue}, "run", fail)
		if err != nil {
			t.Fatal(err)
		}
		if err := wr.Get(ctx, nil); (err != nil) != fail {
			t.Fatalf("workflow (fail %v) ended with %v", fail, err)
		}
	}

	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	want := []string{
		"temporal_workflow_task_schedule_to_start_latency_seconds_bucket{",
		"temporal_workflow_task_execution_latency_seconds_bucket{",
		"temporal_activity_schedule_to_start_latency_seconds_bucket{",
		"temporal_activity_execution_latency_seconds_bucket{",
		"temporal_activity_execution_failed_total{",
		"temporal_workflow_completed_total{",
		"temporal_workflow_failed_total{",
	}
	var body string
	deadline := time.Now().Add(10 * time.Second) // the scope reports every second
	for {
		body = scrape(t, srv.URL+"/metrics")
		missing := missingFrom(body, want)
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %v:\n%s", missing, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Label values keep letters, digits and _ (the SDK's Prometheus
	// sanitizing).
	if !strings.Contains(body, `task_queue="`+strings.ReplaceAll(queue, "-", "_")+`"`) {
		t.Errorf("the SDK's metrics do not carry their task_queue label:\n%s", body)
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d", url, resp.StatusCode)
	}
	return string(b)
}

func missingFrom(body string, want []string) []string {
	var missing []string
	for _, w := range want {
		if !strings.Contains(body, w) {
			missing = append(missing, w)
		}
	}
	return missing
}
