package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"doorsync/access"
)

// EntityName is an entity as a list names it: its id, name, and the Salto
// KS site it is on (its own for a location, its location's for a floor or
// resource; empty for a plan or when the location has none).
type EntityName struct {
	ID, Name, Kind, SiteID string
}

// EntityNames lists an org's entities of kind by id, at most limit, with
// the Salto KS site they are on. The console lists mappable entities with
// it until the API's entity lists land.
func (s *Store) EntityNames(ctx context.Context, orgID string, kind access.Kind, limit int) ([]EntityName, error) {
	rows, err := s.db.Query(ctx, `select e.id, coalesce(e.body->>'name', ''), coalesce(e.body->>'kind', ''),
			coalesce(e.body->>'salto_site_id', l.body->>'salto_site_id', '')
		from entities e
		left join entities l on l.org_id = e.org_id and l.kind = 'location' and l.id = e.location_id
		where e.org_id = $1 and e.kind = $2 order by e.id limit $3`, orgID, string(kind), limit)
	if err != nil {
		return nil, fmt.Errorf("store: entity names: %w", err)
	}
	ns, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (EntityName, error) {
		var n EntityName
		return n, r.Scan(&n.ID, &n.Name, &n.Kind, &n.SiteID)
	})
	if err != nil {
		return nil, fmt.Errorf("store: entity names: %w", err)
	}
	return ns, nil
}
