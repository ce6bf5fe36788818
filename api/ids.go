package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"doorsync/internal/entity"
)

// validatePathIDs answers 400 when any id in the path is malformed. An
// e-mail ({email}) and a mapping's id ({ref}, which may be "*") are left
// to their handlers.
func (h *handlers) validatePathIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := chi.RouteContext(r.Context())
		v := &validationError{}
		for i, key := range rc.URLParams.Keys {
			if key == "email" || key == "ref" || key == "*" {
				continue
			}
			if !entity.ValidID.MatchString(rc.URLParams.Values[i]) {
				v.add(key, entity.IDRule)
			}
		}
		if err := v.orNil(); err != nil {
			h.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}
