package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"doorsync/access"
)

// Entity is a space entity as stored: its canonical JSON body.
type Entity struct {
	OrgID     string
	Kind      access.Kind
	ID        string
	Body      json.RawMessage
	Version   *int64
	UpdatedAt time.Time
	// Source is the platform the entity came from ("" when written
	// through the API), SourceID the platform object behind it.
	Source   string
	SourceID string
}

// entityColumns are the columns scanEntity reads, in its order.
const entityColumns = `org_id, kind, id, body, version, updated_at, coalesce(source, ''), coalesce(source_id, '')`

// EntityWrite is an upsert. Emails are the lower-cased e-mails the entity
// names (a member's own; a booking's booker and guests).
type EntityWrite struct {
	OrgID   string
	Kind    access.Kind
	ID      string
	Body    json.RawMessage
	Version *int64
	Emails  []string
	// ReadAt is when a platform's record was read (zero for the API's
	// writes); see write.Entity.
	ReadAt time.Time
	// Source and SourceID, when Source is set, record the platform the
	// entity comes from and its object (internal/write's Record). A write
	// without a source keeps the stored one: an API write of an entity
	// a platform holds corrects it until the platform's next change, and
	// the platform's sync still owns (and may sweep) it.
	Source   string
	SourceID string
	// HoldPokes queues the write's pokes due this much later instead of at
	// once: an import holds its lines' pokes until it has written them all
	// and then releases them (Store.ReleasePokes), so that sending them
	// does not slow the writing; the hold bounds how long one waits should
	// the import never release it (its process died).
	HoldPokes time.Duration
}

// WriteResult says what an upsert did. OutboxIDs are the pokes it queued,
// for the caller to send at once after the commit.
type WriteResult struct {
	Entity    Entity
	Created   bool
	Changed   bool
	OutboxIDs []int64
}

// memberWritePokes are the pokes a member's upsert calls for: the member's
// and its co-members' access (memberChange), and, for a member who is new
// or changed team or primary member, the lifecycle workflows of the
// memberships, bookings and day passes that reach it: a lifecycle
// workflow runs only while its entity grants something and has a change
// ahead, and a membership written before its member granted nothing yet.
// These lifecycle pokes carry no instant, so each lifecycle delivers to
// everyone it names.
func memberWritePokes(ctx context.Context, tx pgx.Tx, w EntityWrite, prev *Entity) ([]Poke, error) {
	team, primary, err := memberHolders(w.Body)
	if err != nil {
		return nil, err
	}
	c := memberChange{orgID: w.OrgID, id: w.ID, team: team, primary: primary, reason: string(w.Kind) + " " + w.ID + " changed"}
	teams, changed, err := memberTeams(w.Body, prev)
	if err != nil {
		return nil, err
	}
	if prev == nil || changed {
		c.sourcesOfTeams = append([]string{}, teams...) // not nil: look for sources
	}
	return c.pokes(ctx, tx)
}

// memberTeams returns the teams a member's new and stored bodies name, and
// whether its team or primary member changed.
func memberTeams(body json.RawMessage, prev *Entity) ([]string, bool, error) {
	team, primary, err := memberHolders(body)
	if err != nil || prev == nil {
		return nonEmpty(team), false, err
	}
	prevTeam, prevPrimary, err := memberHolders(prev.Body)
	if err != nil {
		return nil, false, err
	}
	return nonEmpty(team, prevTeam), team != prevTeam || primary != prevPrimary, nil
}

// memberHolders reads a member body's team and primary member.
func memberHolders(body json.RawMessage) (team, primary string, err error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return "", "", fmt.Errorf("store: member body: %w", err)
	}
	if team, err = stringField(fields, memberTeamColumn); err != nil {
		return "", "", err
	}
	primary, err = stringField(fields, memberPrimaryColumn)
	return team, primary, err
}

// nonEmpty returns ss without empty strings.
func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// AnalyzeEntities refreshes Postgres's statistics of the entities table
// (after a bulk load, so its lookups are planned for its real size).
func (s *Store) AnalyzeEntities(ctx context.Context) error {
	if _, err := s.db.Exec(ctx, `analyze entities`); err != nil {
		return fmt.Errorf("store: analyze entities: %w", err)
	}
	return nil
}

// GetEntity returns one entity, or ErrNotFound.
func (s *Store) GetEntity(ctx context.Context, orgID string, kind access.Kind, id string) (Entity, error) {
	e, err := scanEntity(s.db.QueryRow(ctx, `select `+entityColumns+` from entities
		where org_id = $1 and kind = $2 and id = $3`, cachedPlan, orgID, kind, id))
	if err != nil {
		return Entity{}, fmt.Errorf("store: get %s %s: %w", kind, id, err)
	}
	return e, nil
}

func lockEntity(ctx context.Context, tx pgx.Tx, orgID string, kind access.Kind, id string) (Entity, error) {
	return scanEntity(tx.QueryRow(ctx, `select `+entityColumns+` from entities
		where org_id = $1 and kind = $2 and id = $3 for update`, cachedPlan, orgID, kind, id))
}

// lockForWrite locks the row of the entity w writes and, when there is
// none, takes its tombstone out, in one statement: the stored entity (nil
// when there is none), and the version it was deleted at (nil: never
// deleted, or deleted without a version, or stored).
func lockForWrite(ctx context.Context, tx pgx.Tx, w EntityWrite) (*Entity, *int64, error) {
	var (
		e       Entity
		found   bool
		deleted *int64
	)
	err := tx.QueryRow(ctx, `
		with stored as (
			select org_id, kind, id, body, version, updated_at, coalesce(source, '') as source, coalesce(source_id, '') as source_id
			from entities where org_id = $1 and kind = $2 and id = $3 for update),
		tombstone as (
			delete from entity_tombstones where org_id = $1 and kind = $2 and id = $3 and not exists (select from stored)
			returning version)
		select s.org_id is not null, coalesce(s.org_id, ''), coalesce(s.kind, ''), coalesce(s.id, ''), s.body, s.version,
			coalesce(s.updated_at, 'epoch'), coalesce(s.source, ''), coalesce(s.source_id, ''), (select version from tombstone)
		from (values (1)) as one left join stored as s on true`,
		cachedPlan, w.OrgID, w.Kind, w.ID).Scan(&found, &e.OrgID, &e.Kind, &e.ID, &e.Body, &e.Version, &e.UpdatedAt, &e.Source, &e.SourceID, &deleted)
	if err != nil {
		return nil, nil, fmt.Errorf("store: lock %s %s: %w", w.Kind, w.ID, err)
	}
	if !found {
		return nil, deleted, nil
	}
	return &e, nil, nil
}

func scanEntity(row pgx.Row) (Entity, error) {
	var e Entity
	err := row.Scan(&e.OrgID, &e.Kind, &e.ID, &e.Body, &e.Version, &e.UpdatedAt, &e.Source, &e.SourceID)
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

// updateEntity replaces an entity whose row the transaction has locked. A
// write without a version keeps the stored one.
func updateEntity(ctx context.Context, tx pgx.Tx, w EntityWrite) (Entity, error) {
	e, err := scanEntity(tx.QueryRow(ctx, `
		update entities set body = $4, version = coalesce($5, version), emails = $6, updated_at = now(),
			source = coalesce($7, source), source_id = case when $7::text is null then source_id else $8 end
		where org_id = $1 and kind = $2 and id = $3
		returning `+entityColumns,
		cachedPlan, w.OrgID, w.Kind, w.ID, w.Body, w.Version, emailsOf(w), sourceOf(w), sourceIDOf(w)))
	if err != nil {
		return Entity{}, fmt.Errorf("store: put %s %s: %w", w.Kind, w.ID, err)
	}
	return e, nil
}

// insertEntity creates an entity at version (lockForWrite has taken out
// its tombstone). If a concurrent write created it first (committing while this one waited
// on it), nothing is written and errCreatedMeanwhile has the transaction
// retried, which then checks this write against that one under the row
// lock, as any update.
func insertEntity(ctx context.Context, tx pgx.Tx, w EntityWrite, version *int64) (Entity, error) {
	e, err := scanEntity(tx.QueryRow(ctx, `
		insert into entities (org_id, kind, id, body, version, emails, source, source_id) values ($1, $2, $3, $4, $5, $6, $7, $8)
		on conflict (org_id, kind, id) do nothing
		returning `+entityColumns,
		cachedPlan, w.OrgID, w.Kind, w.ID, w.Body, version, emailsOf(w), sourceOf(w), sourceIDOf(w)))
	if errors.Is(err, ErrNotFound) {
		return Entity{}, fmt.Errorf("store: put %s %s: %w", w.Kind, w.ID, errCreatedMeanwhile)
	}
	if err != nil {
		return Entity{}, fmt.Errorf("store: put %s %s: %w", w.Kind, w.ID, err)
	}
	return e, nil
}

// errCreatedMeanwhile means another transaction created the entity a
// write was creating; inWriteTx retries the write.
var errCreatedMeanwhile = errors.New("created meanwhile")

func emailsOf(w EntityWrite) []string {
	if w.Emails == nil {
		return []string{}
	}
	return w.Emails
}

// sourceOf is w's source for the entities table: null without one, which
// keeps the stored source on an update.
func sourceOf(w EntityWrite) *string {
	if w.Source == "" {
		return nil
	}
	return &w.Source
}

// sourceIDOf is w's source id (null without a source or an id).
func sourceIDOf(w EntityWrite) *string {
	if w.Source == "" || w.SourceID == "" {
		return nil
	}
	return &w.SourceID
}

// createVersion refuses a write of a deleted entity at or below the
// version it was deleted at, and returns the version to create it at: the
// write's, or for a write without one, the tombstone's (as an unversioned
// update keeps the stored version), so a late older write is still
// refused afterwards.
func createVersion(w EntityWrite, deleted *int64) (*int64, error) {
	switch {
	case deleted == nil:
		return w.Version, nil
	case w.Version == nil:
		return deleted, nil
	case *w.Version <= *deleted:
		return nil, fmt.Errorf("store: %s %s version %d is not newer than the version %d it was deleted at: %w",
			w.Kind, w.ID, *w.Version, *deleted, ErrDeletedVersion)
	}
	return w.Version, nil
}

// keepTombstone records the version a deleted entity had, if any (without
// one there is nothing to order later writes by). Tombstones are never
// pruned: one small row per deleted entity, read only by key, is cheap,
// and forgetting one would let a late write re-grant access.
func keepTombstone(ctx context.Context, tx pgx.Tx, deleted Entity) error {
	if deleted.Version == nil {
		return nil
	}
	_, err := tx.Exec(ctx, `insert into entity_tombstones (org_id, kind, id, version) values ($1, $2, $3, $4)
		on conflict (org_id, kind, id) do update set version = greatest(entity_tombstones.version, excluded.version),
			deleted_at = now()`, deleted.OrgID, deleted.Kind, deleted.ID, *deleted.Version)
	if err != nil {
		return fmt.Errorf("store: tombstone of %s %s: %w", deleted.Kind, deleted.ID, err)
	}
	return nil
}

// raiseVersion records a newer version of an unchanged body, so a late
// older write is still refused; nothing else changes and nothing is poked.
func raiseVersion(ctx context.Context, tx pgx.Tx, stored Entity, v *int64) (Entity, error) {
	if v == nil || (stored.Version != nil && *v <= *stored.Version) {
		return stored, nil
	}
	e, err := scanEntity(tx.QueryRow(ctx, `update entities set version = $4 where org_id = $1 and kind = $2 and id = $3
		returning `+entityColumns, stored.OrgID, stored.Kind, stored.ID, *v))
	if err != nil {
		return Entity{}, fmt.Errorf("store: raise version of %s %s: %w", stored.Kind, stored.ID, err)
	}
	return e, nil
}

// SameBody reports whether body says what e's body says (JSON compared by
// value).
func (e Entity) SameBody(body json.RawMessage) bool { return jsonEqual(e.Body, body) }

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
	return pgx.BeginFunc(ctx, s.db, fn)
}

// inWriteTx is inTx for writes that take reach locks: a deadlock Postgres
// broke (two writes locking in another order: rows, then keys), or a
// create another write beat (errCreatedMeanwhile), is retried a few times.
func (s *Store) inWriteTx(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.inTx(ctx, fn)
		var pgErr *pgconn.PgError
		deadlock := errors.As(err, &pgErr) && pgErr.Code == "40P01"
		if attempt == writeAttempts || !(deadlock || errors.Is(err, errCreatedMeanwhile)) {
			return err
		}
	}
}

// writeAttempts bounds inWriteTx's tries.
const writeAttempts = 5
