package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// OrgOverview is what the console's overview shows that no API answers
// yet: how many people doorsync gives access in Salto KS, and the last
// reconciliation run (not a dry run) with its drift.
type OrgOverview struct {
	PeopleWithAccess int
	LastRun          *RunOverview
	// LastRevocation is the latest timed removal: when it was recorded and
	// how long after it fell due (as doorsync_revocation_lateness_seconds).
	LastRevocation *Revocation
}

// Revocation is a timed removal's lateness.
type Revocation struct {
	At   time.Time
	Late time.Duration
}

// RunOverview is a run and the drift its plan found.
type RunOverview struct {
	ID, Status, Trigger string
	StartedAt           time.Time
	FinishedAt          *time.Time
	Add, Remove, Held   int
}

// Overview reads an org's OrgOverview.
func (s *Store) Overview(ctx context.Context, orgID string) (OrgOverview, error) {
	var o OrgOverview
	if err := s.db.QueryRow(ctx, `select count(distinct person) from applied_access where org_id = $1`, orgID).
		Scan(&o.PeopleWithAccess); err != nil {
		return o, fmt.Errorf("store: overview: people with access: %w", err)
	}
	var rv Revocation
	err := s.db.QueryRow(ctx, `select at, greatest(0, extract(epoch from at - due_at))::float8 * interval '1 second'
		from audit_log where org_id = $1 and action = 'remove' and due_at is not null order by id desc limit 1`, orgID).
		Scan(&rv.At, &rv.Late)
	switch {
	case err == nil:
		o.LastRevocation = &rv
	case !errors.Is(err, pgx.ErrNoRows):
		return o, fmt.Errorf("store: overview: last revocation: %w", err)
	}
	var r RunOverview
	err = s.db.QueryRow(ctx, `select r.id, r.status, r.trigger, r.started_at, r.finished_at,
			coalesce(sum(jsonb_array_length(coalesce(g->'add', '[]'))), 0),
			coalesce(sum(jsonb_array_length(coalesce(g->'remove', '[]'))), 0),
			count(*) filter (where (g->>'held')::boolean)
		from (select * from reconcile_runs where org_id = $1 and not dry_run order by started_at desc limit 1) r
		left join lateral jsonb_array_elements(coalesce(r.plan->'groups', '[]')) g on true
		group by r.id, r.status, r.trigger, r.started_at, r.finished_at`, orgID).
		Scan(&r.ID, &r.Status, &r.Trigger, &r.StartedAt, &r.FinishedAt, &r.Add, &r.Remove, &r.Held)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, nil
	}
	if err != nil {
		return o, fmt.Errorf("store: overview: last run: %w", err)
	}
	o.LastRun = &r
	return o, nil
}
