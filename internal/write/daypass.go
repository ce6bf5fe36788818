package write

import (
	"context"
	"encoding/json"
	"fmt"

	"doorsync/access"
	"doorsync/store"
)

// UseDayPass records one pass of a bundle used, idempotent by the use's
// id, and returns how many passes remain (access.DayPass.Remaining). With
// none remaining it changes nothing and returns store.ErrConflict; an
// unknown bundle is store.ErrNotFound. The bundle's lifecycle workflow is
// poked with no instant, so it delivers the use to everyone the bundle
// names and keeps the time of the day it used up.
func (wr *Writer) UseDayPass(ctx context.Context, orgID string, use store.DayPassUse) (remaining int, ids []int64, err error) {
	err = wr.Store.Write(ctx, func(tx *store.Tx) error {
		bundle, err := wr.lockDayPass(ctx, tx, orgID, use.DayPassID)
		if err != nil {
			return err
		}
		if bundle.Used(use.UseID) {
			remaining = bundle.Remaining()
			return nil
		}
		if bundle.Remaining() == 0 {
			return fmt.Errorf("no passes remain in day pass %s: %w", use.DayPassID, store.ErrConflict)
		}
		if err := tx.RecordDayPassUse(ctx, orgID, use); err != nil {
			return err
		}
		remaining = bundle.Remaining() - 1
		ids, err = tx.Queue(ctx, orgID, []store.Poke{{Kind: store.PokeLifecycle,
			Target: store.LifecycleTarget(access.KindDayPass, use.DayPassID), Reason: "day pass " + use.DayPassID + " used"}}, 0)
		return err
	})
	return remaining, ids, err
}

// lockDayPass reads a bundle with its uses, locking it until commit.
func (wr *Writer) lockDayPass(ctx context.Context, tx *store.Tx, orgID, id string) (access.DayPass, error) {
	var d access.DayPass
	stored, err := tx.LockEntity(ctx, orgID, access.KindDayPass, id)
	if err != nil {
		return d, err
	}
	if stored == nil {
		return d, fmt.Errorf("write: day pass %s: %w", id, store.ErrNotFound)
	}
	if err := json.Unmarshal(stored.Body, &d); err != nil {
		return d, fmt.Errorf("write: stored day pass %s: %w", id, err)
	}
	uses, err := tx.Read.DayPassUses(ctx, orgID, []string{id})
	if err != nil {
		return d, err
	}
	for _, u := range uses {
		d.Uses = append(d.Uses, access.DayPassUse{UseID: u.UseID})
	}
	return d, nil
}
