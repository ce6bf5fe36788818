package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultHoldExpiresAfter is how long a hold waits for an operator when
// the org's removal_guard does not say.
const DefaultHoldExpiresAfter = 72 * time.Hour

// ExpiresAfter is how long a pending hold waits for an operator before it
// expires (DefaultHoldExpiresAfter when unset).
func (g RemovalGuard) ExpiresAfter() time.Duration {
	if g.HoldExpiresAfter <= 0 {
		return DefaultHoldExpiresAfter
	}
	return g.HoldExpiresAfter
}

// ActionExpireHold is the audit action of a hold that expired undecided.
const ActionExpireHold = "expire_hold"

// HoldExpiry selects the pending holds to expire: an org's held before
// HeldBefore, in one group when SiteID and GroupID are set. Trigger is
// the audit rows' (what noticed the expiry).
type HoldExpiry struct {
	OrgID, SiteID, GroupID string
	HeldBefore             time.Time
	Trigger                string
}

// ExpireHolds moves the pending holds e selects to expired and audits each
// (expire_hold, result "expired"), in one transaction; it returns them. It
// changes nothing in Salto KS: their removals stay unmade until an
// operator decides.
func (s *Store) ExpireHolds(ctx context.Context, e HoldExpiry) ([]Hold, error) {
	var out []Hold
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `update removal_holds set status = 'expired', expired_at = now()
			where org_id = $1 and status = 'pending' and created_at < $2
			and ($3 = '' or (site_id = $3 and group_id = $4)) returning `+holdColumns,
			e.OrgID, e.HeldBefore, e.SiteID, e.GroupID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Hold, error) { return s.scanHold(r) })
		if err != nil {
			return err
		}
		for _, h := range out {
			if err := insertAudit(ctx, tx, e.OrgID, holdExpiryAudit(h, e.Trigger)); err != nil {
				return err
			}
			if _, err := queueEvent(ctx, tx, NewEvent(e.OrgID, EventHoldExpired, holdEventData(h)), ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: expire holds: %w", err)
	}
	return out, nil
}

// holdExpiryAudit is the audit row of an expired hold: its problem as the
// error, and the hold, its removals and when it was held as the reason.
func holdExpiryAudit(h Hold, trigger string) AuditEntry {
	reason, _ := json.Marshal(struct {
		HoldID   string    `json:"hold_id"`
		Removals int       `json:"removals"`
		HeldAt   time.Time `json:"held_at"`
	}{h.ID, len(h.Remove), h.CreatedAt})
	return AuditEntry{Action: ActionExpireHold, SiteID: h.SiteID, GroupID: h.GroupID, Reason: reason, Trigger: trigger,
		RunID: h.RunID, Result: HoldExpired, Error: h.Problem()}
}

// Problem says what an expired hold leaves undone; "" for any other hold.
func (h Hold) Problem() string {
	if h.Status != HoldExpired {
		return ""
	}
	return fmt.Sprintf("the hold expired undecided: its %d removal(s) from access group %s on site %s are not made "+
		"until an operator approves (or rejects) it", len(h.Remove), h.GroupID, h.SiteID)
}

// ExpiredHoldUsers are the Salto KS users (platform user ids) whose removal
// from a group an expired hold keeps back, each with the hold's id.
func (s *Store) ExpiredHoldUsers(ctx context.Context, orgID, siteID, groupID string) (map[string]string, error) {
	rows, err := s.db.Query(ctx, holdSelect+` where org_id = $1 and site_id = $2 and group_id = $3 and status = 'expired'
		order by created_at, id`, orgID, siteID, groupID)
	if err != nil {
		return nil, fmt.Errorf("store: expired holds: %w", err)
	}
	holds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Hold, error) { return s.scanHold(r) })
	if err != nil {
		return nil, fmt.Errorf("store: expired holds: %w", err)
	}
	out := map[string]string{}
	for _, h := range holds {
		for _, r := range h.Remove {
			out[r.SaltoUserID] = h.ID
		}
	}
	return out, nil
}

// OpenHolds lists an org's holds awaiting a decision, pending or expired,
// oldest first.
func (s *Store) OpenHolds(ctx context.Context, orgID string) ([]Hold, error) {
	rows, err := s.db.Query(ctx, holdSelect+` where org_id = $1 and status in ('pending', 'expired')
		order by created_at, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: holds: %w", err)
	}
	holds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Hold, error) { return s.scanHold(r) })
	if err != nil {
		return nil, fmt.Errorf("store: holds: %w", err)
	}
	return holds, nil
}

// HoldEvent is the data of hold.created and hold.expired events.
type HoldEvent struct {
	HoldID    string    `json:"hold_id"`
	SiteID    string    `json:"site_id"`
	GroupID   string    `json:"group_id"`
	Removals  int       `json:"removals"`
	Members   int       `json:"members"`
	RunID     string    `json:"run_id,omitempty"`
	HeldAt    time.Time `json:"held_at,omitzero"`
	ExpiredAt time.Time `json:"expired_at,omitzero"`
	Problem   string    `json:"problem,omitempty"`
}

func holdEventData(h Hold) HoldEvent {
	e := HoldEvent{HoldID: h.ID, SiteID: h.SiteID, GroupID: h.GroupID, Removals: len(h.Remove), Members: h.Members,
		RunID: h.RunID, HeldAt: h.CreatedAt, Problem: h.Problem()}
	if h.ExpiredAt != nil {
		e.ExpiredAt = *h.ExpiredAt
	}
	return e
}
