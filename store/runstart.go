package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// RunInProgress is why a run was not started: another run (not a dry run)
// of the org is running.
type RunInProgress struct {
	Run ReconcileRun
}

func (e *RunInProgress) Error() string {
	return fmt.Sprintf("store: reconcile run %s of %s is running", e.Run.ID, e.Run.OrgID)
}

// StartRunAlone records a run that changes Salto KS, unless another such
// run of the org is running: then it returns a *RunInProgress naming it.
// Starts of the org's runs through here are serialised, so two at once
// cannot both go ahead.
func (s *Store) StartRunAlone(ctx context.Context, r ReconcileRun) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `select pg_advisory_xact_lock(hashtextextended($1, 0))`, "reconcile-start/"+r.OrgID); err != nil {
			return fmt.Errorf("store: lock run starts: %w", err)
		}
		running, err := s.inside(tx).RunningRun(ctx, r.OrgID)
		if err == nil {
			return &RunInProgress{Run: running}
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		return s.inside(tx).StartRun(ctx, r)
	})
}

// RunningRun returns the org's latest running run that is not a dry run,
// or ErrNotFound.
func (s *Store) RunningRun(ctx context.Context, orgID string) (ReconcileRun, error) {
	r := ReconcileRun{OrgID: orgID}
	err := s.db.QueryRow(ctx, `select id, dry_run, trigger, status, started_at from reconcile_runs
		where org_id = $1 and status = 'running' and not dry_run order by started_at desc limit 1`, orgID).
		Scan(&r.ID, &r.DryRun, &r.Trigger, &r.Status, &r.StartedAt)
	if err != nil {
		return r, fmt.Errorf("store: running run of %s: %w", orgID, notFound(err))
	}
	return r, nil
}
