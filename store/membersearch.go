package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// MemberMatch is a member a search found.
type MemberMatch struct {
	ID, Email, FirstName, LastName string
}

// SearchMembers finds an org's members whose id, e-mail or name contains
// query (case-insensitive), by id, at most limit. The console uses it
// until the API's member list (GET …/members?query=) lands.
func (s *Store) SearchMembers(ctx context.Context, orgID, query string, limit int) ([]MemberMatch, error) {
	pattern := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(query) + "%"
	rows, err := s.db.Query(ctx, `select id, coalesce(body->>'email', ''), coalesce(body->>'first_name', ''), coalesce(body->>'last_name', '')
		from entities where org_id = $1 and kind = 'member' and (id ilike $2 or body->>'email' ilike $2
			or concat_ws(' ', body->>'first_name', body->>'last_name') ilike $2)
		order by id limit $3`, orgID, pattern, limit)
	if err != nil {
		return nil, fmt.Errorf("store: search members: %w", err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (MemberMatch, error) {
		var m MemberMatch
		return m, r.Scan(&m.ID, &m.Email, &m.FirstName, &m.LastName)
	})
	if err != nil {
		return nil, fmt.Errorf("store: search members: %w", err)
	}
	return ms, nil
}
