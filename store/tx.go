package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"doorsync/access"
)

// Tx is one write's transaction: the primitives a write composes, in the
// order it needs them (package write owns every write; the store takes no
// callbacks). Read reads through the transaction, its own writes
// included.
type Tx struct {
	tx   pgx.Tx
	Read *Store
	// created counts the entities the transaction inserted, for the
	// statistics refresh after commit.
	created int
}

// Write runs fn in one transaction and commits it. A deadlock Postgres
// broke (two writes locking in another order) or a create another write
// beat (ErrCreatedMeanwhile) runs fn again, a few times, from scratch.
func (s *Store) Write(ctx context.Context, fn func(tx *Tx) error) error {
	var created int
	err := s.inWriteTx(ctx, func(tx pgx.Tx) error {
		t := &Tx{tx: tx, Read: s.inside(tx)}
		err := fn(t)
		created = t.created
		return err
	})
	if err == nil {
		for range created {
			s.entityCreated()
		}
	}
	return err
}

// LockEntity reads an entity and locks its row until commit; nil when it
// does not exist.
func (t *Tx) LockEntity(ctx context.Context, orgID string, kind access.Kind, id string) (*Entity, error) {
	e, err := lockEntity(ctx, t.tx, orgID, kind, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: lock %s %s: %w", kind, id, err)
	}
	return &e, nil
}

// CheckVersion refuses a write older than the stored entity (ErrStale), or
// of the same version with another body.
func (t *Tx) CheckVersion(stored Entity, w EntityWrite) error { return checkVersion(stored, w) }

// LockForWrite locks the row of the entity w writes, for an upsert: the
// stored entity, or, when there is none, the version to create it at,
// checked against the version it was deleted at, if it was
// (ErrDeletedVersion). The tombstone is taken out; a rollback puts it
// back. One statement does both.
func (t *Tx) LockForWrite(ctx context.Context, w EntityWrite) (stored *Entity, version *int64, err error) {
	stored, deleted, err := lockForWrite(ctx, t.tx, w)
	if err != nil || stored != nil {
		return stored, nil, err
	}
	version, err = createVersion(w, deleted)
	return nil, version, err
}

// RaiseVersion records a newer version of an unchanged body.
func (t *Tx) RaiseVersion(ctx context.Context, stored Entity, v *int64) (Entity, error) {
	return raiseVersion(ctx, t.tx, stored, v)
}

// ClaimSource records a sourced write's source on the entity it repeats
// (same body); a write without a source, or with the stored one, changes
// nothing.
func (t *Tx) ClaimSource(ctx context.Context, stored Entity, w EntityWrite) (Entity, error) {
	return claimSource(ctx, t.tx, stored, w)
}

// Insert creates an entity at version; a concurrent create that won has
// the write run again (ErrCreatedMeanwhile, see Write).
func (t *Tx) Insert(ctx context.Context, w EntityWrite, version *int64) (Entity, error) {
	e, err := insertEntity(ctx, t.tx, w, version)
	if err == nil {
		t.created++
	}
	return e, err
}

// Update replaces an entity whose row LockEntity locked.
func (t *Tx) Update(ctx context.Context, w EntityWrite) (Entity, error) {
	return updateEntity(ctx, t.tx, w)
}

// Remove deletes an entity whose row LockEntity locked, keeps its
// tombstone and, for a day pass, forgets its uses.
func (t *Tx) Remove(ctx context.Context, stored Entity) error {
	if _, err := t.tx.Exec(ctx, `delete from entities where org_id = $1 and kind = $2 and id = $3`,
		stored.OrgID, stored.Kind, stored.ID); err != nil {
		return fmt.Errorf("store: delete %s %s: %w", stored.Kind, stored.ID, err)
	}
	if err := keepTombstone(ctx, t.tx, stored); err != nil {
		return err
	}
	if stored.Kind == access.KindDayPass {
		if _, err := t.tx.Exec(ctx, `delete from day_pass_uses where org_id = $1 and day_pass_id = $2`,
			stored.OrgID, stored.ID); err != nil {
			return fmt.Errorf("store: delete uses of day pass %s: %w", stored.ID, err)
		}
	}
	return nil
}

// LockForReach takes the shared locks finding a lifecycle entity's reach
// from bodies needs (see reachlocks.go).
func (t *Tx) LockForReach(ctx context.Context, orgID string, bodies ...json.RawMessage) error {
	return lockForReach(ctx, t.tx, orgID, bodies...)
}

// LockAsDependency takes the exclusive locks a write of a non-lifecycle
// entity needs before it looks for what depends on it (see reachlocks.go).
func (t *Tx) LockAsDependency(ctx context.Context, orgID string, kind access.Kind, id string, bodies ...json.RawMessage) error {
	return lockAsDependency(ctx, t.tx, orgID, kind, id, bodies...)
}

// LockConfig takes the exclusive lock of the org's configuration (its
// settings, mappings and config entities), and of groups being mapped.
func (t *Tx) LockConfig(ctx context.Context, orgID string, groups ...GroupRef) error {
	return lockKeys(ctx, t.tx, false, append(groupKeys(groups), configKey(orgID))...)
}

// Dependents are the pokes a change of entity (kind, id) calls for besides
// its own reach: the lifecycle workflows of what depends on it, the access
// workflows of a member and their co-members, of a team's holders.
func (t *Tx) Dependents(ctx context.Context, orgID string, kind access.Kind, id string) ([]Poke, error) {
	return dependentPokes(ctx, t.tx, orgID, kind, id)
}

// MemberWritePokes are the pokes an upsert of member w calls for (prev:
// the member as stored before, nil when new): the member's and its
// co-members' access, and the lifecycles of the sources that may grant a
// new member, or one whose team or primary member changed. One statement
// finds them all, from w's body as written.
func (t *Tx) MemberWritePokes(ctx context.Context, w EntityWrite, prev *Entity) ([]Poke, error) {
	return memberWritePokes(ctx, t.tx, w, prev)
}

// Queue queues pokes, to be sent once the transaction commits (NOTIFY);
// with a hold (EntityWrite.HoldPokes) they are due that much later, unless
// released before (Store.ReleasePokes).
func (t *Tx) Queue(ctx context.Context, orgID string, pokes []Poke, hold time.Duration) ([]int64, error) {
	return queuePokes(ctx, t.tx, orgID, pokes, hold)
}

// UpsertOrg creates or replaces an org (ErrOrgDeleting while it is being
// deleted), reporting whether it was created.
func (t *Tx) UpsertOrg(ctx context.Context, o Org) (Org, bool, error) { return upsertOrg(ctx, t.tx, o) }

// ReplaceMapping replaces the groups of one mapping (no groups deletes
// it), reporting whether it had none, after checking that no other org
// maps them (a GroupTakenError). LockConfig must hold the groups' locks.
func (t *Tx) ReplaceMapping(ctx context.Context, orgID string, m Mapping) (created bool, err error) {
	if err := checkGroupsFree(ctx, t.tx, orgID, m.Groups); err != nil {
		return false, err
	}
	var n int
	if err := t.tx.QueryRow(ctx, `select count(*) from mappings where org_id = $1 and kind = $2 and ref_id = $3`,
		orgID, m.Kind, m.RefID).Scan(&n); err != nil {
		return false, fmt.Errorf("store: mapping %s/%s: %w", m.Kind, m.RefID, err)
	}
	if _, err := t.tx.Exec(ctx, `delete from mappings where org_id = $1 and kind = $2 and ref_id = $3`, orgID, m.Kind, m.RefID); err != nil {
		return false, fmt.Errorf("store: replace mapping: %w", err)
	}
	for _, g := range m.Groups {
		if _, err := t.tx.Exec(ctx, `insert into mappings (org_id, kind, ref_id, site_id, group_id) values ($1, $2, $3, $4, $5)
			on conflict do nothing`, orgID, m.Kind, m.RefID, g.SiteID, g.GroupID); err != nil {
			return false, fmt.Errorf("store: insert mapping: %w", err)
		}
	}
	return n == 0, nil
}

// RemoveMapping deletes one mapping (ErrNotFound if there is none).
func (t *Tx) RemoveMapping(ctx context.Context, orgID, kind, refID string) error {
	tag, err := t.tx.Exec(ctx, `delete from mappings where org_id = $1 and kind = $2 and ref_id = $3`, orgID, kind, refID)
	if err != nil {
		return fmt.Errorf("store: delete mapping: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: mapping %s/%s: %w", kind, refID, ErrNotFound)
	}
	return nil
}

// MappingDependents are the pokes a change of the mapping (kind, ref)
// calls for: those of a change of the entity it maps, or for a day-pass
// mapping, of the day passes it reaches.
func (t *Tx) MappingDependents(ctx context.Context, orgID, kind, refID string) ([]Poke, error) {
	return mappingPokes(ctx, t.tx, orgID, kind, refID)
}

// RecordDayPassUse records a day pass's use.
func (t *Tx) RecordDayPassUse(ctx context.Context, orgID string, u DayPassUse) error {
	if _, err := t.tx.Exec(ctx, `insert into day_pass_uses (org_id, day_pass_id, use_id, used_on) values ($1, $2, $3, $4)`,
		orgID, u.DayPassID, u.UseID, u.UsedOn); err != nil {
		return fmt.Errorf("store: record day pass use: %w", err)
	}
	return nil
}
