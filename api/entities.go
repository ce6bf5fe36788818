package api

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"doorsync/internal/entity"
	"doorsync/store"
)

// saveEntity validates body as entity id of kind k and upserts it: the one
// write path of PUT and of the import. The caller flushes the outbox ids,
// or releases them when it held them (holdPokes, see importPokeHold).
func (h *handlers) saveEntity(ctx context.Context, orgID string, k *entity.Kind, id string, body entity.Body, holdPokes time.Duration) (store.WriteResult, error) {
	w, err := entity.Validate(orgID, k, id, body)
	if err != nil {
		return store.WriteResult{}, err
	}
	w.HoldPokes = holdPokes
	return h.write.Entity(ctx, w)
}

// putEntity creates (201) or replaces (200) an entity of kind k.
func (h *handlers) putEntity(k *entity.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		body := k.NewBody()
		if err := decodeJSON(w, r, body); err != nil {
			return err
		}
		ctx, orgID := r.Context(), chi.URLParam(r, "org")
		if _, err := h.store.GetOrg(ctx, orgID); err != nil {
			return err
		}
		res, err := h.saveEntity(ctx, orgID, k, chi.URLParam(r, "id"), body, 0)
		if err != nil {
			return err
		}
		h.flush(ctx, res.OutboxIDs)
		return h.answerEntity(w, r, createdOrOK(res.Created), res.Entity)
	}
}

// getEntity answers the stored entity of kind k.
func (h *handlers) getEntity(k *entity.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		e, err := h.store.GetEntity(r.Context(), chi.URLParam(r, "org"), k.Kind, chi.URLParam(r, "id"))
		if err != nil {
			return err
		}
		return h.answerEntity(w, r, http.StatusOK, e)
	}
}

// patchEntity sets the operator-owned fields of an entity of kind k (a
// location's Salto KS site, a resource's buffers), which a platform's sync
// never overwrites, and answers the stored entity as GET does.
func (h *handlers) patchEntity(k *entity.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var patch any // JSON at all here; entity.Patch checks its fields
		raw, err := readJSON(w, r, &patch)
		if err != nil {
			return err
		}
		ctx := r.Context()
		res, err := h.write.PatchOwned(ctx, chi.URLParam(r, "org"), k.Kind, chi.URLParam(r, "id"), raw)
		if err != nil {
			return err
		}
		h.flush(ctx, res.OutboxIDs)
		return h.answerEntity(w, r, http.StatusOK, res.Entity)
	}
}

// answerEntity answers e in its API shape.
func (h *handlers) answerEntity(w http.ResponseWriter, r *http.Request, status int, e store.Entity) error {
	view, err := entity.View(r.Context(), h.store, e)
	if err != nil {
		return err
	}
	writeJSON(w, status, view)
	return nil
}

// deleteEntity removes an entity of kind k; whatever access it granted
// ends now: the persons a membership, booking or day pass gave access to
// are poked along with everything that depended on it.
func (h *handlers) deleteEntity(k *entity.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx, orgID, id := r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id")
		ids, err := h.write.Delete(ctx, orgID, k.Kind, id)
		if err != nil {
			return err
		}
		h.flush(ctx, ids)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
