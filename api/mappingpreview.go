package api

import (
	"net/http"
	"slices"
	"strings"

	"doorsync/access"
	"doorsync/internal/snapshot"
	"doorsync/store"
)

// previewGroup is what a mapping change would do to one group now.
type previewGroup struct {
	SiteID    string              `json:"site_id"`
	GroupID   string              `json:"group_id"`
	SiteName  string              `json:"site_name,omitempty"`
	GroupName string              `json:"group_name,omitempty"`
	Add       []previewPersonView `json:"add"`
	Remove    []previewPersonView `json:"remove"`
}

// previewPersonView names a person as explain does, with their name where
// the platform gave it.
type previewPersonView struct {
	personView
	Name string `json:"name,omitempty"`
}

type mappingPreview struct {
	Groups []previewGroup `json:"groups"`
}

// previewMapping answers whom replacing the mapping m would add to and
// remove from each group now: the engine's desired state of the whole org
// before and after, compared. It checks the groups as the write does (one
// another org maps: 409) and changes nothing: no write, no poke.
func (h *handlers) previewMapping(w http.ResponseWriter, r *http.Request, orgID string, m store.Mapping) error {
	ctx := r.Context()
	if err := h.store.CheckGroupsFree(ctx, orgID, m.Groups); err != nil {
		return err
	}
	s, err := snapshot.Loader{Store: h.store}.Org(ctx, orgID)
	if err != nil {
		return err
	}
	now := h.now()
	before := access.ActiveAt(access.Grants(s), now)
	replaceMapping(&s, m)
	after := access.ActiveAt(access.Grants(s), now)
	groups := desiredChanges(before, after)
	sites := make([]string, 0, len(groups))
	for _, g := range groups {
		sites = append(sites, g.SiteID)
	}
	names, err := h.store.SaltoNames(ctx, orgID, sites)
	if err != nil {
		return err
	}
	out := mappingPreview{Groups: make([]previewGroup, 0, len(groups))}
	for _, g := range groups {
		out.Groups = append(out.Groups, previewGroup{SiteID: g.SiteID, GroupID: g.GroupID,
			SiteName: names[store.GroupRef{SiteID: g.SiteID}], GroupName: names[store.GroupRef(g.GroupRef)],
			Add: previewPersons(s, g.add), Remove: previewPersons(s, g.remove)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// replaceMapping puts m's groups in the snapshot's mappings in place of
// what it held under m's kind and id (none: the mapping goes).
func replaceMapping(s *access.Snapshot, m store.Mapping) {
	target := map[string]map[string][]access.GroupRef{
		"plans": s.Mappings.Plans, "locations": s.Mappings.Locations, "floors": s.Mappings.Floors,
		"resources": s.Mappings.Resources, "day-passes": s.Mappings.DayPasses,
	}[m.Kind]
	if len(m.Groups) == 0 {
		delete(target, m.RefID)
		return
	}
	groups := make([]access.GroupRef, len(m.Groups))
	for i, g := range m.Groups {
		groups[i] = access.GroupRef(g)
	}
	target[m.RefID] = groups
}

// groupChange is whom one group gains and loses.
type groupChange struct {
	access.GroupRef
	add, remove []access.PersonRef
}

// desiredChanges compares two desired states group by group: the groups
// anyone enters or leaves, ordered by site and group, their persons by
// ComparePersons.
func desiredChanges(before, after access.Desired) []groupChange {
	byGroup := map[access.GroupRef]*groupChange{}
	change := func(g access.GroupRef) *groupChange {
		if byGroup[g] == nil {
			byGroup[g] = &groupChange{GroupRef: g}
		}
		return byGroup[g]
	}
	for p, groups := range after {
		for _, g := range groups {
			if !slices.Contains(before[p], g) {
				change(g).add = append(change(g).add, p)
			}
		}
	}
	for p, groups := range before {
		for _, g := range groups {
			if !slices.Contains(after[p], g) {
				change(g).remove = append(change(g).remove, p)
			}
		}
	}
	out := make([]groupChange, 0, len(byGroup))
	for _, c := range byGroup {
		slices.SortFunc(c.add, access.ComparePersons)
		slices.SortFunc(c.remove, access.ComparePersons)
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b groupChange) int { return access.CompareGroups(a.GroupRef, b.GroupRef) })
	return out
}

// previewPersons names persons from the snapshot: a member by their
// e-mail and name, a guest by the e-mail that is their id (and a name a
// booking gave them).
func previewPersons(s access.Snapshot, persons []access.PersonRef) []previewPersonView {
	out := make([]previewPersonView, 0, len(persons))
	var guests map[string]access.Contact
	for _, p := range persons {
		v := previewPersonView{personView: personView{Kind: p.Kind, ID: p.ID}}
		if p.Kind == access.PersonMember {
			m := s.Members[p.ID]
			v.Email, v.Name = m.Email, fullName(m.FirstName, m.LastName)
		} else {
			if guests == nil {
				guests = contactsOf(s)
			}
			c := guests[p.ID]
			v.Email, v.Name = p.ID, fullName(c.FirstName, c.LastName)
		}
		out = append(out, v)
	}
	return out
}

// contactsOf are the bookers and guests the snapshot's bookings name, by
// normalized e-mail.
func contactsOf(s access.Snapshot) map[string]access.Contact {
	out := map[string]access.Contact{}
	for _, b := range s.Bookings {
		cs := b.Guests
		if b.Booker != nil {
			cs = append(slices.Clip(cs), *b.Booker)
		}
		for _, c := range cs {
			if e := access.NormalizeEmail(c.Email); out[e].FirstName == "" && out[e].LastName == "" {
				out[e] = c
			}
		}
	}
	return out
}

func fullName(first, last string) string { return strings.TrimSpace(first + " " + last) }
