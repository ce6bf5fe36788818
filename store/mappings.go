package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// GroupRef names a Salto KS access group on a site.
type GroupRef struct {
	SiteID  string `json:"site_id"`
	GroupID string `json:"group_id"`
}

// Mapping says that everything of Kind with RefID grants Groups.
type Mapping struct {
	Kind   string     `json:"kind"`
	RefID  string     `json:"id"`
	Groups []GroupRef `json:"access_groups"`
}

// MappedGroups returns the set of groups any mapping of org names on site
// ("" for every site): the groups doorsync manages.
func (s *Store) MappedGroups(ctx context.Context, orgID, siteID string) (map[GroupRef]bool, error) {
	rows, err := s.db.Query(ctx, `
		select distinct site_id, group_id from mappings
		where org_id = $1 and ($2 = '' or site_id = $2)`, orgID, siteID)
	if err != nil {
		return nil, fmt.Errorf("store: mapped groups: %w", err)
	}
	defer rows.Close()
	out := map[GroupRef]bool{}
	for rows.Next() {
		var g GroupRef
		if err := rows.Scan(&g.SiteID, &g.GroupID); err != nil {
			return nil, err
		}
		out[g] = true
	}
	return out, rows.Err()
}

// Mappings returns every mapping of org, ordered by kind and id.
func (s *Store) Mappings(ctx context.Context, orgID string) ([]Mapping, error) {
	rows, err := s.db.Query(ctx, `select kind, ref_id, site_id, group_id from mappings where org_id = $1
		order by kind, ref_id, site_id, group_id`, cachedPlan, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: mappings: %w", err)
	}
	defer rows.Close()
	var out []Mapping
	for rows.Next() {
		var kind, ref string
		var g GroupRef
		if err := rows.Scan(&kind, &ref, &g.SiteID, &g.GroupID); err != nil {
			return nil, err
		}
		out = appendMappingRow(out, kind, ref, g)
	}
	return out, rows.Err()
}

// appendMappingRow adds group g of mapping (kind, ref) to out, read in
// mapping order: to the last mapping when it is that one, else as a new
// one.
func appendMappingRow(out []Mapping, kind, ref string, g GroupRef) []Mapping {
	if n := len(out); n == 0 || out[n-1].Kind != kind || out[n-1].RefID != ref {
		out = append(out, Mapping{Kind: kind, RefID: ref})
	}
	out[len(out)-1].Groups = append(out[len(out)-1].Groups, g)
	return out
}

// GroupTakenError means a mapping names a Salto KS access group that
// another org already manages (on the same site: Salto KS site ids are
// globally unique). It is an ErrConflict, and its message names nothing
// of the other org.
type GroupTakenError struct{ Group GroupRef }

func (e *GroupTakenError) Error() string {
	return fmt.Sprintf("access group %s on Salto KS site %s is managed by another org", e.Group.GroupID, e.Group.SiteID)
}

// Unwrap makes it an ErrConflict.
func (e *GroupTakenError) Unwrap() error { return ErrConflict }

// groupKey is the lock of one Salto KS access group across orgs: two orgs
// mapping the same group at once take it in turn, and the second sees the
// first's mapping (see checkGroupsFree).
func groupKey(g GroupRef) string { return "salto-group/" + g.SiteID + "/" + g.GroupID }

func groupKeys(groups []GroupRef) []string {
	keys := make([]string, len(groups))
	for i, g := range groups {
		keys[i] = groupKey(g)
	}
	return keys
}

// CheckGroupsFree refuses groups another org maps (GroupTakenError), as a
// mapping's write would, taking no lock: a dry run's check, which a
// concurrent mapping may overtake before the real write.
func (s *Store) CheckGroupsFree(ctx context.Context, orgID string, groups []GroupRef) error {
	return checkGroupsFree(ctx, s.db, orgID, groups)
}

// checkGroupsFree refuses groups another org maps (GroupTakenError). The
// caller holds their group locks, so a concurrent mapping by another org
// has committed before this reads (each statement reads what was committed
// when it began) or waits until this transaction ends.
func checkGroupsFree(ctx context.Context, tx dbtx, orgID string, groups []GroupRef) error {
	if len(groups) == 0 {
		return nil
	}
	sites, ids := make([]string, len(groups)), make([]string, len(groups))
	for i, g := range groups {
		sites[i], ids[i] = g.SiteID, g.GroupID
	}
	var taken GroupRef
	err := tx.QueryRow(ctx, `select m.site_id, m.group_id from mappings m
		join unnest($2::text[], $3::text[]) as g(site_id, group_id) using (site_id, group_id)
		where m.org_id <> $1 limit 1`, orgID, sites, ids).Scan(&taken.SiteID, &taken.GroupID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: check mapped groups: %w", err)
	}
	return &GroupTakenError{Group: taken}
}
