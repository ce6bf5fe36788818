package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"doorsync/access"
)

// The platform sync's own tables (migration 019): one sync at a time per
// org (platform_sync_runs), what a run read (platform_seen, the mark of
// mark-and-sweep) and the records doorsync refused (platform_problems).
// Entities carry their platform in entities.source.

// ClaimPlatformSync takes the org's sync for run, unless another run holds
// it and renewed it within lease (force takes it anyway); it reports
// whether run holds it now (a run holding it already renews it).
func (s *Store) ClaimPlatformSync(ctx context.Context, orgID, runID string, lease time.Duration, force bool) (bool, error) {
	tag, err := s.db.Exec(ctx, `
		insert into platform_sync_runs (org_id, run_id) values ($1, $2)
		on conflict (org_id) do update set run_id = excluded.run_id, beat_at = now()
		where $4 or platform_sync_runs.run_id = excluded.run_id or platform_sync_runs.beat_at < now() - $3::interval`,
		orgID, runID, lease, force)
	if err != nil {
		return false, fmt.Errorf("store: claim platform sync of %s: %w", orgID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ReleasePlatformSync frees the org's sync if run holds it.
func (s *Store) ReleasePlatformSync(ctx context.Context, orgID, runID string) error {
	if _, err := s.db.Exec(ctx, `delete from platform_sync_runs where org_id = $1 and run_id = $2`, orgID, runID); err != nil {
		return fmt.Errorf("store: release platform sync of %s: %w", orgID, err)
	}
	return nil
}

// MarkPlatformSeen records that run read refs from the platform.
func (s *Store) MarkPlatformSeen(ctx context.Context, orgID, runID string, refs []EntityRef) error {
	if len(refs) == 0 {
		return nil
	}
	kinds, ids := splitRefs(refs)
	_, err := s.db.Exec(ctx, `
		insert into platform_seen (org_id, run_id, kind, id)
		select $1, $2, r.kind, r.id from unnest($3::text[], $4::text[]) as r(kind, id)
		on conflict do nothing`, orgID, runID, kinds, ids)
	if err != nil {
		return fmt.Errorf("store: mark platform records seen: %w", err)
	}
	return nil
}

// UnseenPlatformEntities returns the ids of the org's entities of kind
// from platform that run did not read.
func (s *Store) UnseenPlatformEntities(ctx context.Context, orgID, runID, platform string, kind access.Kind) ([]string, error) {
	rows, err := s.db.Query(ctx, `
		select e.id from entities e
		where e.org_id = $1 and e.source = $2 and e.kind = $3
		  and not exists (select 1 from platform_seen p
		                  where p.org_id = e.org_id and p.run_id = $4 and p.kind = e.kind and p.id = e.id)
		order by e.id`, orgID, platform, string(kind), runID)
	if err != nil {
		return nil, fmt.Errorf("store: unseen %s entities: %w", kind, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unseen %s entities: %w", kind, err)
	}
	return ids, nil
}

// CountPlatformEntities counts the org's entities of kind from platform.
func (s *Store) CountPlatformEntities(ctx context.Context, orgID, platform string, kind access.Kind) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `select count(*) from entities where org_id = $1 and source = $2 and kind = $3`,
		orgID, platform, string(kind)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count %s entities from %s: %w", kind, platform, err)
	}
	return n, nil
}

// PlatformSeenCounts counts what run read, per kind.
func (s *Store) PlatformSeenCounts(ctx context.Context, orgID, runID string) (map[string]int, error) {
	rows, err := s.db.Query(ctx, `select kind, count(*) from platform_seen where org_id = $1 and run_id = $2 group by kind`,
		orgID, runID)
	if err != nil {
		return nil, fmt.Errorf("store: platform seen counts: %w", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var kind string
		var n int
		if err := rows.Scan(&kind, &n); err != nil {
			return nil, fmt.Errorf("store: platform seen counts: %w", err)
		}
		counts[kind] = n
	}
	return counts, rows.Err()
}

// ForgetPlatformRun drops run's marks, and those of runs that never
// finished once they are older than abandonedAfter.
func (s *Store) ForgetPlatformRun(ctx context.Context, orgID, runID string, abandonedAfter time.Duration) error {
	_, err := s.db.Exec(ctx, `delete from platform_seen where org_id = $1 and (run_id = $2 or created_at < now() - $3::interval)`,
		orgID, runID, abandonedAfter)
	if err != nil {
		return fmt.Errorf("store: forget platform run: %w", err)
	}
	return nil
}

// FromPlatform returns those of refs the org holds from platform: a
// deletion the platform reports touches only what it wrote.
func (s *Store) FromPlatform(ctx context.Context, orgID, platform string, refs []EntityRef) ([]EntityRef, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	kinds, ids := splitRefs(refs)
	rows, err := s.db.Query(ctx, `
		select e.kind, e.id from unnest($3::text[], $4::text[]) as r(kind, id)
		join entities e on e.org_id = $1 and e.kind = r.kind and e.id = r.id and e.source = $2`,
		orgID, platform, kinds, ids)
	if err != nil {
		return nil, fmt.Errorf("store: entities from %s: %w", platform, err)
	}
	defer rows.Close()
	var held []EntityRef
	for rows.Next() {
		var r EntityRef
		var kind string
		if err := rows.Scan(&kind, &r.ID); err != nil {
			return nil, fmt.Errorf("store: entities from %s: %w", platform, err)
		}
		r.Kind = access.Kind(kind)
		held = append(held, r)
	}
	return held, rows.Err()
}

// PlatformProblem is a platform record doorsync refused, and why.
type PlatformProblem struct {
	Kind     access.Kind
	ID       string
	SourceID string
	Problem  string
	RunID    string
	SeenAt   time.Time
}

// RecordPlatformProblems records refused records (replacing what was
// recorded of each) and clears the problems of the written ones.
func (s *Store) RecordPlatformProblems(ctx context.Context, orgID string, problems []PlatformProblem, written []EntityRef) error {
	if len(written) > 0 {
		kinds, ids := splitRefs(written)
		if _, err := s.db.Exec(ctx, `delete from platform_problems p using unnest($2::text[], $3::text[]) as r(kind, id)
			where p.org_id = $1 and p.kind = r.kind and p.id = r.id`, orgID, kinds, ids); err != nil {
			return fmt.Errorf("store: clear platform problems: %w", err)
		}
	}
	for _, p := range problems {
		if _, err := s.db.Exec(ctx, `
			insert into platform_problems (org_id, kind, id, source_id, problem, run_id) values ($1, $2, $3, $4, $5, $6)
			on conflict (org_id, kind, id) do update set source_id = excluded.source_id, problem = excluded.problem,
				run_id = excluded.run_id, seen_at = now()`,
			orgID, string(p.Kind), p.ID, p.SourceID, p.Problem, p.RunID); err != nil {
			return fmt.Errorf("store: record platform problem: %w", err)
		}
	}
	return nil
}

// PlatformProblems lists the org's refused platform records, newest first.
func (s *Store) PlatformProblems(ctx context.Context, orgID string) ([]PlatformProblem, error) {
	rows, err := s.db.Query(ctx, `select kind, id, source_id, problem, run_id, seen_at from platform_problems
		where org_id = $1 order by seen_at desc, kind, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: platform problems: %w", err)
	}
	defer rows.Close()
	var out []PlatformProblem
	for rows.Next() {
		var p PlatformProblem
		var kind string
		if err := rows.Scan(&kind, &p.ID, &p.SourceID, &p.Problem, &p.RunID, &p.SeenAt); err != nil {
			return nil, fmt.Errorf("store: platform problems: %w", err)
		}
		p.Kind = access.Kind(kind)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PlatformSyncEvent is the data of the connection.failed and
// connection.restored events a platform sync sends: Connection is
// "platform", so subscribers tell them from Salto KS's.
type PlatformSyncEvent struct {
	Connection string `json:"connection"`
	Platform   string `json:"platform"`
	Error      string `json:"error,omitempty"`
}

// QueuePlatformSyncEvent queues a connection.failed event (a sync whose
// deletions are held: held says why) or, with held "", a
// connection.restored one, for the org's subscribed webhooks.
func (s *Store) QueuePlatformSyncEvent(ctx context.Context, orgID, platform, held string) error {
	typ := EventConnectionFailed
	if held == "" {
		typ = EventConnectionRestored
	}
	_, err := queueEvent(ctx, s.db, NewEvent(orgID, typ, PlatformSyncEvent{Connection: "platform", Platform: platform, Error: held}), "")
	return err
}

func splitRefs(refs []EntityRef) (kinds, ids []string) {
	kinds, ids = make([]string, len(refs)), make([]string, len(refs))
	for i, r := range refs {
		kinds[i], ids[i] = string(r.Kind), r.ID
	}
	return kinds, ids
}

// PlatformGeneration is the generation of the org's platform connection
// (it grows with every reconnection), or ErrNotFound: a sync run reads it
// at its start and stops once it changed, since its cursors, marks and
// watermarks belong to the connection it began with.
func (s *Store) PlatformGeneration(ctx context.Context, orgID string) (int64, error) {
	var gen int64
	err := s.db.QueryRow(ctx, `select generation from platform_connections where org_id = $1`, orgID).Scan(&gen)
	if err != nil {
		return 0, fmt.Errorf("store: platform connection %s: %w", orgID, notFound(err))
	}
	return gen, nil
}

// ForgetTombstones drops the tombstones of entities of kind, so a later
// write of them at the version they were deleted at recreates them: for
// what a sync's sweep deleted because the platform's list lacked it, the
// platform's next listing is the truth (a list that skipped an object
// while it changed pages must not keep it deleted until its next change).
func (s *Store) ForgetTombstones(ctx context.Context, orgID string, kind access.Kind, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.Exec(ctx, `delete from entity_tombstones where org_id = $1 and kind = $2 and id = any($3)`,
		orgID, string(kind), ids)
	if err != nil {
		return fmt.Errorf("store: forget %s tombstones: %w", kind, err)
	}
	return nil
}
