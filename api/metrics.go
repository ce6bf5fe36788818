package api

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"doorsync/internal/health"
	"doorsync/store"
)

// metrics are what GET /metrics serves: request counts and latencies by
// route, and gauges read from the store at scrape time.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// hookDeliveries counts platform webhook deliveries by platform and
	// result (platformhooks.go).
	hookDeliveries *prometheus.CounterVec
}

// newMetrics registers doorsync's metrics on their own registry (so
// several handlers, as in tests, never collide).
func newMetrics(h *handlers) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorsync_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "doorsync_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		hookDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorsync_platform_webhooks_total",
			Help: "Platform webhook deliveries by platform and result (applied, unauthorized, invalid, too_large, failed).",
		}, []string{"platform", "result"}),
	}
	for _, p := range []string{"officernd", "nexudus"} {
		for _, r := range hookResults {
			m.hookDeliveries.WithLabelValues(p, r)
		}
	}
	m.registry.MustRegister(m.requests, m.duration, m.hookDeliveries,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		gauge("doorsync_outbox_pending", "Pokes accepted but not yet sent to Temporal (refreshed every 15s).", h.countPendingPokes, h.now),
		gauge("doorsync_outbox_oldest_pending_age_seconds",
			"How long the oldest poke the relay still tries to send has waited, in seconds; 0 when none waits (refreshed every 15s).",
			h.oldestPendingPoke, h.now),
		gauge("doorsync_webhook_deliveries_pending", "Webhook deliveries queued and neither made nor given up yet (refreshed every 15s).",
			h.countPendingDeliveries, h.now),
		h.orgGauges("pending holds", h.store.PendingHoldsByOrg, orgGauge("doorsync_holds_pending",
			"Groups whose removals the mass-removal guard holds pending an operator, by org (refreshed every 15s).")),
		h.orgGauges("problem persons", h.store.ProblemPersonsByOrg, orgGauge("doorsync_people_with_problems",
			"Persons with a problem retrying cannot fix (shown by the explain API), by org (refreshed every 15s).")),
		h.orgGauges("salto connections", h.store.SaltoConnectionStates, orgGauge("doorsync_salto_connection_up",
			"1 while the org's Salto KS connection works, 0 once talking to Salto KS last failed; orgs never connected have none (refreshed every 15s).")),
		h.orgGauges("reconcile drift", h.store.ReconcileDrift,
			orgGauge("doorsync_reconcile_drift_found", "Changes (adds and removals) the org's latest completed reconciliation run found (refreshed every 15s)."),
			orgGauge("doorsync_reconcile_drift_repaired", "Changes the org's latest completed reconciliation run made (refreshed every 15s).")),
		h.orgGauges("revocation lateness", h.store.RevocationLateness, orgGauge("doorsync_revocation_lateness_seconds",
			"How long after the end of its window the org's latest timed removal was recorded, in seconds (refreshed every 15s).")))
	if h.temporal != nil {
		m.registry.MustRegister(health.TemporalUp(h.temporal))
	}
	return m
}

// gaugeRefresh is how long a store-backed gauge keeps its value: scrapes
// in between answer the last value, so however often /metrics is scraped
// each gauge family costs the store at most one query per interval.
const gaugeRefresh = 15 * time.Second

// gauge reads its value from the store at most once per gaugeRefresh (-1
// when it cannot).
func gauge(name, help string, read func(context.Context) (float64, error), now func() time.Time) prometheus.Collector {
	c := &cachedCount{read: read, now: now}
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, c.get)
}

// cachedCount is a value read from the store, kept for gaugeRefresh.
type cachedCount struct {
	read func(context.Context) (float64, error)
	now  func() time.Time

	mu    sync.Mutex
	at    time.Time
	value float64
	valid bool
}

// get returns the kept value, reading it again once it is gaugeRefresh
// old. A failed read (-1) is kept too, so a struggling store is not asked
// on every scrape.
func (c *cachedCount) get() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); c.valid && now.Sub(c.at) < gaugeRefresh && !now.Before(c.at) {
		return c.value
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	v, err := c.read(ctx)
	c.at, c.valid, c.value = c.now(), true, v
	if err != nil {
		c.value = -1
	}
	return c.value
}

func (h *handlers) countPendingPokes(ctx context.Context) (float64, error) {
	if h.store == nil {
		return 0, nil
	}
	n, err := h.store.PendingPokes(ctx)
	return float64(n), err
}

func (h *handlers) countPendingDeliveries(ctx context.Context) (float64, error) {
	if h.store == nil {
		return 0, nil
	}
	n, err := h.store.PendingDeliveries(ctx)
	return float64(n), err
}

func (h *handlers) oldestPendingPoke(ctx context.Context) (float64, error) {
	if h.store == nil {
		return 0, nil
	}
	return h.store.OldestPendingPokeAge(ctx)
}

// orgGauge describes a gauge family with one label, org.
func orgGauge(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, []string{"org"}, nil)
}

// orgGauges are gauge families labelled by org, all read from the store by
// one call (each org's values in the order of descs) at most once per
// gaugeRefresh. A failed read is logged and kept for the interval: the
// families then have no series (alert on absent() if that matters), and
// the store is not asked again on every scrape.
func (h *handlers) orgGauges(what string, read func(context.Context) ([]store.OrgValues, error), descs ...*prometheus.Desc) prometheus.Collector {
	return &cachedOrgGauges{what: what, read: read, descs: descs, now: h.now, log: h.log, noStore: h.store == nil}
}

type cachedOrgGauges struct {
	what    string
	read    func(context.Context) ([]store.OrgValues, error)
	descs   []*prometheus.Desc
	now     func() time.Time
	log     *slog.Logger
	noStore bool

	mu     sync.Mutex
	at     time.Time
	values []store.OrgValues
	valid  bool
}

func (c *cachedOrgGauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *cachedOrgGauges) Collect(ch chan<- prometheus.Metric) {
	for _, v := range c.get() {
		for i, d := range c.descs {
			if i < len(v.Values) {
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v.Values[i], v.OrgID)
			}
		}
	}
}

func (c *cachedOrgGauges) get() []store.OrgValues {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.noStore {
		return nil
	}
	if now := c.now(); c.valid && now.Sub(c.at) < gaugeRefresh && !now.Before(c.at) {
		return c.values
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	values, err := c.read(ctx)
	c.at, c.valid, c.values = c.now(), true, values
	if err != nil && c.log != nil {
		c.log.Warn("metrics: could not read from the store; its gauges are left out until the next read", "gauges", c.what, "err", err)
	}
	return c.values
}

// observe records each request under its method (OTHER for any method
// HTTP does not define) and its route pattern ("unmatched" when no route
// matched), so clients cannot grow the label space with made-up methods,
// ids or paths.
func (m *metrics) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		start := time.Now()
		next.ServeHTTP(ww, r)
		method, route := methodLabel(r.Method), routeOf(r)
		m.requests.WithLabelValues(method, route, strconv.Itoa(ww.Status())).Inc()
		m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	})
}

// httpMethods are the methods HTTP defines; metrics label any other OTHER.
var httpMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true,
	http.MethodDelete: true, http.MethodConnect: true, http.MethodOptions: true, http.MethodTrace: true,
}

func methodLabel(m string) string {
	if httpMethods[m] {
		return m
	}
	return "OTHER"
}

// handler serves the API's registry and the doorsync_ metrics other
// packages of the process register with Prometheus's default registry (the
// outbox relay's and the activities' counts of errors they handle and go
// on from, the Salto KS client's calls), and the Temporal SDK's temporal_
// metrics.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(prometheus.Gatherers{m.registry, processMetrics}, promhttp.HandlerOpts{})
}

// processMetrics are the doorsync_ and temporal_ (the Temporal SDK's, as
// the process's Temporal client reports them) families of the default
// registry (its Go and process collectors are the API registry's too, so
// they are left out).
var processMetrics = prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
	families, err := prometheus.DefaultGatherer.Gather()
	return slices.DeleteFunc(families, func(f *dto.MetricFamily) bool {
		return !strings.HasPrefix(f.GetName(), "doorsync_") && !strings.HasPrefix(f.GetName(), "temporal_")
	}), err
})
