package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Entity is a space entity as stored: its canonical JSON body.
type Entity struct {
	OrgID     string
	Kind      string
	ID        string
	Body      json.RawMessage
	Version   *int64
	UpdatedAt time.Time
}

// EntityWrite is an upsert. Emails are the lower-cased e-mails the entity
// names (a member's own; a booking's booker and guests).
type EntityWrite struct {
	OrgID   string
	Kind    string
	ID      string
	Body    json.RawMessage
	Version *int64
	Emails  []string
	// Reach, for a membership, booking or day pass, is how the write
	// reaches people; nil leaves it all to the lifecycle workflow.
	Reach *Reach
}

// Reach is how a write of a membership, booking or day pass reaches
// people, as its caller worked it out against Basis, the body stored when
// it looked (nil: none was). A write whose stored body is no longer Basis
// fails with ErrReachStale, for the caller to work it out again.
//
// The access workflows of Persons (whose access changes now) are poked in
// the write's transaction, and the lifecycle poke says so (Poke.Poked), so
// the change reaches them without waiting for the lifecycle workflow. The
// lifecycle workflow is started only when Scheduled (the entity's access
// changes later); otherwise it is poked only if it runs, and not at all
// for an entity that did not exist (none can run for it).
type Reach struct {
	Basis     json.RawMessage
	Persons   []string
	Scheduled bool
}

// ErrReachStale means the stored entity changed after the caller worked
// out a write's Reach.
var ErrReachStale = fmt.Errorf("store: entity changed while its write was planned: %w", ErrConflict)

// WriteResult says what an upsert did. OutboxIDs are the pokes it queued,
// for the caller to send at once after the commit.
type WriteResult struct {
	Entity    Entity
	Created   bool
	Changed   bool
	OutboxIDs []int64
}

// PutEntity creates or replaces an entity and queues the pokes the change
// calls for, in one transaction. An older version is refused with ErrStale;
// the same version with another body too; a repeat changes nothing.
func (s *Store) PutEntity(ctx context.Context, w EntityWrite) (WriteResult, error) {
	var res WriteResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		stored, err := lockEntity(ctx, tx, w.OrgID, w.Kind, w.ID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		exists := err == nil
		if w.Reach != nil && !sameBasis(stored, exists, w.Reach.Basis) {
			return ErrReachStale
		}
		if exists {
			if err := checkVersion(stored, w); err != nil {
				return err
			}
			if jsonEqual(stored.Body, w.Body) { // a repeat: at most the version moves on
				res.Entity, err = raiseVersion(ctx, tx, stored, w.Version)
				return err
			}
		}
		if res.Entity, err = upsertEntity(ctx, tx, w); err != nil {
			return err
		}
		res.Created, res.Changed = !exists, true
		res.OutboxIDs, err = queuePokes(ctx, tx, w.OrgID, nil, func() ([]Poke, error) {
			pokes, err := dependentPokes(ctx, tx, w.OrgID, w.Kind, w.ID)
			if w.Reach != nil {
				pokes = withDirectPokes(pokes, w.Kind, w.ID, w.Reach.Persons, needOf(w.Reach, exists), "changed")
			}
			return pokes, err
		})
		return err
	})
	return res, err
}

// sameBasis says whether the stored entity is still the one a Reach was
// worked out against.
func sameBasis(stored Entity, exists bool, basis json.RawMessage) bool {
	if !exists || basis == nil {
		return !exists && basis == nil
	}
	return jsonEqual(stored.Body, basis)
}

// DeleteEntity removes an entity, queueing pokes for everything it
// affected. With reach (a membership, booking or day pass), the persons it
// gave access to are poked directly, so their access ends now, and its
// lifecycle workflow is poked only if it runs.
func (s *Store) DeleteEntity(ctx context.Context, orgID, kind, id string, reach *Reach) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		stored, err := lockEntity(ctx, tx, orgID, kind, id)
		if err != nil {
			return err
		}
		if reach != nil && !sameBasis(stored, true, reach.Basis) {
			return ErrReachStale
		}
		pokes, err := dependentPokes(ctx, tx, orgID, kind, id) // before the row goes
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `delete from entities where org_id = $1 and kind = $2 and id = $3`, orgID, kind, id); err != nil {
			return fmt.Errorf("store: delete %s %s: %w", kind, id, err)
		}
		if kind == "day_pass" {
			if _, err := tx.Exec(ctx, `delete from day_pass_uses where org_id = $1 and day_pass_id = $2`, orgID, id); err != nil {
				return err
			}
		}
		if reach != nil {
			pokes = withDirectPokes(pokes, kind, id, reach.Persons, pokeLifecycleIfRunning, "deleted")
		}
		ids, err = queuePokes(ctx, tx, orgID, pokes, nil)
		return err
	})
	return ids, err
}

// lifecycleNeed is what a write asks of its entity's lifecycle workflow.
type lifecycleNeed int

const (
	// startLifecycle: something is scheduled; start the workflow or poke it.
	startLifecycle lifecycleNeed = iota
	// pokeLifecycleIfRunning: nothing is scheduled; poke it only if it runs.
	pokeLifecycleIfRunning
	// noLifecycle: nothing is scheduled and no workflow can run for an
	// entity that did not exist.
	noLifecycle
)

// needOf is what writing an entity that existed or not, with reach r,
// asks of its lifecycle workflow.
func needOf(r *Reach, existed bool) lifecycleNeed {
	switch {
	case r.Scheduled:
		return startLifecycle
	case existed:
		return pokeLifecycleIfRunning
	}
	return noLifecycle
}

// withDirectPokes adds to pokes an access poke for each of persons (whose
// access a change of entity kind:id changes now), marks the entity's
// lifecycle poke as covering them, and makes that poke what need asks.
func withDirectPokes(pokes []Poke, kind, id string, persons []string, need lifecycleNeed, what string) []Poke {
	target, reason := kind+":"+id, kind+" "+id+" "+what
	out := pokes[:0]
	for _, p := range pokes {
		if p.Kind == PokeLifecycle && p.Target == target {
			if need == noLifecycle {
				continue
			}
			p.Poked = persons
			if need == pokeLifecycleIfRunning {
				p.Kind = PokeLifecycleIfRunning
			}
		}
		out = append(out, p)
	}
	for _, p := range persons {
		out = append(out, Poke{Kind: PokeAccess, Target: p, Reason: reason})
	}
	return out
}

// GetEntity returns one entity, or ErrNotFound.
func (s *Store) GetEntity(ctx context.Context, orgID, kind, id string) (Entity, error) {
	e, err := scanEntity(s.pool.QueryRow(ctx, `select org_id, kind, id, body, version, updated_at from entities
		where org_id = $1 and kind = $2 and id = $3`, orgID, kind, id))
	if err != nil {
		return Entity{}, fmt.Errorf("store: get %s %s: %w", kind, id, err)
	}
	return e, nil
}

func lockEntity(ctx context.Context, tx pgx.Tx, orgID, kind, id string) (Entity, error) {
	return scanEntity(tx.QueryRow(ctx, `select org_id, kind, id, body, version, updated_at from entities
		where org_id = $1 and kind = $2 and id = $3 for update`, orgID, kind, id))
}

func scanEntity(row pgx.Row) (Entity, error) {
	var e Entity
	err := row.Scan(&e.OrgID, &e.Kind, &e.ID, &e.Body, &e.Version, &e.UpdatedAt)
	return e, notFound(err)
}

func checkVersion(stored Entity, w EntityWrite) error {
	if stored.Version == nil || w.Version == nil {
		return nil
	}
	switch {
	case *w.Version < *stored.Version:
		return fmt.Errorf("store: %s %s version %d is older than stored %d: %w", w.Kind, w.ID, *w.Version, *stored.Version, ErrStale)
	case *w.Version == *stored.Version && !jsonEqual(stored.Body, w.Body):
		return fmt.Errorf("store: %s %s version %d is stored with another body: %w", w.Kind, w.ID, *w.Version, ErrStale)
	}
	return nil
}

func upsertEntity(ctx context.Context, tx pgx.Tx, w EntityWrite) (Entity, error) {
	emails := w.Emails
	if emails == nil {
		emails = []string{}
	}
	e, err := scanEntity(tx.QueryRow(ctx, `
		insert into entities (org_id, kind, id, body, version, emails) values ($1, $2, $3, $4, $5, $6)
		on conflict (org_id, kind, id) do update set body = excluded.body,
			version = coalesce(excluded.version, entities.version), emails = excluded.emails, updated_at = now()
		returning org_id, kind, id, body, version, updated_at`,
		w.OrgID, w.Kind, w.ID, w.Body, w.Version, emails))
	if err != nil {
		return Entity{}, fmt.Errorf("store: put %s %s: %w", w.Kind, w.ID, err)
	}
	return e, nil
}

// raiseVersion records a newer version of an unchanged body, so a late
// older write is still refused; nothing else changes and nothing is poked.
func raiseVersion(ctx context.Context, tx pgx.Tx, stored Entity, v *int64) (Entity, error) {
	if v == nil || (stored.Version != nil && *v <= *stored.Version) {
		return stored, nil
	}
	e, err := scanEntity(tx.QueryRow(ctx, `update entities set version = $4 where org_id = $1 and kind = $2 and id = $3
		returning org_id, kind, id, body, version, updated_at`, stored.OrgID, stored.Kind, stored.ID, *v))
	if err != nil {
		return Entity{}, fmt.Errorf("store: raise version of %s %s: %w", stored.Kind, stored.ID, err)
	}
	return e, nil
}

// jsonEqual compares two JSON documents by value.
func jsonEqual(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return bytes.Equal(a, b)
	}
	ca, _ := json.Marshal(va)
	cb, _ := json.Marshal(vb)
	return bytes.Equal(ca, cb)
}

func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}
