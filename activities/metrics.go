package activities

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// resumeFailures counts reconciliation attempts that could not resume from
// their heartbeat details and started over. Registered with Prometheus's
// default registry; GET /metrics serves it.
var resumeFailures = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "doorsync_reconcile_resume_failures_total",
	Help: "Reconciliation attempts whose heartbeat details could not be read (or their persons resolved); each started over.",
})

func init() { prometheus.MustRegister(resumeFailures) }

// log is the activities' logger (slog's default when none was given).
func (a *Activities) log() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}
