package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SaltoName is the name Salto KS gives a site (GroupID "") or an access
// group.
type SaltoName struct {
	SiteID  string
	GroupID string
	Name    string
}

// RememberSaltoNames stores the names doorsync saw, replacing older ones;
// names that are empty are left out (explain then shows the id alone).
func (s *Store) RememberSaltoNames(ctx context.Context, orgID string, names []SaltoName) error {
	var sites, groups, ns []string
	for _, n := range names {
		if n.Name != "" && n.SiteID != "" {
			sites, groups, ns = append(sites, n.SiteID), append(groups, n.GroupID), append(ns, n.Name)
		}
	}
	if len(ns) == 0 {
		return nil
	}
	// distinct on: a list naming one thing twice must not make the upsert
	// touch a row twice.
	_, err := s.db.Exec(ctx, `insert into salto_names (org_id, site_id, group_id, name)
		select distinct on (site_id, group_id) $1, site_id, group_id, name
		from unnest($2::text[], $3::text[], $4::text[]) as n(site_id, group_id, name)
		order by site_id, group_id
		on conflict (org_id, site_id, group_id) do update set name = excluded.name, seen_at = now()`,
		orgID, sites, groups, ns)
	if err != nil {
		return fmt.Errorf("store: remember salto names: %w", err)
	}
	return nil
}

// SaltoNames returns the names known of the sites siteIDs and their
// groups, keyed by site and group (GroupID "" for a site's own name).
func (s *Store) SaltoNames(ctx context.Context, orgID string, siteIDs []string) (map[GroupRef]string, error) {
	out := map[GroupRef]string{}
	if len(siteIDs) == 0 {
		return out, nil
	}
	rows, err := s.db.Query(ctx, `select site_id, group_id, name from salto_names
		where org_id = $1 and site_id = any($2)`, orgID, siteIDs)
	if err != nil {
		return nil, fmt.Errorf("store: salto names: %w", err)
	}
	var ref GroupRef
	var name string
	if _, err := pgx.ForEachRow(rows, []any{&ref.SiteID, &ref.GroupID, &name}, func() error {
		out[ref] = name
		return nil
	}); err != nil {
		return nil, fmt.Errorf("store: salto names: %w", err)
	}
	return out, nil
}
