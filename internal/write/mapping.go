package write

import (
	"context"

	"doorsync/store"
)

// Mapping replaces the groups of one mapping (no groups deletes it) and
// queues pokes for everything it reaches, so removed groups are revoked
// and added ones granted. It reports whether the mapping had no groups.
// A group another org maps is refused (store.GroupTakenError).
func (wr *Writer) Mapping(ctx context.Context, orgID string, m store.Mapping) (created bool, ids []int64, err error) {
	err = wr.Store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.LockConfig(ctx, orgID, m.Groups...); err != nil {
			return err
		}
		var err error
		if created, err = tx.ReplaceMapping(ctx, orgID, m); err != nil {
			return err
		}
		ids, err = queueMappingPokes(ctx, tx, orgID, m.Kind, m.RefID)
		return err
	})
	return created, ids, err
}

// DeleteMapping removes one mapping (store.ErrNotFound if there is none)
// and queues pokes so the access it granted is revoked.
func (wr *Writer) DeleteMapping(ctx context.Context, orgID, kind, refID string) ([]int64, error) {
	var ids []int64
	err := wr.Store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.LockConfig(ctx, orgID); err != nil {
			return err
		}
		if err := tx.RemoveMapping(ctx, orgID, kind, refID); err != nil {
			return err
		}
		var err error
		ids, err = queueMappingPokes(ctx, tx, orgID, kind, refID)
		return err
	})
	return ids, err
}

// queueMappingPokes queues the pokes of what the mapping (kind, ref)
// reaches: each lifecycle workflow delivers to everyone its entity names.
func queueMappingPokes(ctx context.Context, tx *store.Tx, orgID, kind, refID string) ([]int64, error) {
	pokes, err := tx.MappingDependents(ctx, orgID, kind, refID)
	if err != nil {
		return nil, err
	}
	return tx.Queue(ctx, orgID, pokes, 0)
}
