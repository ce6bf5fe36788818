package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"doorsync/internal/testenv"
)

// With DOORSYNC_METRICS_ADDR, `doorsync api` serves /metrics there, and
// only there: the API listener answers 404 to it.
func TestAPIServesMetricsOnlyOnTheMetricsAddress(t *testing.T) {
	metricsAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	api := startAPIProcess(t, "DOORSYNC_METRICS_ADDR="+metricsAddr)
	if got := httpStatus(api.url + "/metrics"); got != 404 {
		t.Errorf("the API listener's /metrics = %d, want 404", got)
	}
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if want := `doorsync_http_requests_total{method="GET",route="/healthz",status="200"}`; resp.StatusCode != 200 || !strings.Contains(string(body), want) {
		t.Errorf("the metrics listener's /metrics = %d, want 200 with %s:\n%s", resp.StatusCode, want, body)
	}
}
