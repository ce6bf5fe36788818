package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// doorsync's own health, as the API's /metrics serves it: each read is one
// statement, bounded by the number of orgs (a per-org lookup through an
// index), never by the size of the audit log or the runs.

// OrgValues are one org's values of a family of health gauges.
type OrgValues struct {
	OrgID  string
	Values []float64
}

func (s *Store) orgValues(ctx context.Context, what, sql string) ([]OrgValues, error) {
	rows, err := s.db.Query(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OrgValues, error) {
		vals := r.RawValues()
		v := OrgValues{Values: make([]float64, len(vals)-1)}
		dest := []any{&v.OrgID}
		for i := range v.Values {
			dest = append(dest, &v.Values[i])
		}
		return v, r.Scan(dest...)
	})
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}

// OldestPendingPokeAge is how long, in seconds by the database's clock,
// the oldest poke the relay still tries to send has waited (0 when none
// waits). Pokes set aside as unreadable are left out: they are never sent
// (doorsync_outbox_corrupt_pokes_total counts them).
func (s *Store) OldestPendingPokeAge(ctx context.Context) (float64, error) {
	var age float64
	err := s.db.QueryRow(ctx, `select coalesce(greatest(0, extract(epoch from clock_timestamp() -
		(select created_at from outbox where next_attempt_at <> 'infinity' order by id limit 1)))::float8, 0)`).Scan(&age)
	if err != nil {
		return 0, fmt.Errorf("store: oldest pending poke: %w", err)
	}
	return age, nil
}

// ProblemPersonsByOrg counts, for every org, the persons with a recorded
// problem (ProblemPersons).
func (s *Store) ProblemPersonsByOrg(ctx context.Context) ([]OrgValues, error) {
	return s.orgValues(ctx, "problem persons by org", `select o.id, count(p.person)::float8 from orgs o
		left join person_status p on p.org_id = o.id and p.last_error <> ''
		group by o.id order by o.id`)
}

// PendingHoldsByOrg counts, for every org, the groups whose removals the
// mass-removal guard holds pending an operator.
func (s *Store) PendingHoldsByOrg(ctx context.Context) ([]OrgValues, error) {
	return s.orgValues(ctx, "pending holds by org", `select o.id, count(h.id)::float8 from orgs o
		left join removal_holds h on h.org_id = o.id and h.status = 'pending'
		group by o.id order by o.id`)
}

// SaltoConnectionStates says, for every org connected to Salto KS, whether
// the connection works: 1 unless talking to Salto KS last failed (its
// last_error, which the next success clears; MarkSaltoResult). Orgs never
// connected are not listed.
func (s *Store) SaltoConnectionStates(ctx context.Context) ([]OrgValues, error) {
	return s.orgValues(ctx, "salto connection states", `select org_id, (case when last_error = '' then 1 else 0 end)::float8
		from salto_connections order by org_id`)
}

// ReconcileDrift gives, for every org with a completed reconciliation run
// that was not a dry run, the latest such run's drift: the changes it
// found (adds and removals) and those it made.
func (s *Store) ReconcileDrift(ctx context.Context) ([]OrgValues, error) {
	return s.orgValues(ctx, "reconcile drift", `select o.id,
			(coalesce((r.summary->>'adds')::int, 0) + coalesce((r.summary->>'removes')::int, 0))::float8,
			coalesce((r.summary->>'applied')::int, 0)::float8
		from orgs o cross join lateral (select summary from reconcile_runs
			where org_id = o.id and status = 'completed' and not dry_run and finished_at is not null
			order by finished_at desc limit 1) r
		order by o.id`)
}

// RevocationLateness gives, for every org, how many seconds after it fell
// due its latest timed removal was recorded (the audit row's at minus its
// due_at; removals without a due instant are left out). Orgs without such
// a removal are not listed.
func (s *Store) RevocationLateness(ctx context.Context) ([]OrgValues, error) {
	return s.orgValues(ctx, "revocation lateness", `select o.id, greatest(0, extract(epoch from a.at - a.due_at))::float8
		from orgs o cross join lateral (select at, due_at from audit_log
			where org_id = o.id and action = 'remove' and due_at is not null
			order by id desc limit 1) a
		order by o.id`)
}
