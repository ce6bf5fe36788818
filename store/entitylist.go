package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"doorsync/access"
)

// EntityQuery is a page of an org's entities of one kind, by id.
type EntityQuery struct {
	Kind  access.Kind
	After string // ids after this one ("" from the first)
	Limit int
	// Search, when set, keeps the entities whose id, name (a member's first
	// and last name, together too) or e-mails (a member's own, a booking's
	// booker and guests) contain it, case-insensitively.
	Search string
}

// ListEntities returns a page of an org's entities of one kind, ordered by
// id. Without a search it walks the primary key; with one it filters that
// walk, which stops once the page is full: a scan of one org's kind (10,000
// members in a few milliseconds) at worst, so no trigram index (and no
// extension) is needed.
func (s *Store) ListEntities(ctx context.Context, orgID string, q EntityQuery) ([]Entity, error) {
	rows, err := s.db.Query(ctx, `select `+entityColumns+` from entities
		where org_id = $1 and kind = $2 and id > $3 and ($4 = '' or
			lower(id) like $4 or lower(coalesce(body->>'name', '')) like $4
			or lower(concat_ws(' ', body->>'first_name', body->>'last_name')) like $4
			or exists (select 1 from unnest(emails) as e where e like $4))
		order by id limit $5`, cachedPlan, orgID, q.Kind, q.After, likePattern(q.Search), q.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", q.Kind, err)
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entity, error) { return scanEntity(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", q.Kind, err)
	}
	return es, nil
}

// likePattern is a LIKE pattern matching s anywhere, lower-cased, its
// wildcards escaped ("" for no search).
func likePattern(s string) string {
	if s == "" {
		return ""
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}
