// Package temporalmetrics exports the Temporal SDK's metrics (workflow and
// activity task latencies, schedule-to-start, failures, polls, requests)
// to Prometheus, through Temporal's maintained tally handler and tally's
// Prometheus reporter.
//
// The SDK names its metrics temporal_…; the Prometheus naming scope adds
// _total to counters and _seconds to timers, which are histograms here
// (temporal_workflow_task_schedule_to_start_latency_seconds_bucket,
// temporal_activity_execution_failed_total, …). Label values keep only
// letters, digits and _ (task_queue="doorsync"; a "-" becomes "_").
package temporalmetrics

import (
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// reportEvery is how often the SDK's metrics reach the registry.
const reportEvery = time.Second

// buckets are the timers' histogram buckets, in seconds: from a
// millisecond (a local activity, a sticky workflow task) to a minute (a
// task that waited behind a backlog, a Salto KS call retried).
var buckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// Handler is a Temporal MetricsHandler registering the SDK's metrics on
// reg (nil: Prometheus's default registry). Close stops its reporting
// loop. A metric the registry refuses (the same name with other labels) is
// logged and left out, never a panic.
func Handler(reg prometheus.Registerer, log *slog.Logger) (client.MetricsHandler, io.Closer) {
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:              reg,
		DefaultTimerType:        tallyprom.HistogramTimerType,
		DefaultHistogramBuckets: buckets,
		OnRegisterError: func(err error) {
			log.Warn("a Temporal SDK metric could not be registered", "err", err)
		},
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
		// tally's own tally_internal_ series say nothing about doorsync.
		OmitCardinalityMetrics: true,
	}, reportEvery)
	return sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope)), closer
}
