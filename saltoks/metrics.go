package saltoks

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The client's calls are counted in Prometheus's default registry, under
// doorsync_salto_, labelled by route template (RouteTemplate: ids
// replaced), method and status class, so no id, e-mail or query reaches a
// label.
var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "doorsync_salto_requests_total",
		Help: "HTTP exchanges with Salto KS (identity and Connect API) by method, route template and status class (2xx, 3xx, 4xx, 5xx, error: no answer).",
	}, []string{"method", "route", "status"})
	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "doorsync_salto_request_duration_seconds",
		Help:    "Latency of HTTP exchanges with Salto KS, until the response headers, by method, route template and status class.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"method", "route", "status"})
	rateLimitedTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "doorsync_salto_rate_limited_total",
		Help: "Salto KS answers 429 Too Many Requests, by method and route template.",
	}, []string{"method", "route"})
	retriesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "doorsync_salto_retries_total",
		Help: "Connect API calls the client sent again after a retryable failure (429, 5xx, transport error), by method and route template.",
	}, []string{"method", "route"})
)

func init() {
	prometheus.MustRegister(requestsTotal, requestDuration, rateLimitedTotal, retriesTotal)
}

// instrument returns a copy of c whose transport counts every exchange.
func instrument(c *http.Client) *http.Client {
	if _, ok := c.Transport.(measuredTransport); ok {
		return c
	}
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	cc := *c
	cc.Transport = measuredTransport{next: next}
	return &cc
}

// measuredTransport is an http.RoundTripper counting calls, latency and
// 429s by route template, method and status class.
type measuredTransport struct{ next http.RoundTripper }

func (t measuredTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	method, route := methodLabel(r.Method), RouteTemplate(r.URL.Path)
	class := "error"
	if err == nil {
		class = statusClass(resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests {
			rateLimitedTotal.WithLabelValues(method, route).Inc()
		}
	}
	requestsTotal.WithLabelValues(method, route, class).Inc()
	requestDuration.WithLabelValues(method, route, class).Observe(time.Since(start).Seconds())
	return resp, err
}

// countRetry records that req is being sent again.
func countRetry(req request) {
	retriesTotal.WithLabelValues(methodLabel(req.method), RouteTemplate(req.url.Path)).Inc()
}

func statusClass(code int) string {
	if code < 100 || code > 599 {
		return "error"
	}
	return strconv.Itoa(code/100) + "xx"
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return m
	}
	return "OTHER"
}

// collections are the Connect API's path segments that name a collection
// or a sub-resource; the segment after each is an id.
var collections = map[string]bool{
	"sites": true, "access_groups": true, "users": true, "locks": true, "tags": true,
	"subscription": true, "me": true,
}

// RouteTemplate names a Salto KS path with its ids replaced by {id}, e.g.
// /v1.2/sites/{id}/access_groups/{id}/users. The API's paths alternate a
// collection and an id after the version segment (whatever base path
// APIURL has before it is left out); the identity server's token path is
// /connect/token. Any other path, or one naming a collection the client
// does not know (a next_page_link is the server's), is "other", so labels
// stay few whatever a server sends.
func RouteTemplate(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if n := len(segs); n >= 2 && segs[n-2] == "connect" && (segs[n-1] == "token" || segs[n-1] == "authorize") {
		return "/connect/" + segs[n-1]
	}
	v := -1
	for i, s := range segs {
		if s == apiVersion {
			v = i
			break
		}
	}
	if v < 0 || v == len(segs)-1 {
		return "other"
	}
	var b strings.Builder
	b.WriteString("/" + apiVersion)
	for i, s := range segs[v+1:] {
		if i%2 == 1 {
			if s == "" {
				return "other"
			}
			b.WriteString("/{id}")
			continue
		}
		if !collections[s] {
			return "other"
		}
		b.WriteString("/" + s)
	}
	return b.String()
}
