package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"doorsync/store"
)

type apiKeyBody struct {
	Name string `json:"name"`
}

type apiKeyCreated struct {
	ID  string `json:"id"`
	Key string `json:"key"`
}

// createAPIKey mints a key for an existing org and shows it once.
func (h *handlers) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	var body apiKeyBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if body.Name == "" {
		v := &validationError{}
		v.add("name", "is required")
		return v
	}
	org, err := h.store.GetOrg(r.Context(), chi.URLParam(r, "org"))
	if err != nil {
		return err
	}
	id, key := newAPIKey()
	sum := hashKey(key)
	if err := h.store.CreateAPIKey(r.Context(), store.APIKey{ID: id, OrgID: org.ID, Name: body.Name, KeyHash: sum[:]}); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, apiKeyCreated{ID: id, Key: key})
	return nil
}

func (h *handlers) deleteAPIKey(w http.ResponseWriter, r *http.Request) error {
	if err := h.store.DeleteAPIKey(r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
