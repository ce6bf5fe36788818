package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"doorsync/access"
	"doorsync/store"
)

// entityBody is one kind's body as PUT takes it and GET answers it.
type entityBody interface {
	meta() *entityMeta
	// canonical validates the body, naming every bad field in v, and
	// returns the engine's value of entity id and the lower-cased e-mails
	// it names (for finding a guest's bookings).
	canonical(id string, v *validationError) (value any, emails []string)
}

// entityMeta is what every entity carries besides its own fields. On
// input, id (if sent) must match the path and unresolved is ignored, so
// what GET answers can be PUT back.
type entityMeta struct {
	ID         string          `json:"id"`
	Version    *int64          `json:"version,omitempty"`
	Unresolved []unresolvedRef `json:"unresolved"`
}

func (m *entityMeta) meta() *entityMeta { return m }

// unresolvedRef is a reference, through field, to an entity doorsync does
// not hold (yet); it grants nothing until that entity arrives.
type unresolvedRef struct {
	Field string      `json:"field"`
	Kind  access.Kind `json:"kind"`
	ID    string      `json:"id"`
}

// ref is a reference a body makes; an empty id is no reference.
func ref(field string, kind access.Kind, id string) unresolvedRef {
	return unresolvedRef{Field: field, Kind: kind, ID: id}
}

// entityKind is one kind of space entity: its store kind, its path
// segment, its body and how a stored body reads back.
type entityKind struct {
	kind    access.Kind // as store and engine name it
	path    string      // path segment: "day-passes"
	newBody func() entityBody
	// view turns a stored canonical body into the API shape, with the
	// references it makes in field order.
	view func(stored []byte) (entityBody, []unresolvedRef, error)
}

// newKind builds an entityKind whose stored body is an A and whose API
// body is a B.
func newKind[A any, B any, PB interface {
	*B
	entityBody
}](kind access.Kind, path string, view func(A) (PB, []unresolvedRef)) *entityKind {
	return &entityKind{
		kind: kind, path: path,
		newBody: func() entityBody { return PB(new(B)) },
		view: func(stored []byte) (entityBody, []unresolvedRef, error) {
			var a A
			if err := json.Unmarshal(stored, &a); err != nil {
				return nil, nil, fmt.Errorf("api: stored %s: %w", kind, err)
			}
			b, refs := view(a)
			return b, refs, nil
		},
	}
}

// entityKinds are every kind of space entity, in the order of API.md.
var entityKinds = []*entityKind{
	newKind(access.KindLocation, "locations", locationView),
	newKind(access.KindFloor, "floors", floorView),
	newKind(access.KindResource, "resources", resourceView),
	newKind(access.KindPlan, "plans", planView),
	newKind(access.KindTeam, "teams", teamView),
	newKind(access.KindMember, "members", memberView),
	newKind(access.KindMembership, "memberships", membershipView),
	newKind(access.KindBooking, "bookings", bookingView),
	newKind(access.KindDayPass, "day-passes", dayPassView),
}

// saveEntity validates body as entity id of kind k and upserts it: the one
// write path of PUT and of the import. The caller flushes the outbox ids.
func (h *handlers) saveEntity(ctx context.Context, orgID string, k *entityKind, id string, body entityBody) (store.WriteResult, error) {
	v := &validationError{}
	m := body.meta()
	if m.ID != "" && m.ID != id {
		v.add("id", "must match the id in the path")
	}
	value, emails := body.canonical(id, v)
	sortFieldErrors(v)
	if err := v.orNil(); err != nil {
		return store.WriteResult{}, err
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return store.WriteResult{}, fmt.Errorf("api: encode %s %s: %w", k.kind, id, err)
	}
	return h.write.Entity(ctx, store.EntityWrite{OrgID: orgID, Kind: k.kind, ID: id, Body: raw, Version: m.Version, Emails: emails})
}

// entityView is a stored entity in its API shape, with its unresolved
// references.
func (h *handlers) entityView(ctx context.Context, k *entityKind, e store.Entity) (entityBody, error) {
	b, refs, err := k.view(e.Body)
	if err != nil {
		return nil, err
	}
	m := b.meta()
	m.ID, m.Version = e.ID, e.Version
	m.Unresolved, err = h.unresolved(ctx, e.OrgID, refs)
	return b, err
}

// unresolved returns the references whose entities org does not hold.
func (h *handlers) unresolved(ctx context.Context, orgID string, refs []unresolvedRef) ([]unresolvedRef, error) {
	out := []unresolvedRef{}
	var want []store.EntityRef
	for _, r := range refs {
		if r.ID != "" {
			want = append(want, store.EntityRef{Kind: r.Kind, ID: r.ID})
		}
	}
	missing, err := h.store.MissingEntities(ctx, orgID, want)
	if err != nil {
		return nil, err
	}
	gone := make(map[store.EntityRef]bool, len(missing))
	for _, m := range missing {
		gone[m] = true
	}
	for _, r := range refs {
		if gone[store.EntityRef{Kind: r.Kind, ID: r.ID}] {
			out = append(out, r)
		}
	}
	return out, nil
}

// putEntity creates (201) or replaces (200) an entity of kind k.
func (h *handlers) putEntity(k *entityKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		body := k.newBody()
		if err := decodeJSON(w, r, body); err != nil {
			return err
		}
		ctx, orgID := r.Context(), chi.URLParam(r, "org")
		if _, err := h.store.GetOrg(ctx, orgID); err != nil {
			return err
		}
		res, err := h.saveEntity(ctx, orgID, k, chi.URLParam(r, "id"), body)
		if err != nil {
			return err
		}
		h.flush(ctx, res.OutboxIDs)
		view, err := h.entityView(ctx, k, res.Entity)
		if err != nil {
			return err
		}
		writeJSON(w, createdOrOK(res.Created), view)
		return nil
	}
}

// getEntity answers the stored entity of kind k.
func (h *handlers) getEntity(k *entityKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		e, err := h.store.GetEntity(r.Context(), chi.URLParam(r, "org"), k.kind, chi.URLParam(r, "id"))
		if err != nil {
			return err
		}
		view, err := h.entityView(r.Context(), k, e)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, view)
		return nil
	}
}

// deleteEntity removes an entity of kind k; whatever access it granted
// ends now: the persons a membership, booking or day pass gave access to
// are poked along with everything that depended on it.
func (h *handlers) deleteEntity(k *entityKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx, orgID, id := r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id")
		ids, err := h.write.Delete(ctx, orgID, k.kind, id)
		if err != nil {
			return err
		}
		h.flush(ctx, ids)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
