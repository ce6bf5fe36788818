package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ReconcileRun is one reconciliation run.
type ReconcileRun struct {
	ID         string          `json:"run_id"`
	OrgID      string          `json:"-"`
	DryRun     bool            `json:"dry_run"`
	Trigger    string          `json:"trigger"`
	Status     string          `json:"status"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at"`
	Report     json.RawMessage `json:"plan"` // column plan: what the run found (activities.Report)
	Summary    json.RawMessage `json:"summary"`
	Error      string          `json:"error,omitempty"`
}

// StartRun records a run (a retried start keeps the first record).
func (s *Store) StartRun(ctx context.Context, r ReconcileRun) error {
	_, err := s.db.Exec(ctx, `insert into reconcile_runs (id, org_id, dry_run, trigger) values ($1, $2, $3, $4)
		on conflict (id) do nothing`, r.ID, r.OrgID, r.DryRun, r.Trigger)
	if err != nil {
		return fmt.Errorf("store: start run: %w", err)
	}
	return nil
}

// SaveRunReport stores a run's report (in column plan). With a drift that
// found any, it queues a reconcile.drift webhook event in the same
// transaction.
func (s *Store) SaveRunReport(ctx context.Context, orgID, runID string, report any, drift ...RunDrift) error {
	b, err := json.Marshal(report)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `update reconcile_runs set plan = $3 where org_id = $1 and id = $2`, orgID, runID, b); err != nil {
			return err
		}
		for _, d := range drift {
			if d.Counts.Add+d.Counts.Remove+d.Counts.Held+d.Counts.Problem == 0 {
				continue
			}
			d.RunID = runID
			if _, err := queueEvent(ctx, tx, NewEvent(orgID, EventReconcileDrift, d), ""); err != nil {
				return err
			}
		}
		return nil
	})
}

// RunDrift is the data of a reconcile.drift event: what a run found, by
// kind (persons to add, to remove, groups held, groups with a problem).
type RunDrift struct {
	RunID   string `json:"run_id"`
	Trigger string `json:"trigger,omitempty"`
	Groups  int    `json:"groups"`
	Counts  struct {
		Add     int `json:"add"`
		Remove  int `json:"remove"`
		Held    int `json:"held"`
		Problem int `json:"problem"`
	} `json:"counts"`
}

// FinishRun records a run's outcome.
func (s *Store) FinishRun(ctx context.Context, orgID, runID string, summary any, runErr string) error {
	b, err := json.Marshal(summary)
	if err != nil {
		return err
	}
	status := "completed"
	if runErr != "" {
		status = "failed"
	}
	_, err = s.db.Exec(ctx, `update reconcile_runs set status = $3, summary = $4, error = $5, finished_at = now()
		where org_id = $1 and id = $2`, orgID, runID, status, b, runErr)
	return err
}

// GetRun returns one run, or ErrNotFound.
func (s *Store) GetRun(ctx context.Context, orgID, runID string) (ReconcileRun, error) {
	r := ReconcileRun{ID: runID, OrgID: orgID}
	err := s.db.QueryRow(ctx, `select dry_run, trigger, status, started_at, finished_at, plan, summary, error
		from reconcile_runs where org_id = $1 and id = $2`, orgID, runID).
		Scan(&r.DryRun, &r.Trigger, &r.Status, &r.StartedAt, &r.FinishedAt, &r.Report, &r.Summary, &r.Error)
	if err != nil {
		return r, fmt.Errorf("store: run %s: %w", runID, notFound(err))
	}
	return r, nil
}

// GroupProblems are the problems the org's latest completed
// reconciliation run (dry runs too) recorded on its groups: a group Salto
// KS no longer has, a removal it refused. None before the first run.
func (s *Store) GroupProblems(ctx context.Context, orgID string) (map[GroupRef]string, error) {
	var report []byte
	err := s.db.QueryRow(ctx, `select plan from reconcile_runs where org_id = $1 and status = 'completed' and plan is not null
		order by started_at desc limit 1`, orgID).Scan(&report)
	if errors.Is(err, pgx.ErrNoRows) {
		return map[GroupRef]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: group problems: %w", err)
	}
	var p struct {
		Groups []struct {
			GroupRef
			Problem string `json:"problem"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(report, &p); err != nil {
		return nil, fmt.Errorf("store: group problems: report: %w", err)
	}
	out := map[GroupRef]string{}
	for _, g := range p.Groups {
		if g.Problem != "" {
			out[g.GroupRef] = g.Problem
		}
	}
	return out, nil
}

// HeldRemoval is one removal a hold keeps back.
type HeldRemoval struct {
	SaltoUserID string `json:"salto_user_id"`
	Person      string `json:"person,omitempty"`
}

// Hold is a group's held removals.
type Hold struct {
	ID        string        `json:"id"`
	OrgID     string        `json:"-"`
	SiteID    string        `json:"site_id"`
	GroupID   string        `json:"group_id"`
	Status    string        `json:"status"`
	RunID     string        `json:"run_id,omitempty"`
	Remove    []HeldRemoval `json:"remove"`
	Members   int           `json:"members"`
	CreatedAt time.Time     `json:"held_at"`
	DecidedAt *time.Time    `json:"decided_at,omitempty"`
	// ExpiredAt is when the hold expired undecided (status HoldExpired, or
	// decided after it expired); nil otherwise.
	ExpiredAt *time.Time `json:"expired_at,omitempty"`
}

// Hold statuses.
const (
	HoldPending  = "pending"
	HoldApproved = "approved"
	HoldRejected = "rejected"
	HoldApplied  = "applied"
	// HoldExpired is a hold no operator decided within the org's
	// removal_guard.hold_expires_after: its removals stay unmade (and are
	// not held anew), the group's other removals no longer wait for it,
	// and an operator may still approve or reject it.
	HoldExpired = "expired"
)

// approvalLifetime is how long an approved hold lets removals through.
const approvalLifetime = 24 * time.Hour

// PendingHold returns a group's pending hold, or ErrNotFound.
func (s *Store) PendingHold(ctx context.Context, orgID, siteID, groupID string) (Hold, error) {
	return s.scanHold(s.db.QueryRow(ctx, holdSelect+` where org_id = $1 and site_id = $2 and group_id = $3
		and status = 'pending'`, orgID, siteID, groupID))
}

// RemovalApproved says whether an approved hold still in force covers
// removing user from the group.
func (s *Store) RemovalApproved(ctx context.Context, orgID, siteID, groupID, userID string) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `select exists(select 1 from removal_holds where org_id = $1 and site_id = $2
		and group_id = $3 and status = 'approved' and decided_at > now() - $5::interval
		and plan @> jsonb_build_array(jsonb_build_object('salto_user_id', $4::text)))`,
		orgID, siteID, groupID, userID, approvalLifetime).Scan(&ok)
	return ok, err
}

// RemovalHeldOnSite says whether a pending or expired hold of a group on
// the site keeps back removing the Salto KS user (platform user id) from it.
func (s *Store) RemovalHeldOnSite(ctx context.Context, orgID, siteID, userID string) (bool, error) {
	var held bool
	err := s.db.QueryRow(ctx, `select exists(select 1 from removal_holds where org_id = $1 and site_id = $2
		and status in ('pending', 'expired') and plan @> jsonb_build_array(jsonb_build_object('salto_user_id', $3::text)))`,
		orgID, siteID, userID).Scan(&held)
	if err != nil {
		return false, fmt.Errorf("store: held removals: %w", err)
	}
	return held, nil
}

// GetHold returns one hold, or ErrNotFound.
func (s *Store) GetHold(ctx context.Context, orgID, id string) (Hold, error) {
	return s.scanHold(s.db.QueryRow(ctx, holdSelect+` where org_id = $1 and id = $2`, orgID, id))
}

const (
	holdColumns = `id, org_id, site_id, group_id, status, run_id, plan, members, created_at, decided_at, expired_at`
	holdSelect  = `select ` + holdColumns + ` from removal_holds`
)

func (s *Store) scanHold(row pgx.Row) (Hold, error) {
	var h Hold
	var remove []byte // column plan
	err := row.Scan(&h.ID, &h.OrgID, &h.SiteID, &h.GroupID, &h.Status, &h.RunID, &remove, &h.Members, &h.CreatedAt, &h.DecidedAt,
		&h.ExpiredAt)
	if err != nil {
		return h, fmt.Errorf("store: hold: %w", notFound(err))
	}
	return h, json.Unmarshal(remove, &h.Remove)
}

// HoldRemovals opens (or, if the group has a pending hold, extends) a hold
// on a group's removals. It returns the hold and whether each removal was
// newly held.
func (s *Store) HoldRemovals(ctx context.Context, h Hold) (Hold, bool, error) {
	var added bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		existing, err := s.scanHold(tx.QueryRow(ctx, holdSelect+` where org_id = $1 and site_id = $2 and group_id = $3
			and status = 'pending' for update`, h.OrgID, h.SiteID, h.GroupID))
		if errors.Is(err, ErrNotFound) {
			added = true
			if err := insertHold(ctx, tx, h); err != nil {
				return err
			}
			_, err := queueEvent(ctx, tx, NewEvent(h.OrgID, EventHoldCreated, holdEventData(h)), "")
			return err
		}
		if err != nil {
			return err
		}
		merged, grew := mergeRemovals(existing.Remove, h.Remove)
		added = grew
		existing.Remove, existing.Members = merged, max(existing.Members, h.Members)
		if h.RunID != "" {
			existing.RunID = h.RunID
		}
		b, _ := json.Marshal(existing.Remove)
		_, err = tx.Exec(ctx, `update removal_holds set plan = $2, members = $3, run_id = $4 where id = $1`,
			existing.ID, b, existing.Members, existing.RunID)
		h = existing
		return err
	})
	return h, added, err
}

func insertHold(ctx context.Context, tx pgx.Tx, h Hold) error {
	b, _ := json.Marshal(h.Remove)
	_, err := tx.Exec(ctx, `insert into removal_holds (id, org_id, site_id, group_id, status, run_id, plan, members)
		values ($1, $2, $3, $4, 'pending', $5, $6, $7)`, h.ID, h.OrgID, h.SiteID, h.GroupID, h.RunID, b, h.Members)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("store: the group got a pending hold meanwhile: %w", ErrConflict)
	}
	return err
}

func mergeRemovals(old, more []HeldRemoval) ([]HeldRemoval, bool) {
	seen := map[string]bool{}
	for _, r := range old {
		seen[r.SaltoUserID] = true
	}
	grew := false
	for _, r := range more {
		if !seen[r.SaltoUserID] {
			old, seen[r.SaltoUserID], grew = append(old, r), true, true
		}
	}
	return old, grew
}

// HoldDecision is an approval or a rejection of a hold, and who made it.
type HoldDecision struct {
	// Status is HoldApproved or HoldRejected.
	Status string
	// Actor is the API key's name, or "admin"; KeyID the key's id (empty
	// for the admin token).
	Actor string
	KeyID string
}

// Audit rows of hold decisions: the action for each decision, and their
// trigger (an API request).
const (
	ActionApproveHold = "approve_hold"
	ActionRejectHold  = "reject_hold"
	TriggerAPI        = "api"
)

// DecideHold moves a pending (or expired) hold to approved or rejected and
// audits who decided, in one transaction; a hold already decided is
// ErrConflict, an unknown one ErrNotFound.
func (s *Store) DecideHold(ctx context.Context, orgID, id string, d HoldDecision) (Hold, error) {
	var h Hold
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		h, err = s.scanHold(tx.QueryRow(ctx, `update removal_holds set status = $3, decided_at = now()
			where org_id = $1 and id = $2 and status in ('pending', 'expired')
			returning `+holdColumns, orgID, id, d.Status))
		if err != nil {
			return err
		}
		return insertAudit(ctx, tx, orgID, holdDecisionAudit(h, d))
	})
	if errors.Is(err, ErrNotFound) {
		if _, getErr := s.GetHold(ctx, orgID, id); getErr == nil {
			return h, fmt.Errorf("store: hold %s is not pending: %w", id, ErrConflict)
		}
	}
	return h, err
}

// holdDecisionAudit is the audit row of a decided hold: who decided, the
// group, the run that held it and how many removals it held.
func holdDecisionAudit(h Hold, d HoldDecision) AuditEntry {
	action := ActionRejectHold
	if d.Status == HoldApproved {
		action = ActionApproveHold
	}
	reason, _ := json.Marshal(struct {
		HoldID   string `json:"hold_id"`
		Removals int    `json:"removals"`
		KeyID    string `json:"key_id,omitempty"`
	}{h.ID, len(h.Remove), d.KeyID})
	return AuditEntry{Action: action, SiteID: h.SiteID, GroupID: h.GroupID, Reason: reason, Trigger: TriggerAPI,
		RunID: h.RunID, Result: "ok", Actor: d.Actor}
}

// RecentRemovals counts a group's removals made since since (the sliding
// window of the guard), but for those an operator approved: an approved
// hold's removals are no drip.
func (s *Store) RecentRemovals(ctx context.Context, orgID, siteID, groupID string, since time.Time) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `select count(*) from audit_log a where a.org_id = $1 and a.site_id = $2 and a.group_id = $3
		and a.action = 'remove' and a.result = 'ok' and a.at >= $4
		and not exists (select 1 from removal_holds h where h.org_id = a.org_id and h.site_id = a.site_id
			and h.group_id = a.group_id and h.status in ('approved', 'applied')
			and a.at >= h.decided_at and a.at < h.decided_at + $5::interval
			and h.plan @> jsonb_build_array(jsonb_build_object('salto_user_id', a.salto_user_id)))`,
		orgID, siteID, groupID, since, approvalLifetime).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: recent removals: %w", err)
	}
	return n, nil
}

// CountApplied counts the people doorsync has applied in a group.
func (s *Store) CountApplied(ctx context.Context, orgID, siteID, groupID string) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `select count(*) from applied_access where org_id = $1 and site_id = $2 and group_id = $3`,
		orgID, siteID, groupID).Scan(&n)
	return n, err
}

// AppliedGroupsOfOrg returns every group doorsync has applied anyone in.
func (s *Store) AppliedGroupsOfOrg(ctx context.Context, orgID string) ([]GroupRef, error) {
	rows, err := s.db.Query(ctx, `select distinct site_id, group_id from applied_access where org_id = $1 order by 1, 2`, orgID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (GroupRef, error) {
		var g GroupRef
		err := r.Scan(&g.SiteID, &g.GroupID)
		return g, err
	})
}

// Now is the database's clock, the one applied_at is written with.
func (s *Store) Now(ctx context.Context) (time.Time, error) {
	var now time.Time
	if err := s.db.QueryRow(ctx, `select clock_timestamp()`).Scan(&now); err != nil {
		return time.Time{}, fmt.Errorf("store: now: %w", err)
	}
	return now, nil
}

// MemberRemoval is a Salto KS user taken out of a group, as doorsync
// records it.
type MemberRemoval struct {
	SiteID, GroupID string
	// Persons are the doorsync persons behind the user: the removal
	// settles their rows in the group.
	Persons []string
	// Landed: Salto KS removed the user (else it answered 404: the user
	// was not in the group).
	Landed bool
	// Audit is the removal's entry.
	Audit AuditEntry
	// RecoveredAdd is the entry of an add whose outcome was never recorded
	// (a person's row was an intent) and which had landed, for that person.
	RecoveredAdd func(person string) AuditEntry
}

// RecordMemberRemoved records a removal in one transaction: it forgets the
// persons' rows in the group and writes the audit. A landed removal of a
// person whose row was an intent audits the add it found first, so every
// change seen in Salto KS is in the audit log; a 404 where every row was
// an intent (an add that never landed) changed nothing, and writes
// nothing. Nothing is recorded unless all of it is.
func (s *Store) RecordMemberRemoved(ctx context.Context, orgID string, r MemberRemoval) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		found, confirmed := false, false
		for _, person := range r.Persons {
			var wasConfirmed bool
			err := tx.QueryRow(ctx, `delete from applied_access where org_id = $1 and person = $2 and site_id = $3 and group_id = $4
				returning confirmed`, orgID, person, r.SiteID, r.GroupID).Scan(&wasConfirmed)
			if errors.Is(err, pgx.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("store: forget applied: %w", err)
			}
			found, confirmed = true, confirmed || wasConfirmed
			if !wasConfirmed && r.Landed && r.RecoveredAdd != nil {
				if err := insertAudit(ctx, tx, orgID, r.RecoveredAdd(person)); err != nil {
					return err
				}
			}
		}
		if found && !confirmed && !r.Landed {
			return nil
		}
		return insertAudit(ctx, tx, orgID, r.Audit)
	})
}

// ForgetAppliedAndPoke forgets, in one transaction, what doorsync believed
// applied for each person in a group (reconciliation found Salto KS
// without it) and queues a poke of each person's access workflow, so a run
// that fails after forgetting loses none of the pokes that re-add them.
// Only what was applied before listedAt (the database's clock when the
// group was listed) is forgotten: an add recorded since may have landed
// after the listing, and forgetting it would leave doorsync unaware of
// access it must revoke later.
func (s *Store) ForgetAppliedAndPoke(ctx context.Context, orgID, siteID, groupID string, pokes []Poke, listedAt time.Time) error {
	if len(pokes) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		for _, p := range pokes {
			if _, err := tx.Exec(ctx, `delete from applied_access
				where org_id = $1 and person = $2 and site_id = $3 and group_id = $4 and applied_at < $5`,
				orgID, p.Target, siteID, groupID, listedAt); err != nil {
				return fmt.Errorf("store: forget applied: %w", err)
			}
		}
		_, err := queuePokes(ctx, tx, orgID, pokes, 0)
		return err
	})
}

// SetSuspendedByDoorsync records that doorsync suspended (or resubscribed)
// a person's Salto KS user on a site.
func (s *Store) SetSuspendedByDoorsync(ctx context.Context, orgID, person, siteID string, suspended bool, state string) error {
	_, err := s.db.Exec(ctx, `update salto_identities set suspended_by_doorsync = $4, subscription_state = $5, updated_at = now()
		where org_id = $1 and person = $2 and site_id = $3`, orgID, person, siteID, suspended, state)
	return err
}
