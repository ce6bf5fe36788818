package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"doorsync/access"
)

// SourcedIDs returns the ids of org's entities of kind that came from
// source (a platform), sorted: what a full sync of that platform compares
// with what the platform lists, to find what it no longer has.
func (s *Store) SourcedIDs(ctx context.Context, orgID string, source string, kind access.Kind) ([]string, error) {
	rows, err := s.db.Query(ctx, `select id from entities where org_id = $1 and source = $2 and kind = $3 order by id`,
		cachedPlan, orgID, source, kind)
	if err != nil {
		return nil, fmt.Errorf("store: %s ids from %s: %w", kind, source, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: %s ids from %s: %w", kind, source, err)
	}
	return ids, nil
}

// EntitySource is the platform an entity came from and the platform object
// behind it.
type EntitySource struct {
	Source   string
	SourceID string
}

// EntitySources returns the sources of those of refs that came from a
// platform (explain names them); refs written through the API are absent.
func (s *Store) EntitySources(ctx context.Context, orgID string, refs []EntityRef) (map[EntityRef]EntitySource, error) {
	out := map[EntityRef]EntitySource{}
	if len(refs) == 0 {
		return out, nil
	}
	kinds, ids := make([]string, len(refs)), make([]string, len(refs))
	for i, r := range refs {
		kinds[i], ids[i] = string(r.Kind), r.ID
	}
	rows, err := s.db.Query(ctx, `select e.kind, e.id, e.source, coalesce(e.source_id, '')
		from unnest($2::text[], $3::text[]) as r(kind, id)
		join entities e on e.org_id = $1 and e.kind = r.kind and e.id = r.id
		where e.source is not null`, cachedPlan, orgID, kinds, ids)
	if err != nil {
		return nil, fmt.Errorf("store: entity sources: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r   EntityRef
			src EntitySource
		)
		if err := rows.Scan(&r.Kind, &r.ID, &src.Source, &src.SourceID); err != nil {
			return nil, fmt.Errorf("store: entity sources: %w", err)
		}
		out[r] = src
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: entity sources: %w", err)
	}
	return out, nil
}

// claimSource records w's source on an entity whose body w repeats (a
// platform taking over an entity written through the API, or naming
// another object for it); nothing else changes and nothing is poked.
func claimSource(ctx context.Context, tx pgx.Tx, stored Entity, w EntityWrite) (Entity, error) {
	if w.Source == "" || (stored.Source == w.Source && stored.SourceID == w.SourceID) {
		return stored, nil
	}
	e, err := scanEntity(tx.QueryRow(ctx, `update entities set source = $4, source_id = $5
		where org_id = $1 and kind = $2 and id = $3
		returning `+entityColumns, stored.OrgID, stored.Kind, stored.ID, w.Source, sourceIDOf(w)))
	if err != nil {
		return Entity{}, fmt.Errorf("store: source of %s %s: %w", stored.Kind, stored.ID, err)
	}
	return e, nil
}
