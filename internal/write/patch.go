package write

import (
	"context"
	"fmt"

	"doorsync/access"
	"doorsync/internal/entity"
	"doorsync/store"
)

// PatchOwned sets an entity's operator-owned fields from an operator's
// PATCH body (entity.Patch: only those fields, validated as PUT validates
// them; a bad body is an *entity.Invalid): under the row lock it loads the
// entity, sets the fields, and stores it as a changed entity, with its
// pokes, keeping its version and source. store.ErrNotFound when the org
// does not hold it; a patch that changes nothing is a repeat.
func (wr *Writer) PatchOwned(ctx context.Context, orgID string, kind access.Kind, id string, patch []byte) (store.WriteResult, error) {
	var res store.WriteResult
	err := wr.Store.Write(ctx, func(tx *store.Tx) error {
		res = store.WriteResult{}
		stored, err := tx.LockEntity(ctx, orgID, kind, id)
		if err != nil {
			return err
		}
		if stored == nil {
			return fmt.Errorf("write: patch %s %s: %w", kind, id, store.ErrNotFound)
		}
		w, err := entity.Patch(*stored, patch)
		if err != nil {
			return err
		}
		if stored.SameBody(w.Body) {
			res.Entity = *stored
			return nil
		}
		return wr.save(ctx, tx, w, stored, nil, &res)
	})
	return res, err
}
