package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// reapply pokes a member's access workflow through the outbox: it
// recomputes what the member should have and applies the difference. 202:
// the workflow runs after the answer; 404 for an unknown member.
func (h *handlers) reapply(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ids, err := h.write.Reapply(ctx, chi.URLParam(r, "org"), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	h.flush(ctx, ids)
	writeJSON(w, http.StatusAccepted, struct {
		Status string `json:"status"`
	}{"queued"})
	return nil
}
