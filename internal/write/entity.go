package write

import (
	"context"
	"encoding/json"
	"fmt"

	"doorsync/access"
	"doorsync/internal/entity"
	"doorsync/store"
)

// Entity creates or replaces an entity and queues the pokes its change
// calls for, in one transaction. An older version is refused with
// store.ErrStale, the same version with another body too; a repeat changes
// nothing. A deleted entity is recreated only by a newer version than the
// one it was deleted at (store.ErrDeletedVersion), or by a write without a
// version, which keeps the last one. Two creates of one entity at once are
// ordered: the second is checked against the first. A write with a source
// (a platform's) keeps the stored operator-owned fields, read under the
// row lock, whatever it says (entity.KeepOwned).
func (wr *Writer) Entity(ctx context.Context, w store.EntityWrite) (store.WriteResult, error) {
	var res store.WriteResult
	err := wr.Store.Write(ctx, func(tx *store.Tx) error {
		res = store.WriteResult{}
		stored, version, err := tx.LockForWrite(ctx, w)
		if err != nil {
			return err
		}
		w := w // a retried transaction starts again from the write as given
		if w.Source != "" {
			if w.Body, err = entity.KeepOwned(w.Kind, stored, w.Body); err != nil {
				return err
			}
		}
		if stored != nil {
			w.Version = readVersion(*stored, w)
			if err := tx.CheckVersion(*stored, w); err != nil {
				return err
			}
			if stored.SameBody(w.Body) { // a repeat: at most the version and source move on
				if res.Entity, err = tx.RaiseVersion(ctx, *stored, w.Version); err != nil {
					return err
				}
				res.Entity, err = tx.ClaimSource(ctx, res.Entity, w)
				return err
			}
		}
		return wr.save(ctx, tx, w, stored, version, &res)
	})
	return res, err
}

// readVersion lets a platform's read supersede what doorsync holds when
// the row was written before the read: the platform's state then is the
// truth even where its version did not move, as when a record built from
// several objects loses one (a visitor leaves a booking, the latest-changed
// team goes). The read is written at the version after the stored one, so
// the checks pass and any read older than this write is refused after it.
func readVersion(stored store.Entity, w store.EntityWrite) *int64 {
	if w.ReadAt.IsZero() || w.Version == nil || stored.Version == nil || *w.Version > *stored.Version ||
		!stored.UpdatedAt.Before(w.ReadAt) || stored.SameBody(w.Body) {
		return w.Version
	}
	v := *stored.Version + 1
	return &v
}

// save stores w over stored (nil: creates it at version) and queues the
// pokes its change calls for: whom it reaches and what depends on it.
func (wr *Writer) save(ctx context.Context, tx *store.Tx, w store.EntityWrite, stored *store.Entity, version *int64, res *store.WriteResult) error {
	pokes, err := wr.affected(ctx, tx, w, stored)
	if err != nil {
		return err
	}
	if stored != nil {
		res.Entity, err = tx.Update(ctx, w)
	} else {
		res.Entity, err = tx.Insert(ctx, w, version)
	}
	if err != nil {
		return err
	}
	more, err := wr.dependents(ctx, tx, w, stored)
	if err != nil {
		return err
	}
	res.Created, res.Changed = stored == nil, true
	res.OutboxIDs, err = tx.Queue(ctx, w.OrgID, append(pokes, more...), w.HoldPokes)
	return err
}

// affected locks what the write's reach depends on and, for a membership,
// booking or day pass, pokes whom it changes now and its lifecycle if its
// access changes later (both as the engine says, from stored and w).
func (wr *Writer) affected(ctx context.Context, tx *store.Tx, w store.EntityWrite, stored *store.Entity) ([]store.Poke, error) {
	var bodies []json.RawMessage
	if stored != nil {
		bodies = append(bodies, stored.Body)
	}
	bodies = append(bodies, w.Body)
	if !w.Kind.Lifecycle() {
		return nil, tx.LockAsDependency(ctx, w.OrgID, w.Kind, w.ID, bodies...)
	}
	if err := tx.LockForReach(ctx, w.OrgID, bodies...); err != nil {
		return nil, err
	}
	r, err := entityReach(ctx, tx.Read, stored, store.Entity{OrgID: w.OrgID, Kind: w.Kind, ID: w.ID, Body: w.Body}, wr.now())
	if err != nil {
		return nil, fmt.Errorf("write: reach of %s %s: %w", w.Kind, w.ID, err)
	}
	return r.pokes(w.Kind, w.ID, "changed"), nil
}

// dependents are the pokes of what depends on a written entity other than
// a membership, booking or day pass (whose own reach is affected's): the
// lifecycle workflows of the entities that name it, a member's and their
// co-members' access, and for a member new or moved to another team, the
// lifecycles of the sources that may now grant them.
func (wr *Writer) dependents(ctx context.Context, tx *store.Tx, w store.EntityWrite, stored *store.Entity) ([]store.Poke, error) {
	if w.Kind.Lifecycle() {
		return nil, nil
	}
	if w.Kind == access.KindMember {
		return tx.MemberWritePokes(ctx, w, stored)
	}
	return tx.Dependents(ctx, w.OrgID, w.Kind, w.ID)
}

// Delete removes an entity and queues the pokes its removal calls for: the
// persons a membership, booking or day pass gave access to now are poked,
// so their access ends now (a lifecycle run still there finds it gone at
// its alarm and ends); what depends on anything else is poked as by a
// change.
func (wr *Writer) Delete(ctx context.Context, orgID string, kind access.Kind, id string) ([]int64, error) {
	var ids []int64
	err := wr.Store.Write(ctx, func(tx *store.Tx) error {
		stored, err := tx.LockEntity(ctx, orgID, kind, id)
		if err != nil {
			return err
		}
		if stored == nil {
			return fmt.Errorf("write: delete %s %s: %w", kind, id, store.ErrNotFound)
		}
		pokes, err := wr.removed(ctx, tx, *stored)
		if err != nil {
			return err
		}
		if err := tx.Remove(ctx, *stored); err != nil {
			return err
		}
		ids, err = tx.Queue(ctx, orgID, pokes, 0)
		return err
	})
	return ids, err
}

// removed works out, before stored goes, whom its removal reaches.
func (wr *Writer) removed(ctx context.Context, tx *store.Tx, stored store.Entity) ([]store.Poke, error) {
	if !stored.Kind.Lifecycle() {
		if err := tx.LockAsDependency(ctx, stored.OrgID, stored.Kind, stored.ID, stored.Body); err != nil {
			return nil, err
		}
		return tx.Dependents(ctx, stored.OrgID, stored.Kind, stored.ID)
	}
	if err := tx.LockForReach(ctx, stored.OrgID, stored.Body); err != nil {
		return nil, err
	}
	persons, _, err := reachAt(ctx, tx.Read, stored, wr.now())
	if err != nil {
		return nil, fmt.Errorf("write: reach of %s %s: %w", stored.Kind, stored.ID, err)
	}
	return reach{persons: persons}.pokes(stored.Kind, stored.ID, "deleted"), nil
}
