package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"doorsync/internal/secrets"
	"doorsync/internal/testenv"
)

// `doorsync worker` serves /healthz, /readyz and /metrics on
// DOORSYNC_WORKER_ADDR; its /metrics carries the Temporal SDK's metrics of
// the workflows it ran and doorsync_temporal_up.
func TestWorkerServesHealthAndMetrics(t *testing.T) {
	dev := testenv.Temporal(t)
	bin := testenv.BuildDoorsync(t)
	db, queue := testenv.NewDatabase(t), testenv.TaskQueue(t)
	api := startAPIProcess(t, "DATABASE_URL="+db, "DOORSYNC_TASK_QUEUE="+queue)

	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	cmd := exec.Command(bin, "worker")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+db,
		"TEMPORAL_ADDRESS="+dev.HostPort,
		"TEMPORAL_NAMESPACE="+dev.Namespace,
		"DOORSYNC_TASK_QUEUE="+queue,
		"DOORSYNC_WORKER_ADDR="+addr,
		"DOORSYNC_SECRET_KEY="+secrets.NewKey(),
		"DOORSYNC_LOG_LEVEL=warn",
	)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("doorsync worker output:\n%s", out.String())
		}
	})
	url := "http://" + addr
	waitFor(t, 60*time.Second, "doorsync worker to answer /healthz", func() bool { return httpStatus(url+"/healthz") == 200 })

	status, body := get(t, url+"/readyz")
	var ready map[string]string
	if err := json.Unmarshal([]byte(body), &ready); err != nil || status != 200 || ready["postgres"] != "ok" || ready["temporal"] != "ok" {
		t.Errorf("/readyz = %d %s, want 200 with postgres and temporal ok", status, body)
	}

	// A dry run is a ReconcileWorkflow on the worker (it may fail: the org
	// has no Salto KS connection; it runs either way).
	api.orgKey(t, "acme")
	req, _ := http.NewRequest("POST", api.url+"/v1/orgs/acme/reconcile", strings.NewReader(`{"dry_run":true}`))
	req.Header.Set("Authorization", "Bearer "+processAdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	want := []string{
		"doorsync_temporal_up 1",
		"temporal_workflow_task_schedule_to_start_latency_seconds_bucket{",
		"temporal_workflow_task_execution_latency_seconds_bucket{",
		"temporal_activity_execution_latency_seconds_bucket{",
		"go_goroutines ",
	}
	var missing []string
	if !eventually(15*time.Second, func() bool {
		_, body = get(t, url+"/metrics")
		missing = missing[:0]
		for _, w := range want {
			if !strings.Contains(body, w) {
				missing = append(missing, w)
			}
		}
		return len(missing) == 0
	}) {
		t.Errorf("the worker's /metrics lacks %v (dry run answered %d):\n%s", missing, resp.StatusCode, body)
	}
	if strings.Contains(out.String(), "could not be registered") {
		t.Errorf("the worker could not register some of the SDK's metrics:\n%s", out.String())
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
