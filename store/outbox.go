package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Poke kinds in the outbox.
const (
	// PokeLifecycle targets a lifecycle workflow: Target is "kind:id".
	PokeLifecycle = "lifecycle"
	// PokeAccess targets a person's access workflow: Target is a person key.
	PokeAccess = "access"
)

// OutboxChannel is the Postgres NOTIFY channel that wakes the relay.
const OutboxChannel = "doorsync_outbox"

// Poke is one queued signal.
type Poke struct {
	ID       int64
	OrgID    string
	Kind     string
	Target   string
	At       time.Time
	Reason   string
	Attempts int
	// Corrupt, when set, is why the poke's payload could not be read. Such
	// a poke must not be sent: ClaimPokes has set it aside (never due
	// again, kept in the outbox with this as its last error).
	Corrupt string
}

type pokePayload struct {
	At     time.Time `json:"at,omitempty"`
	Reason string    `json:"reason,omitempty"`
}

// queuePokes inserts pokes in tx, in one statement that also notifies the
// relay at commit. Held pokes (hold > 0) are due that much later and wake
// no one: the caller releases them (ReleasePokes), or they come due by
// themselves.
func queuePokes(ctx context.Context, tx pgx.Tx, orgID string, pokes []Poke, hold time.Duration) ([]int64, error) {
	if len(pokes) == 0 {
		return nil, nil
	}
	kinds, targets, payloads := make([]string, len(pokes)), make([]string, len(pokes)), make([]string, len(pokes))
	for i, p := range pokes {
		payload, _ := json.Marshal(pokePayload{At: p.At, Reason: p.Reason}) // a time and a string always encode
		kinds[i], targets[i], payloads[i] = p.Kind, p.Target, string(payload)
	}
	var ids []int64
	err := tx.QueryRow(ctx, `
		with queued as (
			insert into outbox (org_id, kind, target, payload, next_attempt_at)
			select $1, k, t, p::jsonb, now() + $5::interval
			from unnest($2::text[], $3::text[], $4::text[]) with ordinality as u(k, t, p, n) order by n
			returning id)
		select array_agg(id order by id), case when $5::interval > '0' then null else pg_notify($6, '') end
		from queued`, orgID, kinds, targets, payloads, hold, OutboxChannel).Scan(&ids, nil)
	if err != nil {
		return nil, fmt.Errorf("store: queue pokes: %w", err)
	}
	return ids, nil
}

// ReleasePokes makes held pokes (queued with a hold) due now and wakes the
// relay; those already due or sent are left as they are.
func (s *Store) ReleasePokes(ctx context.Context, ids []int64) error {
	_, err := s.db.Exec(ctx, `
		with released as (
			update outbox set next_attempt_at = now()
			where id = any($1) and attempts = 0 and next_attempt_at > now()
			returning 1)
		select case when count(*) = 0 then null else pg_notify($2, '') end from released`, ids, OutboxChannel)
	if err != nil {
		return fmt.Errorf("store: release pokes: %w", err)
	}
	return nil
}

// QueuePokes queues pokes outside any other write (e.g. from an activity).
func (s *Store) QueuePokes(ctx context.Context, orgID string, pokes []Poke) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		ids, err = queuePokes(ctx, tx, orgID, pokes, 0)
		return err
	})
	return ids, err
}

// ClaimPokes leases up to limit due pokes (ids, when given, restricts them
// to those): other relays skip them until lease has passed.
//
// Orgs take turns: the batch holds each org's oldest due poke, then each
// one's second, and so on, so one org's large import does not hold back
// another org's poke (see docs/architecture.md, D27). Within an org,
// access pokes come first, oldest first: each finishes a change, while a
// lifecycle poke only leads to more pokes. A poke whose payload cannot be
// read is set aside (see Poke.Corrupt), so it neither wedges the outbox
// nor vanishes.
func (s *Store) ClaimPokes(ctx context.Context, ids []int64, limit int, lease time.Duration) ([]Poke, error) {
	pokes, err := s.claimPokes(ctx, ids, limit, lease)
	if err != nil {
		return nil, err
	}
	for _, p := range pokes {
		if p.Corrupt == "" {
			continue
		}
		if err := s.setPokeAside(ctx, p.ID, "corrupt payload: "+p.Corrupt); err != nil {
			return nil, err
		}
	}
	return pokes, nil
}

func (s *Store) claimPokes(ctx context.Context, ids []int64, limit int, lease time.Duration) ([]Poke, error) {
	rows, err := s.db.Query(ctx, `
		with due as (
			select id, kind, row_number() over (partition by org_id order by kind <> 'access', id) as turn
			from outbox
			where next_attempt_at <= now() and ($1::bigint[] is null or id = any($1))),
		turns as (
			select id, row_number() over (order by turn, kind <> 'access', id) as pos
			from due order by turn, kind <> 'access', id limit $2),
		claimed as (
			update outbox set attempts = attempts + 1, next_attempt_at = now() + $3::interval
			where id in (select id from outbox where id in (select id from turns) for update skip locked)
			returning id, org_id, kind, target, payload, attempts)
		select c.id, c.org_id, c.kind, c.target, c.payload, c.attempts
		from claimed c join turns t using (id) order by t.pos`, nullIfEmpty(ids), limit, lease)
	if err != nil {
		return nil, fmt.Errorf("store: claim pokes: %w", err)
	}
	defer rows.Close()
	var out []Poke
	for rows.Next() {
		var p Poke
		var payload []byte
		if err := rows.Scan(&p.ID, &p.OrgID, &p.Kind, &p.Target, &payload, &p.Attempts); err != nil {
			return nil, err
		}
		var pl pokePayload
		if err := json.Unmarshal(payload, &pl); err != nil {
			p.Corrupt = err.Error()
		}
		p.At, p.Reason = pl.At, pl.Reason
		out = append(out, p)
	}
	return out, rows.Err()
}

// DeletePokes removes pokes that were sent.
func (s *Store) DeletePokes(ctx context.Context, ids []int64) error {
	if _, err := s.db.Exec(ctx, `delete from outbox where id = any($1)`, ids); err != nil {
		return fmt.Errorf("store: delete pokes: %w", err)
	}
	return nil
}

// RetryPokeLater records a failed send and when to try again.
func (s *Store) RetryPokeLater(ctx context.Context, id int64, after time.Duration, lastErr string) error {
	_, err := s.db.Exec(ctx, `update outbox set next_attempt_at = now() + $2::interval, last_error = $3 where id = $1`,
		id, after, lastErr)
	return err
}

// setPokeAside makes a poke never due again, keeping it in the outbox
// (PendingPokes counts it) with why.
func (s *Store) setPokeAside(ctx context.Context, id int64, why string) error {
	if _, err := s.db.Exec(ctx, `update outbox set next_attempt_at = 'infinity', last_error = $2 where id = $1`, id, why); err != nil {
		return fmt.Errorf("store: set poke %d aside: %w", id, err)
	}
	return nil
}

// RetryFailedPokesNow makes every poke whose last send failed due now, for
// when the relay sees Temporal answer again (but none set aside). It
// returns how many.
func (s *Store) RetryFailedPokesNow(ctx context.Context) (int64, error) {
	tag, err := s.db.Exec(ctx, `update outbox set next_attempt_at = now()
		where last_error <> '' and next_attempt_at > now() and next_attempt_at <> 'infinity'`)
	if err != nil {
		return 0, fmt.Errorf("store: retry failed pokes: %w", err)
	}
	return tag.RowsAffected(), nil
}

// PendingPokes counts unsent pokes (for metrics and tests).
func (s *Store) PendingPokes(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `select count(*) from outbox`).Scan(&n)
	return n, err
}

// Forward sends on notified, without blocking, each time channel
// (OutboxChannel, WebhookChannel) is notified, listening again a second
// after the listening connection drops or cannot be had, until ctx ends.
func (s *Store) Forward(ctx context.Context, channel string, notified chan<- struct{}) {
	for ctx.Err() == nil {
		wait, release, err := s.listen(ctx, channel)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		for wait(ctx) == nil {
			select {
			case notified <- struct{}{}:
			default:
			}
		}
		release()
	}
}

// listen holds a connection listening on channel.
func (s *Store) listen(ctx context.Context, channel string) (wait func(context.Context) error, release func(), err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := conn.Exec(ctx, "listen "+channel); err != nil {
		conn.Release()
		return nil, nil, err
	}
	wait = func(ctx context.Context) error {
		_, err := conn.Conn().WaitForNotification(ctx)
		return err
	}
	release = func() { releaseAfter(conn, "unlisten "+channel) }
	return wait, release, nil
}

func nullIfEmpty(ids []int64) []int64 {
	if len(ids) == 0 {
		return nil
	}
	return ids
}
