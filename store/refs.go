package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"doorsync/access"
)

// EntityRef names one entity of an org by kind and id.
type EntityRef struct {
	Kind access.Kind
	ID   string
}

// MissingEntities returns those of refs that org does not hold, in the
// order given, with one query (the API lists them as `unresolved`).
func (s *Store) MissingEntities(ctx context.Context, orgID string, refs []EntityRef) ([]EntityRef, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	kinds, ids := make([]string, len(refs)), make([]string, len(refs))
	for i, r := range refs {
		kinds[i], ids[i] = string(r.Kind), r.ID
	}
	rows, err := s.db.Query(ctx, `
		select r.kind, r.id from unnest($2::text[], $3::text[]) with ordinality as r(kind, id, n)
		where not exists (select 1 from entities e where e.org_id = $1 and e.kind = r.kind and e.id = r.id)
		order by r.n`, orgID, kinds, ids)
	if err != nil {
		return nil, fmt.Errorf("store: missing entities: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (EntityRef, error) {
		var ref EntityRef
		err := r.Scan(&ref.Kind, &ref.ID)
		return ref, err
	})
}
