package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"doorsync/access"
)

// DayPassUse is one pass used.
type DayPassUse struct {
	DayPassID string
	UseID     string
	UsedOn    string
}

// UseDayPass records a use, idempotent by useID, and returns how many
// passes remain. With none remaining it changes nothing and returns
// ErrConflict; an unknown bundle is ErrNotFound.
func (s *Store) UseDayPass(ctx context.Context, orgID, dayPassID, useID, usedOn string) (remaining int, outbox []int64, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		bundle, err := lockEntity(ctx, tx, orgID, access.KindDayPass, dayPassID)
		if err != nil {
			return fmt.Errorf("store: day pass %s: %w", dayPassID, err)
		}
		var body struct {
			Passes int `json:"passes"`
		}
		if err := json.Unmarshal(bundle.Body, &body); err != nil {
			return err
		}
		var used int
		var repeat bool
		if err := tx.QueryRow(ctx, `select count(*), coalesce(bool_or(use_id = $3), false) from day_pass_uses
			where org_id = $1 and day_pass_id = $2`, orgID, dayPassID, useID).Scan(&used, &repeat); err != nil {
			return err
		}
		if repeat {
			remaining = max(body.Passes-used, 0)
			return nil
		}
		if used >= body.Passes {
			return fmt.Errorf("no passes remain in day pass %s: %w", dayPassID, ErrConflict)
		}
		if _, err := tx.Exec(ctx, `insert into day_pass_uses (org_id, day_pass_id, use_id, used_on) values ($1, $2, $3, $4)`,
			orgID, dayPassID, useID, usedOn); err != nil {
			return fmt.Errorf("store: record day pass use: %w", err)
		}
		remaining = body.Passes - used - 1
		outbox, err = queuePokes(ctx, tx, orgID, []Poke{{Kind: PokeLifecycle, Target: LifecycleTarget(access.KindDayPass, dayPassID),
			Reason: "day pass " + dayPassID + " used"}}, nil)
		return err
	})
	return remaining, outbox, err
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
