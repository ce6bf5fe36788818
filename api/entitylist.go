package api

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"doorsync/internal/entity"
	"doorsync/store"
)

// maxQuery bounds ?query=, a search typed by a person.
const maxQuery = 200

// listEntities answers the org's entities of kind k by id, a page at a
// time, each as GET of one answers it; ?query= keeps those whose id, name
// or e-mails contain it, case-insensitively.
func (h *handlers) listEntities(k *entity.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := entityQuery(r, k)
		if err != nil {
			return err
		}
		ctx, orgID := r.Context(), chi.URLParam(r, "org")
		if _, err := h.store.GetOrg(ctx, orgID); err != nil {
			return err
		}
		limit := q.Limit
		q.Limit++ // one more says whether there is a next page
		es, err := h.store.ListEntities(ctx, orgID, q)
		if err != nil {
			return err
		}
		page := pageOf(es, limit, func(e store.Entity) string { return e.ID }, func(e store.Entity) store.Entity { return e })
		views, err := entity.Views(ctx, h.store, orgID, page.Data)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, listPage[entity.Body]{Data: views, NextCursor: page.NextCursor})
		return nil
	}
}

// entityQuery reads a list's ?limit=, ?cursor= and ?query= (trimmed: a
// search box's stray space finds the same).
func entityQuery(r *http.Request, k *entity.Kind) (store.EntityQuery, error) {
	q := r.URL.Query()
	v := &validationError{}
	eq := store.EntityQuery{Kind: k.Kind, Limit: pageLimit(v, q), After: pageCursor(v, q), Search: strings.TrimSpace(q.Get("query"))}
	// Postgres text holds no NUL: refused here rather than failing there.
	if !utf8.ValidString(eq.Search) || utf8.RuneCountInString(eq.Search) > maxQuery || strings.ContainsRune(eq.Search, 0) {
		v.add("query", "must be text of at most 200 characters")
	}
	sortFieldErrors(v)
	return eq, v.orNil()
}
