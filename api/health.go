package api

import (
	"net/http"

	"doorsync/internal/health"
)

// Check is one readiness dependency: it returns nil when the dependency
// answers.
type Check = health.Check

// handleHealthz says the process is up.
func handleHealthz(w http.ResponseWriter, r *http.Request) { health.Healthz(w, r) }

// readyz checks every dependency concurrently and answers 503 if one of
// Deps.Readiness fails, naming which. Temporal is checked and named too,
// but never makes the API unready: the outbox keeps accepting writes while
// it is down, and the relay sends them once it is back.
func (h *handlers) readyz() http.HandlerFunc {
	var reported map[string]Check
	if h.temporal != nil {
		reported = map[string]Check{"temporal": h.temporal.Check}
	}
	return health.Readyz(h.log, h.readiness, reported)
}
