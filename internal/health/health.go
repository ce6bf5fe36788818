// Package health answers /healthz and /readyz for every doorsync process,
// and keeps the last state of a dependency for an "up" gauge.
package health

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Check is one readiness dependency: it returns nil when the dependency
// answers.
type Check func(ctx context.Context) error

// timeout bounds all of /readyz's checks together.
const timeout = 3 * time.Second

// Healthz says the process is up.
func Healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Readyz checks every dependency concurrently and names each in its body
// with "ok" or "unavailable" (never the error, which is logged). It
// answers 503 when a required one fails; a reported one is named but
// never makes the process unready.
func Readyz(log *slog.Logger, required, reported map[string]Check) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		type dep struct {
			name     string
			required bool
			check    Check
		}
		var deps []dep
		for name, check := range required {
			deps = append(deps, dep{name, true, check})
		}
		for name, check := range reported {
			if _, ok := required[name]; !ok {
				deps = append(deps, dep{name, false, check})
			}
		}
		type result struct {
			dep
			err error
		}
		results := make(chan result, len(deps))
		for _, d := range deps {
			go func() { results <- result{d, d.check(ctx)} }()
		}
		status, body := http.StatusOK, map[string]string{}
		for range deps {
			res := <-results
			body[res.name] = "ok"
			if res.err != nil {
				body[res.name] = "unavailable"
				if res.required {
					status = http.StatusServiceUnavailable
				}
				log.WarnContext(ctx, "readiness check failed", "dependency", res.name, "required", res.required, "err", res.err)
			}
		}
		writeJSON(w, status, body)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the status is sent; a client gone meanwhile is nothing to handle
}

// Fresh is how long a Probe's last result stands for the dependency's
// state on /metrics: a scrape within it reads that result, a later one
// checks again (so scrapes cost the dependency at most one check per
// interval).
const Fresh = 15 * time.Second

// Probe is a Check that remembers its last result.
type Probe struct {
	check Check
	now   func() time.Time

	mu    sync.Mutex
	at    time.Time
	err   error
	valid bool
}

// NewProbe wraps c.
func NewProbe(c Check) *Probe { return &Probe{check: c, now: time.Now} }

// Check runs the check now and records its result.
func (p *Probe) Check(ctx context.Context) error {
	err := p.check(ctx)
	p.mu.Lock()
	p.at, p.err, p.valid = p.now(), err, true
	p.mu.Unlock()
	return err
}

// Up is 1 when the dependency answered its last check, 0 when it did not;
// it checks again (for at most 2 s) when that result is older than Fresh.
func (p *Probe) Up() float64 {
	p.mu.Lock()
	at, err, valid := p.at, p.err, p.valid
	p.mu.Unlock()
	if now := p.now(); !valid || now.Sub(at) >= Fresh || now.Before(at) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		err = p.Check(ctx)
	}
	if err != nil {
		return 0
	}
	return 1
}

// Gauge serves p's state as a gauge (1 up, 0 down).
func Gauge(name, help string, p *Probe) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, p.Up)
}

// TemporalUp is the gauge doorsync_temporal_up of a probe of Temporal.
func TemporalUp(p *Probe) prometheus.Collector {
	return Gauge("doorsync_temporal_up", "1 when Temporal answered this process's last health check (at most 15s old), else 0.", p)
}
