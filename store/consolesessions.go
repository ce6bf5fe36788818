package store

import (
	"context"
	"fmt"
	"time"
)

// ConsoleSession is a signed-in operator console session (migration 021):
// who it acts as (a key's id and role, or the admin), the org it looks at,
// and its CSRF token. The key itself is never kept.
type ConsoleSession struct {
	IDHash    []byte
	CSRFToken string
	Role      string // "operator" or "admin"
	KeyID     string // empty for the admin
	Actor     string // the key's name, or "admin"
	OrgID     string // the key's org, or the org the admin picked
	ExpiresAt time.Time
}

// CreateConsoleSession stores a new session.
func (s *Store) CreateConsoleSession(ctx context.Context, cs ConsoleSession) error {
	_, err := s.db.Exec(ctx, `insert into console_sessions (id_hash, csrf_token, role, key_id, actor, org_id, expires_at)
		values ($1, $2, $3, $4, $5, nullif($6, ''), $7)`, cs.IDHash, cs.CSRFToken, cs.Role, cs.KeyID, cs.Actor, cs.OrgID, cs.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store: create console session: %w", err)
	}
	return nil
}

// TouchConsoleSession returns the unexpired session of idHash and moves its
// expiry to now+idle (sliding idle expiry); ErrNotFound when there is none.
// Expired sessions are deleted on the way.
func (s *Store) TouchConsoleSession(ctx context.Context, idHash []byte, now time.Time, idle time.Duration) (ConsoleSession, error) {
	if _, err := s.db.Exec(ctx, `delete from console_sessions where expires_at <= $1`, now); err != nil {
		return ConsoleSession{}, fmt.Errorf("store: expire console sessions: %w", err)
	}
	cs := ConsoleSession{IDHash: idHash}
	err := s.db.QueryRow(ctx, `update console_sessions set last_seen_at = $2, expires_at = $3
		where id_hash = $1 and expires_at > $2
		returning csrf_token, role, key_id, actor, coalesce(org_id, ''), expires_at`, idHash, now, now.Add(idle)).
		Scan(&cs.CSRFToken, &cs.Role, &cs.KeyID, &cs.Actor, &cs.OrgID, &cs.ExpiresAt)
	if err != nil {
		return ConsoleSession{}, fmt.Errorf("store: console session: %w", notFound(err))
	}
	return cs, nil
}

// SetConsoleSessionOrg points the admin's session at an org.
func (s *Store) SetConsoleSessionOrg(ctx context.Context, idHash []byte, orgID string) error {
	if _, err := s.db.Exec(ctx, `update console_sessions set org_id = $2 where id_hash = $1`, idHash, orgID); err != nil {
		return fmt.Errorf("store: console session org: %w", err)
	}
	return nil
}

// DeleteConsoleSession signs a session out.
func (s *Store) DeleteConsoleSession(ctx context.Context, idHash []byte) error {
	if _, err := s.db.Exec(ctx, `delete from console_sessions where id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("store: delete console session: %w", err)
	}
	return nil
}
