package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// DayPassUse is one pass used.
type DayPassUse struct {
	DayPassID string
	UseID     string
	UsedOn    string
}

// DayPassUses returns the uses of the given bundles (all of org's when ids
// is nil).
func (s *Store) DayPassUses(ctx context.Context, orgID string, ids []string) ([]DayPassUse, error) {
	rows, err := s.db.Query(ctx, `select day_pass_id, use_id, used_on from day_pass_uses
		where org_id = $1 and ($2::text[] is null or day_pass_id = any($2)) order by day_pass_id, created_at, use_id`,
		orgID, ids)
	if err != nil {
		return nil, fmt.Errorf("store: day pass uses: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DayPassUse, error) {
		var u DayPassUse
		err := r.Scan(&u.DayPassID, &u.UseID, &u.UsedOn)
		return u, err
	})
}
