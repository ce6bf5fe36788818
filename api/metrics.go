package api

import (
	"context"
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
)

// metrics are what GET /metrics serves: request counts and latencies by
// route, and gauges read from the store at scrape time.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
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
	}
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		gauge("doorsync_outbox_pending", "Pokes accepted but not yet sent to Temporal (refreshed every 15s).", h.countPendingPokes, h.now),
		gauge("doorsync_holds_pending", "Groups whose removals the mass-removal guard holds (refreshed every 15s).", h.countPendingHolds, h.now))
	return m
}

// gaugeRefresh is how long a store-backed gauge keeps its value: scrapes
// in between answer the last value, so however often /metrics is scraped
// each gauge costs the store at most one query per interval.
const gaugeRefresh = 15 * time.Second

// gauge reads its value from the store at most once per gaugeRefresh (-1
// when it cannot).
func gauge(name, help string, read func(context.Context) (int, error), now func() time.Time) prometheus.Collector {
	c := &cachedCount{read: read, now: now}
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, c.get)
}

// cachedCount is a count read from the store, kept for gaugeRefresh.
type cachedCount struct {
	read func(context.Context) (int, error)
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
	n, err := c.read(ctx)
	c.at, c.valid, c.value = c.now(), true, float64(n)
	if err != nil {
		c.value = -1
	}
	return c.value
}

func (h *handlers) countPendingPokes(ctx context.Context) (int, error) {
	if h.store == nil {
		return 0, nil
	}
	return h.store.PendingPokes(ctx)
}

func (h *handlers) countPendingHolds(ctx context.Context) (int, error) {
	if h.store == nil {
		return 0, nil
	}
	return h.store.CountPendingHolds(ctx)
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
// on from).
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(prometheus.Gatherers{m.registry, processMetrics}, promhttp.HandlerOpts{})
}

// processMetrics are the doorsync_ families of the default registry (its
// Go and process collectors are the API registry's too, so they are left
// out).
var processMetrics = prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
	families, err := prometheus.DefaultGatherer.Gather()
	return slices.DeleteFunc(families, func(f *dto.MetricFamily) bool { return !strings.HasPrefix(f.GetName(), "doorsync_") }), err
})
