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

// SaltoIdentity is who a person is on one Salto KS site.
type SaltoIdentity struct {
	Person            string `json:"-"`
	SiteID            string `json:"site_id"`
	SiteUserID        string `json:"site_user_id"`
	UserID            string `json:"user_id"`
	SubscriptionState string `json:"subscription_state"`
	CreatedByDoorsync bool   `json:"-"`
	// TagID and TagNumber are the tag doorsync assigned to the user (one of
	// the member's access cards); empty when it assigned none. A tag the
	// user holds that doorsync did not assign (an adopted user's own, one
	// given by hand) is not recorded here, and doorsync never unassigns it.
	// Rows written before this rule may carry an adopted user's tag_id with
	// an empty tag_number: that is not an assignment of doorsync's either.
	TagID     string `json:"-"`
	TagNumber string `json:"-"`
	// SuspendedByDoorsync is set when doorsync suspended the user because
	// they had no access left (no_access_policy "suspend").
	SuspendedByDoorsync bool `json:"-"`
}

// SaltoIdentities returns a person's identities, by site.
func (s *Store) SaltoIdentities(ctx context.Context, orgID, person string) ([]SaltoIdentity, error) {
	rows, err := s.db.Query(ctx, `select person, site_id, site_user_id, user_id, subscription_state, created_by_doorsync, tag_id, tag_number, suspended_by_doorsync
		from salto_identities where org_id = $1 and person = $2 order by site_id`, orgID, person)
	if err != nil {
		return nil, fmt.Errorf("store: salto identities: %w", err)
	}
	return pgx.CollectRows(rows, scanIdentity)
}

// IdentitiesOnSite maps platform user ids to persons on one site.
func (s *Store) IdentitiesOnSite(ctx context.Context, orgID, siteID string) ([]SaltoIdentity, error) {
	rows, err := s.db.Query(ctx, `select person, site_id, site_user_id, user_id, subscription_state, created_by_doorsync, tag_id, tag_number, suspended_by_doorsync
		from salto_identities where org_id = $1 and site_id = $2`, orgID, siteID)
	if err != nil {
		return nil, fmt.Errorf("store: identities on site: %w", err)
	}
	return pgx.CollectRows(rows, scanIdentity)
}

// IdentitiesOfUser returns the persons behind one platform user id on a
// site (several when guests share a member's e-mail).
func (s *Store) IdentitiesOfUser(ctx context.Context, orgID, siteID, userID string) ([]SaltoIdentity, error) {
	rows, err := s.db.Query(ctx, `select person, site_id, site_user_id, user_id, subscription_state, created_by_doorsync, tag_id, tag_number, suspended_by_doorsync
		from salto_identities where org_id = $1 and site_id = $2 and user_id = $3 order by person`, orgID, siteID, userID)
	if err != nil {
		return nil, fmt.Errorf("store: identities of user: %w", err)
	}
	return pgx.CollectRows(rows, scanIdentity)
}

func scanIdentity(r pgx.CollectableRow) (SaltoIdentity, error) {
	var id SaltoIdentity
	err := r.Scan(&id.Person, &id.SiteID, &id.SiteUserID, &id.UserID, &id.SubscriptionState, &id.CreatedByDoorsync, &id.TagID, &id.TagNumber, &id.SuspendedByDoorsync)
	return id, err
}

// SaveSaltoIdentity records (or updates) a person's identity on a site.
func (s *Store) SaveSaltoIdentity(ctx context.Context, orgID string, id SaltoIdentity) error {
	_, err := s.db.Exec(ctx, `
		insert into salto_identities (org_id, person, site_id, site_user_id, user_id, subscription_state, created_by_doorsync, tag_id, tag_number)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		on conflict (org_id, person, site_id) do update set site_user_id = excluded.site_user_id, user_id = excluded.user_id,
			subscription_state = excluded.subscription_state, tag_id = excluded.tag_id, tag_number = excluded.tag_number,
			updated_at = now()`,
		orgID, id.Person, id.SiteID, id.SiteUserID, id.UserID, id.SubscriptionState, id.CreatedByDoorsync, id.TagID, id.TagNumber)
	if err != nil {
		return fmt.Errorf("store: save salto identity: %w", err)
	}
	return nil
}

// SetAssignedTag records the tag doorsync assigned to a person's user on a
// site (tagID and tagNumber "" once it assigned none), with its audit row
// (nil: none) in one transaction.
func (s *Store) SetAssignedTag(ctx context.Context, orgID, person, siteID, tagID, tagNumber string, audit *AuditEntry) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `update salto_identities set tag_id = $4, tag_number = $5, updated_at = now()
			where org_id = $1 and person = $2 and site_id = $3`, orgID, person, siteID, tagID, tagNumber); err != nil {
			return fmt.Errorf("store: set assigned tag: %w", err)
		}
		if audit == nil {
			return nil
		}
		return insertAudit(ctx, tx, orgID, *audit)
	})
}

// AppliedGroup is a group membership doorsync has made.
type AppliedGroup struct {
	Person    string
	SiteID    string
	GroupID   string
	UserID    string
	AppliedAt time.Time
	// Confirmed is false for an intent: an add doorsync was about to make
	// (RecordIntent) whose outcome is not recorded yet. It counts as
	// applied wherever access is revoked (it may be in Salto KS).
	Confirmed bool
}

// AppliedGroups returns what doorsync has applied for a person.
func (s *Store) AppliedGroups(ctx context.Context, orgID, person string) ([]AppliedGroup, error) {
	return s.queryApplied(ctx, `select person, site_id, group_id, user_id, applied_at, confirmed from applied_access
		where org_id = $1 and person = $2 order by site_id, group_id`, orgID, person)
}

// AppliedInGroup returns what doorsync has applied in one group.
func (s *Store) AppliedInGroup(ctx context.Context, orgID, siteID, groupID string) ([]AppliedGroup, error) {
	return s.queryApplied(ctx, `select person, site_id, group_id, user_id, applied_at, confirmed from applied_access
		where org_id = $1 and site_id = $2 and group_id = $3 order by person`, orgID, siteID, groupID)
}

func (s *Store) queryApplied(ctx context.Context, sql string, args ...any) ([]AppliedGroup, error) {
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("store: applied access: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AppliedGroup, error) {
		var a AppliedGroup
		err := r.Scan(&a.Person, &a.SiteID, &a.GroupID, &a.UserID, &a.AppliedAt, &a.Confirmed)
		return a, err
	})
}

// RecordIntent notes, before the add is asked of Salto KS, that a person
// is about to be put in a group: an unconfirmed applied_access row (a
// write-ahead intent), unless a row is there already (a confirmed one is
// never downgraded). A run killed before RecordApplied leaves it for the
// next apply to settle. It refuses with ErrOrgDeleting, as RecordApplied.
func (s *Store) RecordIntent(ctx context.Context, orgID string, a AppliedGroup) error {
	return s.whileLive(ctx, orgID, "record intent", func(b *pgx.Batch) {
		b.Queue(`insert into applied_access (org_id, person, site_id, group_id, user_id, confirmed)
			select $1, $2, $3, $4, $5, false where `+orgIsLive+` on conflict (org_id, person, site_id, group_id)
			do update set user_id = excluded.user_id where not applied_access.confirmed`,
			orgID, a.Person, a.SiteID, a.GroupID, a.UserID)
	})
}

// DropIntent deletes a person's unconfirmed row in a group (the add it
// announced did not happen); a confirmed row is left alone.
func (s *Store) DropIntent(ctx context.Context, orgID string, a AppliedGroup) error {
	if _, err := s.db.Exec(ctx, `delete from applied_access
		where org_id = $1 and person = $2 and site_id = $3 and group_id = $4 and not confirmed`,
		orgID, a.Person, a.SiteID, a.GroupID); err != nil {
		return fmt.Errorf("store: drop intent: %w", err)
	}
	return nil
}

// RecordApplied notes that a person is now in a group (confirming its
// intent, if any; applied_at becomes now), with its audit row, in one
// transaction. It refuses with
// ErrOrgDeleting (recording nothing) once the org's deletion began: the
// share lock on the org row orders it before or after BeginOrgDeletion, so
// a grant is either seen by the deletion's revocation or refused here, for
// the caller to undo.
func (s *Store) RecordApplied(ctx context.Context, orgID string, a AppliedGroup, audit AuditEntry) error {
	return s.whileLive(ctx, orgID, "record applied", func(b *pgx.Batch) {
		b.Queue(`insert into applied_access (org_id, person, site_id, group_id, user_id) select $1, $2, $3, $4, $5 where `+orgIsLive+`
			on conflict (org_id, person, site_id, group_id) do update set user_id = excluded.user_id, confirmed = true, applied_at = now()`,
			orgID, a.Person, a.SiteID, a.GroupID, a.UserID)
		b.Queue(auditInsert+` where `+orgIsLive, auditArgs(orgID, audit)...)
	})
}

// whileLive sends, in one round trip and one transaction, a share lock on
// the org's row and the statements queue adds, each of which must write
// only where orgIsLive holds: once the org's deletion began (or the org is
// gone) nothing is written and the answer is ErrOrgDeleting. The lock
// orders the writes before or after BeginOrgDeletion, as a transaction
// taking it first would.
func (s *Store) whileLive(ctx context.Context, orgID, what string, queue func(*pgx.Batch)) error {
	b := &pgx.Batch{}
	live := false
	b.Queue(`select deleting_since is null from orgs where id = $1 for share`, orgID).QueryRow(func(row pgx.Row) error {
		if err := row.Scan(&live); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		return nil
	})
	queue(b)
	if err := s.db.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if !live {
		return fmt.Errorf("store: %s: %w", what, ErrOrgDeleting)
	}
	return nil
}

// orgIsLive is whileLive's condition on org $1: it exists and its deletion
// has not begun.
const orgIsLive = `exists (select 1 from orgs where id = $1 and deleting_since is null)`

// lockLiveOrg share-locks the org's row, or fails with ErrOrgDeleting
// when it is gone or its deletion began.
func lockLiveOrg(ctx context.Context, tx pgx.Tx, orgID string) error {
	var live bool
	err := tx.QueryRow(ctx, `select deleting_since is null from orgs where id = $1 for share`, orgID).Scan(&live)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !live) {
		return ErrOrgDeleting
	}
	return err
}

// RecordRemoved notes that a person left a group, with its audit row, in
// one transaction.
func (s *Store) RecordRemoved(ctx context.Context, orgID string, a AppliedGroup, audit AuditEntry) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `delete from applied_access where org_id = $1 and person = $2 and site_id = $3 and group_id = $4`,
			orgID, a.Person, a.SiteID, a.GroupID); err != nil {
			return fmt.Errorf("store: record removed: %w", err)
		}
		return insertAudit(ctx, tx, orgID, audit)
	})
}

// SetPersonProblem records (or with "" clears) a person's failure that
// retrying cannot fix. A problem that appears, changes or clears queues an
// access.problem webhook event in the same transaction.
func (s *Store) SetPersonProblem(ctx context.Context, orgID, person, problem string) error {
	// Writes only what changes: most runs have no problem and had none,
	// and read so without a transaction (the person's access workflow is
	// its only writer).
	var stored string
	if err := s.db.QueryRow(ctx, `select last_error from person_status where org_id = $1 and person = $2`,
		orgID, person).Scan(&stored); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("store: person problem: %w", err)
	}
	if stored == problem {
		return nil
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var prev string
		err := tx.QueryRow(ctx, `select last_error from person_status where org_id = $1 and person = $2 for update`,
			orgID, person).Scan(&prev)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if problem == "" {
				return nil
			}
			tag, err := tx.Exec(ctx, `insert into person_status (org_id, person, last_error, last_error_at)
				values ($1, $2, $3, now()) on conflict (org_id, person) do nothing`, orgID, person, problem)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 { // another run recorded one meanwhile
				if err := tx.QueryRow(ctx, `select last_error from person_status where org_id = $1 and person = $2 for update`,
					orgID, person).Scan(&prev); err != nil {
					return err
				}
				if prev == problem {
					return nil
				}
				if _, err := tx.Exec(ctx, `update person_status set last_error = $3, last_error_at = now(), updated_at = now()
					where org_id = $1 and person = $2`, orgID, person, problem); err != nil {
					return err
				}
			}
		case err != nil:
			return err
		case prev == problem:
			return nil
		case problem == "":
			if _, err := tx.Exec(ctx, `update person_status set last_error = '', last_error_at = null, updated_at = now()
				where org_id = $1 and person = $2`, orgID, person); err != nil {
				return err
			}
		default:
			if _, err := tx.Exec(ctx, `update person_status set last_error = $3, last_error_at = now(), updated_at = now()
				where org_id = $1 and person = $2`, orgID, person, problem); err != nil {
				return err
			}
		}
		_, err = queueEvent(ctx, tx, NewEvent(orgID, EventAccessProblem, ProblemEvent{Person: person, Problem: problem,
			Previous: prev, Cleared: problem == ""}), "")
		return err
	})
	if err != nil {
		return fmt.Errorf("store: person problem: %w", err)
	}
	return nil
}

// ProblemEvent is the data of an access.problem event: the person's
// problem now ("" when it cleared) and before.
type ProblemEvent struct {
	Person   string `json:"person"`
	Problem  string `json:"problem"`
	Previous string `json:"previous"`
	Cleared  bool   `json:"cleared"`
}

// PersonProblemEntry is one person with a problem, and since when.
type PersonProblemEntry struct {
	Person  string
	Problem string
	Since   time.Time
}

// PersonProblems lists an org's persons with a problem by person key, a
// page at a time: those after the key after ("" for the first page).
func (s *Store) PersonProblems(ctx context.Context, orgID, after string, limit int) ([]PersonProblemEntry, error) {
	rows, err := s.db.Query(ctx, `select person, last_error, coalesce(last_error_at, updated_at) from person_status
		where org_id = $1 and last_error <> '' and person > $2 order by person limit $3`, orgID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: person problems: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PersonProblemEntry, error) {
		var e PersonProblemEntry
		err := r.Scan(&e.Person, &e.Problem, &e.Since)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: person problems: %w", err)
	}
	return out, nil
}

// ProblemPersons returns the persons of an org with a recorded problem, by
// person key.
func (s *Store) ProblemPersons(ctx context.Context, orgID string) ([]string, error) {
	rows, err := s.db.Query(ctx, `select person from person_status where org_id = $1 and last_error <> '' order by person`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: problem persons: %w", err)
	}
	persons, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: problem persons: %w", err)
	}
	return persons, nil
}

// PersonProblem returns a person's recorded problem ("" when none).
func (s *Store) PersonProblem(ctx context.Context, orgID, person string) (string, error) {
	var p string
	err := s.db.QueryRow(ctx, `select last_error from person_status where org_id = $1 and person = $2`, orgID, person).Scan(&p)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return p, err
}

// AuditEntry is one audited change.
type AuditEntry struct {
	ID          int64           `json:"-"`
	At          time.Time       `json:"at"`
	Action      string          `json:"action"`
	Person      string          `json:"person"`
	SiteID      string          `json:"site_id"`
	GroupID     string          `json:"group_id"`
	SaltoUserID string          `json:"salto_user_id"`
	Reason      json.RawMessage `json:"reason"`
	Trigger     string          `json:"trigger"`
	WorkflowID  string          `json:"workflow_id"`
	RunID       string          `json:"run_id"`
	Result      string          `json:"result"`
	Error       string          `json:"error"`
	// Actor names who made the change through the API (an API key's name,
	// or "admin"); empty for the changes doorsync makes on its own.
	Actor string `json:"actor"`
	// DueAt, on a removal, is when it was due: the end of the grant window
	// that closed. Zero when no window closed (a deletion, a mapping
	// change): such a removal was due when the write was made. Not in the
	// API's answer; the metrics read it (RevocationLateness).
	DueAt time.Time `json:"-"`
}

// AddAudit appends one audit row.
func (s *Store) AddAudit(ctx context.Context, orgID string, e AuditEntry) error {
	return insertAudit(ctx, s.pool, orgID, e)
}

// execer is a pool or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func insertAudit(ctx context.Context, db execer, orgID string, e AuditEntry) error {
	if _, err := db.Exec(ctx, auditInsert, auditArgs(orgID, e)...); err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// auditInsert inserts the audit entry auditArgs gives ($1 is its org); a
// condition may follow it ("where …").
const auditInsert = `insert into audit_log (org_id, action, person, site_id, group_id, salto_user_id, reason, trigger,
		workflow_id, run_id, result, error, actor, due_at) select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14`

func auditArgs(orgID string, e AuditEntry) []any {
	reason := e.Reason
	if len(reason) == 0 {
		reason = nil
	}
	return []any{orgID, e.Action, e.Person, e.SiteID, e.GroupID, e.SaltoUserID, reason, e.Trigger, e.WorkflowID, e.RunID, e.Result, e.Error,
		e.Actor, nullTime(e.DueAt)}
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	Person  string
	SiteID  string
	GroupID string
	// Result, when set, keeps only entries with this result ("ok",
	// "error", …).
	Result string
	Since  time.Time
	// Before is the cursor: entries with a smaller id.
	Before int64
	Limit  int
}

// Audit returns entries matching f, newest first.
func (s *Store) Audit(ctx context.Context, orgID string, f AuditFilter) ([]AuditEntry, error) {
	rows, err := s.db.Query(ctx, `select `+auditColumns+` from audit_log
		where org_id = $1 and ($2 = '' or person = $2) and ($3 = '' or site_id = $3) and ($4 = '' or group_id = $4)
			and ($5::timestamptz is null or at >= $5) and ($6 = 0 or id < $6) and ($8 = '' or result = $8)
		order by id desc limit $7`,
		orgID, f.Person, f.SiteID, f.GroupID, nullTime(f.Since), f.Before, f.Limit, f.Result)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	return pgx.CollectRows(rows, scanAudit)
}

// LastAudit returns the newest audit entry of a person in a group (groupID
// "" for the person's site-level entries: create_user, adopt_user, tags),
// of one of actions when any are given; ErrNotFound when there is none.
func (s *Store) LastAudit(ctx context.Context, orgID, person, siteID, groupID string, actions ...string) (AuditEntry, error) {
	rows, err := s.db.Query(ctx, `select `+auditColumns+` from audit_log
		where org_id = $1 and person = $2 and site_id = $3 and group_id = $4
			and (coalesce(cardinality($5::text[]), 0) = 0 or action = any($5))
		order by id desc limit 1`,
		orgID, person, siteID, groupID, actions)
	if err != nil {
		return AuditEntry{}, fmt.Errorf("store: last audit: %w", err)
	}
	e, err := pgx.CollectExactlyOneRow(rows, scanAudit)
	if errors.Is(err, pgx.ErrNoRows) {
		return AuditEntry{}, ErrNotFound
	}
	if err != nil {
		return AuditEntry{}, fmt.Errorf("store: last audit: %w", err)
	}
	return e, nil
}

// LastTagAudit returns the newest assign_tag or unassign_tag entry of a
// person on a site about one tag number (the reason's tag_number, compared
// case-insensitively); ErrNotFound when there is none.
func (s *Store) LastTagAudit(ctx context.Context, orgID, person, siteID, tagNumber string) (AuditEntry, error) {
	rows, err := s.db.Query(ctx, `select `+auditColumns+` from audit_log
		where org_id = $1 and person = $2 and site_id = $3 and group_id = ''
			and action in ('assign_tag', 'unassign_tag') and lower(reason->>'tag_number') = lower($4)
		order by id desc limit 1`,
		orgID, person, siteID, tagNumber)
	if err != nil {
		return AuditEntry{}, fmt.Errorf("store: last tag audit: %w", err)
	}
	e, err := pgx.CollectExactlyOneRow(rows, scanAudit)
	if errors.Is(err, pgx.ErrNoRows) {
		return AuditEntry{}, ErrNotFound
	}
	if err != nil {
		return AuditEntry{}, fmt.Errorf("store: last tag audit: %w", err)
	}
	return e, nil
}

// auditColumns are the columns scanAudit reads, in its order.
const auditColumns = `id, at, action, person, site_id, group_id, salto_user_id, reason, trigger,
	workflow_id, run_id, result, error, actor, due_at`

func scanAudit(r pgx.CollectableRow) (AuditEntry, error) {
	var e AuditEntry
	var due *time.Time
	err := r.Scan(&e.ID, &e.At, &e.Action, &e.Person, &e.SiteID, &e.GroupID, &e.SaltoUserID, &e.Reason, &e.Trigger,
		&e.WorkflowID, &e.RunID, &e.Result, &e.Error, &e.Actor, &due)
	if due != nil {
		e.DueAt = *due
	}
	return e, err
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ForgetIdentity drops a person's identity on a site (their Salto KS user
// is gone) and what doorsync believed applied there, so the next apply
// adopts or creates the user afresh.
func (s *Store) ForgetIdentity(ctx context.Context, orgID, person, siteID string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `delete from salto_identities where org_id = $1 and person = $2 and site_id = $3`, orgID, person, siteID); err != nil {
			return fmt.Errorf("store: forget identity: %w", err)
		}
		_, err := tx.Exec(ctx, `delete from applied_access where org_id = $1 and person = $2 and site_id = $3`, orgID, person, siteID)
		return err
	})
}
