package api

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"doorsync/store"
)

// OrgDeleter starts the durable deletion of an org already marked as being
// deleted (the OrgDeleteWorkflow); starting it again while it runs is a
// no-op.
type OrgDeleter interface {
	DeleteOrg(ctx context.Context, orgID string) error
}

// orgView is an org as the API answers it: its settings, and since when
// it is being deleted, if it is.
type orgView struct {
	orgBody
	DeletingSince *time.Time `json:"deleting_since,omitempty"`
}

// listOrgs answers every org, by id, a page at a time (?limit=, ?cursor=).
func (h *handlers) listOrgs(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageQuery(r)
	if err != nil {
		return err
	}
	orgs, err := h.store.ListOrgs(r.Context(), after, limit+1)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(orgs, limit, func(o store.Org) string { return o.ID }, orgResponse))
	return nil
}

// deleteOrg accepts an org's deletion (202): it marks the org as being
// deleted, which refuses its writes from then on, and starts the workflow
// that revokes, stops and removes. Unless ?force=true, a deletion whose
// revocations the org's mass-removal guard would hold is refused (409)
// and changes nothing. Repeating the request for an org being deleted
// answers 202 again (and starts the workflow if it is not running).
func (h *handlers) deleteOrg(w http.ResponseWriter, r *http.Request) error {
	force, err := boolQuery(r, "force")
	if err != nil {
		return err
	}
	if h.orgDeleter == nil {
		return httpError(http.StatusServiceUnavailable, "org deletion is not available in this process")
	}
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	org, err := h.store.BeginOrgDeletion(ctx, orgID, force)
	if err != nil {
		return err
	}
	if err := h.orgDeleter.DeleteOrg(ctx, orgID); err != nil {
		h.log.ErrorContext(ctx, "org deletion did not start", "org", orgID, "err", err)
		return httpError(http.StatusServiceUnavailable, "the org is marked for deletion but its deletion could not be started; repeat the request")
	}
	writeJSON(w, http.StatusAccepted, orgResponse(org))
	return nil
}

// boolQuery reads an optional "true"/"false" query parameter.
func boolQuery(r *http.Request, name string) (bool, error) {
	switch r.URL.Query().Get(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	v := &validationError{}
	v.add(name, `must be "true" or "false"`)
	return false, v
}

// refuseWhileDeleting answers 409 to any write to an org being deleted, so
// nothing grants through it again; reads go on until its data is gone.
func (h *handlers) refuseWhileDeleting(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		org, err := h.store.GetOrg(r.Context(), chi.URLParam(r, "org"))
		if err == nil && org.DeletingSince != nil {
			h.writeError(w, r, store.ErrOrgDeleting)
			return
		}
		next.ServeHTTP(w, r)
	})
}
