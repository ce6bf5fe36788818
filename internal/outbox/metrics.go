package outbox

import "github.com/prometheus/client_golang/prometheus"

// Errors the relay handles where they happen (logs, counts, and goes on)
// rather than returns. Registered with Prometheus's default registry; GET
// /metrics serves them.
var (
	rescheduleFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "doorsync_outbox_reschedule_failures_total",
		Help: "Failed sends whose back-off could not be recorded; such a poke is sent again once its lease ends.",
	})
	sendFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "doorsync_outbox_send_failures_total",
		Help: "Sends of a workflow's pokes to Temporal that failed; each is retried with back-off.",
	})
	corruptPokes = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "doorsync_outbox_corrupt_pokes_total",
		Help: "Pokes whose payload could not be read; each is set aside in the outbox with its error, never sent.",
	})
)

func init() { prometheus.MustRegister(rescheduleFailures, sendFailures, corruptPokes) }
