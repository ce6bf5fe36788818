package saltoconn

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"doorsync/saltoks"
	"doorsync/store"
)

// ErrRepoint means a connection would move the org to another Salto KS
// account (another identity or API host, or another Salto KS user) while
// doorsync has applied access through the current one. Asking to replace
// it revokes that access first.
var ErrRepoint = errors.New("saltoconn: the connection would re-point the org to another Salto KS account")

// What a re-point writes to the audit log: each group membership doorsync
// applied through the old account is removed (result "ok"), or, when the
// old account no longer answers or refuses, left behind there.
const (
	TriggerReplace   = "replace"
	ResultLeftBehind = "left_behind"
)

// replacedReason is the audit reason of a removal made for a re-point.
var replacedReason = json.RawMessage(`{"why":"the Salto KS connection was replaced"}`)

// legacyAccountTimeout bounds asking the old account who it is, for a
// connection stored before its account was recorded.
const legacyAccountTimeout = 10 * time.Second

// save saves conn as the org's connection. A connection to the same
// account (same hosts and Salto KS user: a new password, say) replaces the
// old one at once. One to another account is refused with ErrRepoint while
// doorsync has applied access, unless replace is set; then that access is
// revoked through the old connection (or left behind, audited, where the
// old account does not answer) before the org is switched, and the persons
// it reached are poked so the new account gets their access.
func (m *Manager) save(ctx context.Context, conn store.SaltoConnection, replace bool) error {
	old, err := m.opts.Store.GetSaltoConnection(ctx, conn.OrgID)
	if errors.Is(err, store.ErrNotFound) {
		return m.opts.Store.PutSaltoConnection(ctx, conn)
	}
	if err != nil {
		return err
	}
	if m.sameAccount(ctx, old, conn) {
		return m.opts.Store.PutSaltoConnection(ctx, conn)
	}
	applied, err := m.opts.Store.HasAppliedAccess(ctx, conn.OrgID)
	if err != nil {
		return err
	}
	if applied && !replace {
		return ErrRepoint
	}
	persons, err := m.revokeApplied(ctx, conn.OrgID)
	if err != nil {
		return err
	}
	return m.opts.Store.ReplaceSaltoConnection(ctx, conn, persons)
}

// sameAccount reports whether next logs in to the account old does. For a
// connection stored before its account was recorded, the old account is
// asked who it is; if it does not answer, two password connections with
// the same username are taken for the same account.
func (m *Manager) sameAccount(ctx context.Context, old, next store.SaltoConnection) bool {
	if !sameOrigin(old.IdentityURL, next.IdentityURL) || !sameOrigin(old.APIURL, next.APIURL) {
		return false
	}
	if old.AccountID != "" {
		return old.AccountID == next.AccountID
	}
	ctx, cancel := context.WithTimeout(ctx, legacyAccountTimeout)
	defer cancel()
	if id, err := m.accountOf(ctx, old.OrgID); err == nil {
		return id == next.AccountID
	}
	return old.Mode == ModePassword && next.Mode == ModePassword && strings.EqualFold(old.Username, next.Username)
}

func (m *Manager) accountOf(ctx context.Context, orgID string) (string, error) {
	c, err := m.Client(ctx, orgID)
	if err != nil {
		return "", err
	}
	me, err := c.Me(ctx)
	if err != nil {
		return "", err
	}
	return me.ID, nil
}

// sameOrigin compares two URLs by scheme, host (any case) and path, so a
// trailing slash or a capital letter is not a new account.
func sameOrigin(a, b string) bool {
	ua, errA := url.Parse(strings.TrimRight(a, "/"))
	ub, errB := url.Parse(strings.TrimRight(b, "/"))
	if errA != nil || errB != nil {
		return a == b
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host) && ua.Path == ub.Path
}

// revokeApplied removes, through the org's current connection, every
// group membership doorsync applied, and records each removal. Once the
// old account stops answering (its credentials refused, or unreachable),
// the rest are not tried: each is recorded as left behind. It returns the
// persons whose access was applied.
func (m *Manager) revokeApplied(ctx context.Context, orgID string) ([]string, error) {
	applied, err := m.opts.Store.OrgAppliedAccess(ctx, orgID)
	if err != nil || len(applied) == 0 {
		return nil, err
	}
	client, gone := m.Client(ctx, orgID)
	var persons []string
	for _, ap := range applied {
		if len(persons) == 0 || persons[len(persons)-1] != ap.Person { // ordered by person
			persons = append(persons, ap.Person)
		}
		audit := store.AuditEntry{Action: "remove", Person: ap.Person, SiteID: ap.SiteID, GroupID: ap.GroupID,
			SaltoUserID: ap.UserID, Reason: replacedReason, Trigger: TriggerReplace, Result: "ok"}
		failure := gone
		if failure == nil {
			failure = m.removeOld(ctx, client, orgID, ap)
			if saltoks.IsAuthError(failure) || saltoks.IsRetryable(failure) {
				gone = failure
			}
		}
		if failure != nil {
			audit.Result, audit.Error = ResultLeftBehind, leftBehindReason(failure)
		}
		if err := m.opts.Store.RecordRemoved(ctx, orgID, ap, audit); err != nil {
			return nil, err
		}
	}
	return persons, nil
}

// removeOld takes one applied membership away through the old account,
// under the group's lock (as every removal). A user already out of the
// group is done.
func (m *Manager) removeOld(ctx context.Context, client *saltoks.Client, orgID string, ap store.AppliedGroup) error {
	err := m.opts.Store.WithGroupLock(ctx, orgID, ap.SiteID, ap.GroupID, func() error {
		return client.RemoveGroupMember(ctx, ap.SiteID, ap.GroupID, ap.UserID)
	})
	if saltoks.IsNotFound(err) {
		return nil
	}
	return err
}

// leftBehindReason says, without a secret, why a membership could not be
// removed through the old account.
func leftBehindReason(err error) string {
	if errors.Is(err, ErrNotConnected) {
		return "the old Salto KS connection is gone"
	}
	var r *RefusedError
	if errors.As(refused(err), &r) {
		return "the old Salto KS account did not take the removal: " + r.Reason
	}
	return "the old Salto KS account did not take the removal"
}
