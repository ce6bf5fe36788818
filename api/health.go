package api

import (
	"context"
	"net/http"
	"time"
)

// Check is one readiness dependency: it returns nil when the dependency
// answers.
type Check func(ctx context.Context) error

// handleHealthz says the process is up.
func handleHealthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz checks every dependency concurrently and answers 503 if any
// fails, naming which.
func (h *handlers) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	type result struct {
		name string
		err  error
	}
	results := make(chan result, len(h.readiness))
	for name, check := range h.readiness {
		go func() { results <- result{name, check(ctx)} }()
	}
	status, body := http.StatusOK, map[string]string{}
	for range h.readiness {
		res := <-results
		body[res.name] = "ok"
		if res.err != nil {
			status, body[res.name] = http.StatusServiceUnavailable, "unavailable"
			h.log.WarnContext(ctx, "readiness check failed", "dependency", res.name, "err", res.err)
		}
	}
	writeJSON(w, status, body)
}
