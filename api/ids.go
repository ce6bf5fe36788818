package api

import (
	"net/http"
	"regexp"

	"github.com/go-chi/chi/v5"
)

// validID is the platform id format of every path id.
var validID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

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
			if !validID.MatchString(rc.URLParams.Values[i]) {
				v.add(key, "must be 1-128 characters of A-Z a-z 0-9 . _ : -")
			}
		}
		if err := v.orNil(); err != nil {
			h.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}
