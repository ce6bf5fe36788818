package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"doorsync/store"
)

type apiKeyBody struct {
	Name string `json:"name"`
	// Role is "platform" or "operator" (the default).
	Role string `json:"role"`
}

type apiKeyCreated struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	Role string `json:"role"`
}

// createAPIKey mints a key for an existing org and shows it once.
func (h *handlers) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	var body apiKeyBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if body.Role == "" {
		body.Role = store.KeyRoleOperator
	}
	if err := validateAPIKey(body); err != nil {
		return err
	}
	org, err := h.store.GetOrg(r.Context(), chi.URLParam(r, "org"))
	if err != nil {
		return err
	}
	id, key := newAPIKey()
	sum := hashKey(key)
	if err := h.store.CreateAPIKey(r.Context(), store.APIKey{ID: id, OrgID: org.ID, Name: body.Name, KeyHash: sum[:], Role: body.Role}); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, apiKeyCreated{ID: id, Key: key, Role: body.Role})
	return nil
}

// validateAPIKey checks a new key's name and role.
func validateAPIKey(body apiKeyBody) error {
	v := &validationError{}
	if body.Name == "" {
		v.add("name", "is required")
	}
	if _, ok := keyRoles[body.Role]; !ok {
		v.add("role", `must be "platform" or "operator"`)
	}
	return v.orNil()
}

func (h *handlers) deleteAPIKey(w http.ResponseWriter, r *http.Request) error {
	if err := h.store.DeleteAPIKey(r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
