package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/internal/entity"
	"doorsync/store"
)

// mappingKinds are the {kind} of a mapping path.
var mappingKinds = map[string]bool{"plans": true, "locations": true, "floors": true, "resources": true, "day-passes": true}

type mappingBody struct {
	AccessGroups []store.GroupRef `json:"access_groups"`
}

type mappingView struct {
	Kind         string           `json:"kind"`
	ID           string           `json:"id"`
	AccessGroups []store.GroupRef `json:"access_groups"`
	// Problems (listing only) are those the latest reconciliation run
	// recorded on the mapping's groups.
	Problems []contract.GroupProblem `json:"problems,omitempty"`
}

// mappingPath reads {kind} and {ref} (the mapping's id: an entity id, or
// "*" for the day passes of every location). The route names it ref so
// that validatePathIDs leaves "*" to this check.
func mappingPath(r *http.Request) (kind, ref string, err error) {
	kind, ref = chi.URLParam(r, "kind"), chi.URLParam(r, "ref")
	v := &validationError{}
	if !mappingKinds[kind] {
		v.add("kind", "must be plans, locations, floors, resources or day-passes")
	}
	switch {
	case ref == access.AllLocations && kind != "day-passes":
		v.add("id", `"*" is allowed only for day-passes`)
	case ref != access.AllLocations && !entity.ValidID.MatchString(ref):
		v.add("id", entity.IDRule)
	}
	return kind, ref, v.orNil()
}

// putMapping replaces the groups a plan, location, floor, resource or
// day-pass location grants. A location-bound mapping's groups must be on
// that location's site; a location not known yet accepts any (the engine
// grants only those on its site once it arrives). With ?dry_run=true it
// changes nothing and answers whom the change would add and remove.
func (h *handlers) putMapping(w http.ResponseWriter, r *http.Request) error {
	dryRun, err := queryBool(r, "dry_run")
	if err != nil {
		ve := &validationError{}
		ve.add("dry_run", "must be true or false")
		return ve
	}
	orgID, m, err := h.mappingRequest(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if dryRun {
		return h.previewMapping(w, r, orgID, m)
	}
	created, ids, err := h.write.Mapping(ctx, orgID, m)
	if err != nil {
		return err
	}
	h.flush(ctx, ids)
	writeJSON(w, createdOrOK(created && len(m.Groups) > 0), mappingView{Kind: m.Kind, ID: m.RefID, AccessGroups: m.Groups})
	return nil
}

// mappingRequest reads and validates a PUT of a mapping, as the write and
// its dry run both take it.
func (h *handlers) mappingRequest(w http.ResponseWriter, r *http.Request) (string, store.Mapping, error) {
	kind, ref, err := mappingPath(r)
	if err != nil {
		return "", store.Mapping{}, err
	}
	var body mappingBody
	if err := decodeJSON(w, r, &body); err != nil {
		return "", store.Mapping{}, err
	}
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	if _, err := h.store.GetOrg(ctx, orgID); err != nil {
		return "", store.Mapping{}, err
	}
	site, err := h.mappingSite(ctx, orgID, kind, ref)
	if err != nil {
		return "", store.Mapping{}, err
	}
	groups, err := checkGroups(body.AccessGroups, site)
	if err != nil {
		return "", store.Mapping{}, err
	}
	return orgID, store.Mapping{Kind: kind, RefID: ref, Groups: groups}, nil
}

// checkGroups validates a mapping's groups (site is the site they must be
// on, "" for any) and drops repeats.
func checkGroups(groups []store.GroupRef, site string) ([]store.GroupRef, error) {
	v := &validationError{}
	if groups == nil {
		v.add("access_groups", "is required (an empty list removes every group)")
	}
	out := []store.GroupRef{}
	seen := map[store.GroupRef]bool{}
	for i, g := range groups {
		field := fmt.Sprintf("access_groups[%d]", i)
		switch {
		case strings.TrimSpace(g.SiteID) == "":
			v.add(field+".site_id", "is required")
		case site != "" && g.SiteID != site:
			v.add(field+".site_id", "must be the location's Salto KS site "+site)
		}
		if strings.TrimSpace(g.GroupID) == "" {
			v.add(field+".group_id", "is required")
		}
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	sortFieldErrors(v)
	return out, v.orNil()
}

// mappingSite is the Salto KS site a mapping's groups must be on: its
// location's (through the floor or resource), or "" when the mapping is
// not bound to a location or the location is not known yet.
func (h *handlers) mappingSite(ctx context.Context, orgID, kind, ref string) (string, error) {
	locationID := ""
	switch kind {
	case "locations":
		locationID = ref
	case "day-passes":
		if ref != access.AllLocations {
			locationID = ref
		}
	case "floors":
		f, err := loadStored[access.Floor](ctx, h.store, orgID, access.KindFloor, ref)
		if err != nil {
			return "", err
		}
		locationID = f.LocationID
	case "resources":
		res, err := loadStored[access.Resource](ctx, h.store, orgID, access.KindResource, ref)
		if err != nil {
			return "", err
		}
		locationID = res.LocationID
	}
	if locationID == "" {
		return "", nil
	}
	loc, err := loadStored[access.Location](ctx, h.store, orgID, access.KindLocation, locationID)
	return loc.SaltoSiteID, err
}

// loadStored decodes a stored entity; an unknown one is the zero value.
func loadStored[T any](ctx context.Context, st *store.Store, orgID string, kind access.Kind, id string) (T, error) {
	var v T
	e, err := st.GetEntity(ctx, orgID, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal(e.Body, &v)
}

// deleteMapping removes a mapping, revoking what it granted.
func (h *handlers) deleteMapping(w http.ResponseWriter, r *http.Request) error {
	kind, ref, err := mappingPath(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	ids, err := h.write.DeleteMapping(ctx, chi.URLParam(r, "org"), kind, ref)
	if err != nil {
		return err
	}
	h.flush(ctx, ids)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listMappings answers the org's mappings, ordered by kind and id, a page
// at a time.
func (h *handlers) listMappings(w http.ResponseWriter, r *http.Request) error {
	v := &validationError{}
	q := r.URL.Query()
	limit, after := pageLimit(v, q), pageCursor(v, q)
	if after != "" && !strings.Contains(after, "\n") {
		v.add("cursor", "is not a cursor this API gave out")
	}
	if err := v.orNil(); err != nil {
		return err
	}
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	if _, err := h.store.GetOrg(ctx, orgID); err != nil {
		return err
	}
	all, err := h.store.Mappings(ctx, orgID)
	if err != nil {
		return err
	}
	problems, err := h.store.GroupProblems(ctx, orgID)
	if err != nil {
		return err
	}
	// byte order, whatever the database's collation, so cursors compare
	slices.SortFunc(all, func(a, b store.Mapping) int { return strings.Compare(mappingPos(a), mappingPos(b)) })
	page := listPage[mappingView]{Data: []mappingView{}}
	for _, m := range all {
		pos := mappingPos(m)
		if after != "" && pos <= after {
			continue
		}
		if len(page.Data) == limit {
			last := page.Data[limit-1]
			page.NextCursor = encodeCursor(mappingPos(store.Mapping{Kind: last.Kind, RefID: last.ID}))
			break
		}
		page.Data = append(page.Data, mappingView{Kind: m.Kind, ID: m.RefID, AccessGroups: m.Groups,
			Problems: problemsOf(m.Groups, problems)})
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// mappingPos is a mapping's place in the list, as its cursor holds it.
func mappingPos(m store.Mapping) string { return m.Kind + "\n" + m.RefID }

// problemsOf are the problems recorded on groups, in their order.
func problemsOf(groups []store.GroupRef, problems map[store.GroupRef]string) []contract.GroupProblem {
	var out []contract.GroupProblem
	for _, g := range groups {
		if p := problems[g]; p != "" {
			out = append(out, contract.GroupProblem{SiteID: g.SiteID, GroupID: g.GroupID, Problem: p})
		}
	}
	return out
}
