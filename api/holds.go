package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"doorsync/contract"
	"doorsync/internal/entity"
	"doorsync/store"
)

// holdView is a hold awaiting a decision (pending or expired) as GET
// …/holds answers it; an expired one says when and its problem.
type holdView struct {
	ID        string              `json:"id"`
	RunID     string              `json:"run_id"`
	SiteID    string              `json:"site_id"`
	GroupID   string              `json:"group_id"`
	Status    string              `json:"status"`
	HeldAt    time.Time           `json:"held_at"`
	ExpiredAt *time.Time          `json:"expired_at,omitempty"`
	Problem   string              `json:"problem,omitempty"`
	Members   int                 `json:"members"`
	Remove    []store.HeldRemoval `json:"remove"`
	Report    heldReport          `json:"plan"`
}

// heldReport is a hold in the shape of a run report's group
// (activities.GroupReport).
type heldReport struct {
	SiteID  string              `json:"site_id"`
	GroupID string              `json:"group_id"`
	Members int                 `json:"members"`
	Add     []store.HeldRemoval `json:"add"` // always empty: the guard holds removals only
	Remove  []store.HeldRemoval `json:"remove"`
	Held    bool                `json:"held"`
	HoldID  string              `json:"hold_id"`
}

// listHolds answers the org's holds awaiting a decision (pending or
// expired), oldest first, a page at a time (?limit=, ?cursor=).
func (h *handlers) listHolds(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := &validationError{}
	limit, cursor := pageLimit(v, q), pageCursor(v, q)
	after, afterID, ok := parseHoldCursor(cursor)
	if cursor != "" && !ok {
		v.add("cursor", "is not a cursor this API gave out")
	}
	sortFieldErrors(v)
	if err := v.orNil(); err != nil {
		return err
	}
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	if _, err := h.store.GetOrg(ctx, orgID); err != nil {
		return err
	}
	holds, err := h.store.OpenHolds(ctx, orgID)
	if err != nil {
		return err
	}
	// Ordered here too, by bytes, so the cursor compares as the pages run.
	slices.SortStableFunc(holds, compareHolds)
	if cursor != "" {
		i := slices.IndexFunc(holds, func(hd store.Hold) bool {
			return compareHolds(hd, store.Hold{CreatedAt: after, ID: afterID}) > 0
		})
		if i < 0 {
			i = len(holds)
		}
		holds = holds[i:]
	}
	writeJSON(w, http.StatusOK, pageOf(holds, limit,
		func(hd store.Hold) string { return hd.CreatedAt.Format(time.RFC3339Nano) + " " + hd.ID }, newHoldView))
	return nil
}

// compareHolds orders holds oldest first, then by id.
func compareHolds(a, b store.Hold) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// parseHoldCursor reads a holds cursor: the held_at and id of the last hold
// of the previous page.
func parseHoldCursor(c string) (time.Time, string, bool) {
	if c == "" {
		return time.Time{}, "", false
	}
	at, id, ok := strings.Cut(c, " ")
	t, err := time.Parse(time.RFC3339Nano, at)
	return t, id, ok && err == nil && entity.ValidID.MatchString(id)
}

func newHoldView(hd store.Hold) holdView {
	remove := hd.Remove
	if remove == nil {
		remove = []store.HeldRemoval{}
	}
	return holdView{ID: hd.ID, RunID: hd.RunID, SiteID: hd.SiteID, GroupID: hd.GroupID, Status: hd.Status,
		HeldAt: hd.CreatedAt, ExpiredAt: hd.ExpiredAt, Problem: hd.Problem(), Members: hd.Members, Remove: remove,
		Report: heldReport{SiteID: hd.SiteID, GroupID: hd.GroupID, Members: hd.Members, Add: []store.HeldRemoval{},
			Remove: remove, Held: true, HoldID: hd.ID}}
}

// approveHold approves a pending (or expired) hold and starts the workflow that applies
// it (202). Should that start fail, the approval stands and the next
// reconciliation run makes the removals it lets through.
func (h *handlers) approveHold(w http.ResponseWriter, r *http.Request) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	if h.reconciler == nil {
		return errNoReconciler
	}
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	hd, err := h.decideHold(ctx, orgID, chi.URLParam(r, "id"), store.HoldApproved)
	if err != nil {
		return err
	}
	in := contract.ReconcileInput{OrgID: orgID, HoldID: hd.ID, Trigger: "approval"}
	if _, err := h.reconciler.Reconcile(context.WithoutCancel(ctx), in, false); err != nil {
		h.log.ErrorContext(ctx, "applying an approved hold did not start; the next reconciliation applies it",
			"org", orgID, "hold_id", hd.ID, "err", err)
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"hold_id": hd.ID, "status": store.HoldApproved})
	return nil
}

// rejectHold rejects a pending (or expired) hold: none of its removals are made (204).
func (h *handlers) rejectHold(w http.ResponseWriter, r *http.Request) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	if _, err := h.decideHold(r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id"), store.HoldRejected); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// decideHold approves or rejects a pending or expired hold, auditing it under the
// request's principal (its key's name, or "admin"); one already decided is
// a 409 naming its status, an unknown one 404.
func (h *handlers) decideHold(ctx context.Context, orgID, id, status string) (store.Hold, error) {
	p := principalFrom(ctx)
	hd, err := h.store.DecideHold(ctx, orgID, id, store.HoldDecision{Status: status, Actor: p.actor(), KeyID: p.keyID})
	if errors.Is(err, store.ErrConflict) {
		if cur, gerr := h.store.GetHold(ctx, orgID, id); gerr == nil {
			return hd, httpError(http.StatusConflict, "the hold is already decided: it is "+cur.Status)
		}
		return hd, httpError(http.StatusConflict, "the hold is already decided")
	}
	return hd, err
}

// noBody accepts an empty body (with any or no Content-Type) or an empty
// JSON object; anything else is refused as decodeJSON would.
func noBody(w http.ResponseWriter, r *http.Request) error {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := requireContentType(r, "application/json"); err != nil {
		return err
	}
	return decodeStrict(bytes.NewReader(b), &struct{}{})
}
