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
}

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
			return dependentPokes(ctx, tx, w.OrgID, w.Kind, w.ID)
		})
		return err
	})
	return res, err
}

// DeleteEntity removes an entity, queueing pokes for everything it affected
// and for persons (the person keys it granted to, so their access ends now).
func (s *Store) DeleteEntity(ctx context.Context, orgID, kind, id string, persons []string) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := lockEntity(ctx, tx, orgID, kind, id); err != nil {
			return err
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
		for _, p := range persons {
			pokes = append(pokes, Poke{Kind: PokeAccess, Target: p, Reason: kind + " " + id + " deleted"})
		}
		ids, err = queuePokes(ctx, tx, orgID, pokes, nil)
		return err
	})
	return ids, err
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
