package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrOrgDeleting means the org is being deleted: it takes no more writes,
// and nothing is granted through it any more.
var ErrOrgDeleting = errors.New("org is being deleted")

// GuardTripped refuses an org's deletion without force: revoking what
// doorsync applied would remove more from these groups than the org's
// mass-removal guard lets through.
type GuardTripped struct {
	Removals int
	Groups   []GroupRemovals
}

func (e *GuardTripped) Error() string {
	return fmt.Sprintf("the mass-removal guard holds %d removals in %d groups", e.Removals, len(e.Groups))
}

// GroupRemovals is how many Salto KS users an org's deletion removes from
// one group.
type GroupRemovals struct {
	GroupRef
	Users int `json:"users"`
}

// Trips says whether removals from a group of members must be held: at
// least the minimum count and more than the fraction of its members.
func (g RemovalGuard) Trips(removals, members int) bool {
	return removals > 0 && removals >= g.MinCount && float64(removals) > g.MaxFraction*float64(members)
}

// BeginOrgDeletion marks an org as being deleted and returns it. Unless
// force, it first weighs what the deletion revokes (every Salto KS user
// doorsync applied, group by group) against the org's mass-removal guard
// as the real-time path does (the group's members being those doorsync
// applied) and refuses with *GuardTripped, changing nothing. An org already
// being deleted is returned as it is (a repeated request). The org row's
// lock orders the mark after every RecordApplied under way, so what the
// deletion reads afterwards includes them; later ones are refused.
func (s *Store) BeginOrgDeletion(ctx context.Context, orgID string, force bool) (Org, error) {
	var org Org
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `select 1 from orgs where id = $1 for update`, orgID); err != nil {
			return fmt.Errorf("store: lock org %s: %w", orgID, err)
		}
		var err error
		if org, err = s.inside(tx).GetOrg(ctx, orgID); err != nil || org.DeletingSince != nil {
			return err
		}
		if !force {
			if err := guardOrgRemovals(ctx, tx, org); err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, `update orgs set deleting_since = now() where id = $1 returning deleting_since`, orgID).
			Scan(&org.DeletingSince)
	})
	return org, err
}

// guardOrgRemovals returns *GuardTripped when revoking the org's applied
// access trips its guard in any group.
func guardOrgRemovals(ctx context.Context, tx pgx.Tx, org Org) error {
	rows, err := tx.Query(ctx, `select site_id, group_id, count(distinct user_id)::int from applied_access
		where org_id = $1 group by 1, 2 order by 1, 2`, org.ID)
	if err != nil {
		return fmt.Errorf("store: count org %s removals: %w", org.ID, err)
	}
	groups, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (GroupRemovals, error) {
		var g GroupRemovals
		err := r.Scan(&g.SiteID, &g.GroupID, &g.Users)
		return g, err
	})
	if err != nil {
		return err
	}
	tripped := &GuardTripped{}
	for _, g := range groups {
		if org.Settings.RemovalGuard.Trips(g.Users, g.Users) {
			tripped.Groups = append(tripped.Groups, g)
			tripped.Removals += g.Users
		}
	}
	if len(tripped.Groups) > 0 {
		return tripped
	}
	return nil
}

// DeleteOrgData removes an org being deleted and everything it owns: its
// outbox rows here, every other table through its foreign key (api keys,
// the Salto KS connection and OAuth states, the platform connection, entities and tombstones,
// mappings, identities, applied access, audit, runs and holds). An org not
// being deleted is left alone (false); one already gone is done.
func (s *Store) DeleteOrgData(ctx context.Context, orgID string) (bool, error) {
	deleted := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `delete from outbox where org_id = $1`, orgID); err != nil {
			return fmt.Errorf("store: delete org %s outbox: %w", orgID, err)
		}
		tag, err := tx.Exec(ctx, `delete from orgs where id = $1 and deleting_since is not null`, orgID)
		if err != nil {
			return fmt.Errorf("store: delete org %s: %w", orgID, err)
		}
		deleted = tag.RowsAffected() == 1
		return nil
	})
	return deleted, err
}

// ListOrgs returns up to limit orgs with ids after after, by id.
func (s *Store) ListOrgs(ctx context.Context, after string, limit int) ([]Org, error) {
	rows, err := s.db.Query(ctx, `select id from orgs where id > $1 order by id limit $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list orgs: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: list orgs: %w", err)
	}
	orgs := make([]Org, 0, len(ids))
	for _, id := range ids {
		o, err := s.GetOrg(ctx, id)
		if errors.Is(err, ErrNotFound) { // deleted meanwhile
			continue
		}
		if err != nil {
			return nil, err
		}
		orgs = append(orgs, o)
	}
	return orgs, nil
}

// Pruned counts what PruneOrg removed.
type Pruned struct {
	Runs        int
	OAuthStates int
	Deliveries  int
}

// PruneOrg removes an org's reconcile runs that finished before
// finishedBefore, its webhook deliveries made or given up that were
// queued before it, and its OAuth states that expired before now.
func (s *Store) PruneOrg(ctx context.Context, orgID string, finishedBefore, now time.Time) (Pruned, error) {
	var p Pruned
	tag, err := s.db.Exec(ctx, `delete from reconcile_runs where org_id = $1 and status <> 'running' and finished_at < $2`,
		orgID, finishedBefore)
	if err != nil {
		return p, fmt.Errorf("store: prune runs of %s: %w", orgID, err)
	}
	p.Runs = int(tag.RowsAffected())
	tag, err = s.db.Exec(ctx, `delete from salto_oauth_states where org_id = $1 and expires_at < $2`, orgID, now)
	if err != nil {
		return p, fmt.Errorf("store: prune oauth states of %s: %w", orgID, err)
	}
	p.OAuthStates = int(tag.RowsAffected())
	tag, err = s.db.Exec(ctx, `delete from webhook_deliveries where org_id = $1 and status <> 'pending' and created_at < $2`,
		orgID, finishedBefore)
	if err != nil {
		return p, fmt.Errorf("store: prune webhook deliveries of %s: %w", orgID, err)
	}
	p.Deliveries = int(tag.RowsAffected())
	return p, nil
}
