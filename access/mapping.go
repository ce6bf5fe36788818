package access

import (
	"cmp"
	"slices"
)

// AllLocations is the day-pass mapping key that applies at every location.
const AllLocations = "*"

// GroupRef names a Salto KS access group on a site.
type GroupRef struct {
	SiteID  string `json:"site_id"`
	GroupID string `json:"group_id"`
}

// CompareGroups orders groups by site id, then group id.
func CompareGroups(a, b GroupRef) int {
	if c := cmp.Compare(a.SiteID, b.SiteID); c != 0 {
		return c
	}
	return cmp.Compare(a.GroupID, b.GroupID)
}

// Mappings map platform things to access groups. Plans, Locations, Floors
// and Resources are keyed by the entity id; DayPasses by location id or
// AllLocations.
type Mappings struct {
	Plans     map[string][]GroupRef `json:"plans,omitempty"`
	Locations map[string][]GroupRef `json:"locations,omitempty"`
	Floors    map[string][]GroupRef `json:"floors,omitempty"`
	Resources map[string][]GroupRef `json:"resources,omitempty"`
	DayPasses map[string][]GroupRef `json:"day_passes,omitempty"`
}

// NewMappings returns mappings with every map allocated.
func NewMappings() Mappings {
	return Mappings{
		Plans:     map[string][]GroupRef{},
		Locations: map[string][]GroupRef{},
		Floors:    map[string][]GroupRef{},
		Resources: map[string][]GroupRef{},
		DayPasses: map[string][]GroupRef{},
	}
}

// ManagedGroups returns every group any mapping names, sorted and without
// duplicates: the groups doorsync manages.
func (m Mappings) ManagedGroups() []GroupRef {
	var all []GroupRef
	for _, kind := range []map[string][]GroupRef{m.Plans, m.Locations, m.Floors, m.Resources, m.DayPasses} {
		for _, groups := range kind {
			all = append(all, groups...)
		}
	}
	return SortGroups(all)
}

// SortGroups sorts groups in place by CompareGroups and drops duplicates,
// returning the shortened slice.
func SortGroups(groups []GroupRef) []GroupRef {
	slices.SortFunc(groups, CompareGroups)
	return slices.Compact(groups)
}

// normalizedGroups returns groups sorted and without duplicates. It returns
// groups itself when it already is, so well-kept mappings cost nothing.
func normalizedGroups(groups []GroupRef) []GroupRef {
	for i := 1; i < len(groups); i++ {
		if CompareGroups(groups[i-1], groups[i]) >= 0 {
			return SortGroups(slices.Clone(groups))
		}
	}
	return groups
}
