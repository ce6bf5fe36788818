package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"doorsync/access"
)

// OrgBase is what any evaluation of an org reads whole: its settings, its
// mappings and its static entities (locations, floors, resources, plans,
// teams).
type OrgBase struct {
	Org      Org
	Mappings []Mapping
	Static   []Entity
}

// ReadOrgBase reads an org's base in one statement (ErrNotFound when there
// is no such org): the rows GetOrg and Mappings read, and the org's
// entities of the static kinds. The kinds are spelled in the statement,
// not passed: with them Postgres's generic plan reads the primary key, so
// it keeps that plan instead of planning each read anew (with a kinds
// parameter the generic plan would scan the table, so every read was
// planned, which cost more than running it).
func (s *Store) ReadOrgBase(ctx context.Context, orgID string) (OrgBase, error) {
	b := OrgBase{Org: Org{ID: orgID}}
	var (
		settings                               []byte
		mapKinds, mapRefs, mapSites, mapGroups []string
		kinds, ids, sources, sourceIDs         []string
		bodies                                 [][]byte
		versions                               []*int64
		updated                                []time.Time
	)
	err := s.db.QueryRow(ctx, `
		select o.name, o.settings, o.created_at, o.updated_at, o.deleting_since, m.kinds, m.refs, m.sites, m.groups,
			e.kinds, e.ids, e.bodies, e.versions, e.updated, e.sources, e.source_ids
		from orgs o,
		lateral (select coalesce(array_agg(kind order by kind, ref_id, site_id, group_id), '{}') as kinds,
				coalesce(array_agg(ref_id order by kind, ref_id, site_id, group_id), '{}') as refs,
				coalesce(array_agg(site_id order by kind, ref_id, site_id, group_id), '{}') as sites,
				coalesce(array_agg(group_id order by kind, ref_id, site_id, group_id), '{}') as groups
			from mappings where org_id = $1) m,
		lateral (select coalesce(array_agg(kind order by kind, id), '{}') as kinds, coalesce(array_agg(id order by kind, id), '{}') as ids,
				coalesce(array_agg(body order by kind, id), '{}') as bodies, coalesce(array_agg(version order by kind, id), '{}') as versions,
				coalesce(array_agg(updated_at order by kind, id), '{}') as updated,
				coalesce(array_agg(coalesce(source, '') order by kind, id), '{}') as sources,
				coalesce(array_agg(coalesce(source_id, '') order by kind, id), '{}') as source_ids
			from entities where org_id = $1 and kind in `+sqlKinds(staticKinds)+`) e
		where o.id = $1`, cachedPlan, orgID).Scan(&b.Org.Name, &settings, &b.Org.CreatedAt, &b.Org.UpdatedAt, &b.Org.DeletingSince,
		&mapKinds, &mapRefs, &mapSites, &mapGroups, &kinds, &ids, &bodies, &versions, &updated, &sources, &sourceIDs)
	if err != nil {
		return OrgBase{}, fmt.Errorf("store: base of org %s: %w", orgID, notFound(err))
	}
	if err := json.Unmarshal(settings, &b.Org.Settings); err != nil {
		return OrgBase{}, fmt.Errorf("store: org %s settings: %w", orgID, err)
	}
	for i := range mapKinds {
		b.Mappings = appendMappingRow(b.Mappings, mapKinds[i], mapRefs[i], GroupRef{SiteID: mapSites[i], GroupID: mapGroups[i]})
	}
	for i := range kinds {
		b.Static = append(b.Static, Entity{OrgID: orgID, Kind: access.Kind(kinds[i]), ID: ids[i], Body: bodies[i], Version: versions[i],
			UpdatedAt: updated[i], Source: sources[i], SourceID: sourceIDs[i]})
	}
	return b, nil
}
