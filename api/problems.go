package api

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"doorsync/store"
)

// problemView is one person with a problem.
type problemView struct {
	Person  string    `json:"person"` // the person key: "member:m1", "guest:joe@example.com"
	Problem string    `json:"problem"`
	Since   time.Time `json:"since"`
}

// listProblems answers the org's persons with a problem (a failure
// retrying cannot fix, as explain shows it), by person key, a page at a
// time.
func (h *handlers) listProblems(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageQuery(r)
	if err != nil {
		return err
	}
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	if _, err := h.store.GetOrg(ctx, orgID); err != nil {
		return err
	}
	ps, err := h.store.PersonProblems(ctx, orgID, after, limit+1)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(ps, limit, func(p store.PersonProblemEntry) string { return p.Person },
		func(p store.PersonProblemEntry) problemView {
			return problemView{Person: p.Person, Problem: p.Problem, Since: p.Since}
		}))
	return nil
}
