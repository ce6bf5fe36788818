package write

import (
	"context"
	"errors"

	"doorsync/store"
)

// OrgResult says what an org write did. OutboxIDs are the pokes it
// queued, for the caller to send at once after the commit.
type OrgResult struct {
	Org     store.Org
	Created bool
	// Previous is the org as it was before the write; zero when Created.
	Previous  store.Org
	OutboxIDs []int64
}

// Org creates or replaces an org and, for one that existed, queues the
// pokes the change of its settings calls for (settingsPokes), in one
// transaction under the exclusive lock of the org's configuration (see
// store/reachlocks.go): a lifecycle write finds its reach under the shared
// lock, so whichever comes second sees the first's settings or entity.
func (wr *Writer) Org(ctx context.Context, o store.Org) (OrgResult, error) {
	var res OrgResult
	err := wr.Store.Write(ctx, func(tx *store.Tx) error {
		res = OrgResult{}
		if err := tx.LockConfig(ctx, o.ID); err != nil {
			return err
		}
		stored, err := tx.Read.GetOrg(ctx, o.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		existed := err == nil
		if existed {
			res.Previous = stored
		}
		if res.Org, res.Created, err = tx.UpsertOrg(ctx, o); err != nil || !existed {
			return err
		}
		pokes, err := settingsPokes(ctx, tx.Read, stored, res.Org, wr.now())
		if err != nil {
			return err
		}
		res.OutboxIDs, err = tx.Queue(ctx, o.ID, pokes, 0)
		return err
	})
	return res, err
}
