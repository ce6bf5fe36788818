package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"doorsync/internal/entity"
	"doorsync/store"
)

type dayPassUseBody struct {
	UseID string `json:"use_id"`
	Date  string `json:"date"`
}

type dayPassUseResult struct {
	Remaining int `json:"remaining"`
}

// useDayPass records one pass used: idempotent by use_id, 409 when none
// remain (nothing is recorded then), 404 for an unknown bundle.
func (h *handlers) useDayPass(w http.ResponseWriter, r *http.Request) error {
	var body dayPassUseBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	v := &validationError{}
	switch {
	case body.UseID == "":
		v.add("use_id", "is required")
	case len(body.UseID) > 128:
		v.add("use_id", "must be at most 128 characters")
	}
	date := entity.ParseDateOrTime(&v.Invalid, "date", body.Date, true)
	if err := v.orNil(); err != nil {
		return err
	}
	ctx := r.Context()
	remaining, ids, err := h.write.UseDayPass(ctx, chi.URLParam(r, "org"),
		store.DayPassUse{DayPassID: chi.URLParam(r, "id"), UseID: body.UseID, UsedOn: date.String()})
	if err != nil {
		return err
	}
	h.flush(ctx, ids)
	writeJSON(w, http.StatusOK, dayPassUseResult{Remaining: remaining})
	return nil
}
