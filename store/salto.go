package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SaltoConnection is an org's Salto KS account link. The *Enc fields are
// sealed values (internal/secrets); the store never sees them in clear.
type SaltoConnection struct {
	OrgID           string
	Mode            string // "password" or "authorization_code"
	IdentityURL     string
	APIURL          string
	ClientID        string
	ClientSecretEnc string
	Username        string
	PasswordEnc     string
	TokenEnc        string
	// AccountID is the Salto KS user the token belongs to (GET /me's id);
	// empty for connections made before it was recorded.
	AccountID string
	// Generation grows on every change of credentials, so cached clients
	// know to rebuild.
	Generation    int64
	LastError     string
	LastErrorAt   *time.Time
	LastSuccessAt *time.Time
	// RateLimit is the org's salto_rate_limit setting (nil: the
	// deployment's default), read with the connection so a client costs
	// one query. It is not written by PutSaltoConnection.
	RateLimit *RateLimit
}

// PutSaltoConnection creates or replaces an org's connection, clearing any
// previous error and giving it a new generation (from a sequence: never
// one a deleted org's connection had). An org being deleted keeps the
// connection its deletion revokes through: ErrOrgDeleting.
//
// A connection that had an error is restored by it: a connection.restored
// webhook event (data "reconnected") is queued in the same transaction.
func (s *Store) PutSaltoConnection(ctx context.Context, c SaltoConnection) error {
	return s.inTx(ctx, func(tx pgx.Tx) error { return putSaltoConnection(ctx, tx, c) })
}

func putSaltoConnection(ctx context.Context, tx pgx.Tx, c SaltoConnection) error {
	ev := NewEvent(c.OrgID, EventConnectionRestored, ConnectionEvent{Reconnected: true})
	queued, err := queueSaltoEvent(ctx, tx, ev, `
		with changed as (
			update salto_connections set last_error = '', last_error_at = null
			where org_id = $1 and last_error <> '' returning org_id, last_error)`, c.OrgID)
	if err != nil {
		return fmt.Errorf("store: put salto connection: %w", err)
	}
	if queued > 0 {
		if _, err := tx.Exec(ctx, `select pg_notify($1, '')`, WebhookChannel); err != nil {
			return fmt.Errorf("store: notify webhooks: %w", err)
		}
	}
	tag, err := tx.Exec(ctx, `
		insert into salto_connections (org_id, mode, identity_url, api_url, client_id, client_secret_enc,
			username, password_enc, token_enc, account_id, last_success_at)
		select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() from orgs where id = $1 and deleting_since is null for share
		on conflict (org_id) do update set mode = excluded.mode, identity_url = excluded.identity_url,
			api_url = excluded.api_url, client_id = excluded.client_id,
			client_secret_enc = excluded.client_secret_enc, username = excluded.username,
			password_enc = excluded.password_enc, token_enc = excluded.token_enc, account_id = excluded.account_id,
			generation = nextval('salto_connection_generations'), last_error = '', last_error_at = null,
			last_success_at = now(), updated_at = now()`,
		c.OrgID, c.Mode, c.IdentityURL, c.APIURL, c.ClientID, c.ClientSecretEnc, c.Username, c.PasswordEnc, c.TokenEnc, c.AccountID)
	if err != nil {
		return fmt.Errorf("store: put salto connection: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: put salto connection of %s: %w", c.OrgID, ErrOrgDeleting)
	}
	return nil
}

// ReplaceSaltoConnection re-points an org to another Salto KS account once
// what doorsync applied through the old one is revoked: in one transaction
// it forgets who the org's people are in Salto KS (those ids belong to the
// old account), stores the connection and pokes persons, so their access
// is applied again through the new account.
func (s *Store) ReplaceSaltoConnection(ctx context.Context, c SaltoConnection, persons []string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `delete from salto_identities where org_id = $1`, c.OrgID); err != nil {
			return fmt.Errorf("store: forget salto identities: %w", err)
		}
		if err := putSaltoConnection(ctx, tx, c); err != nil {
			return err
		}
		pokes := make([]Poke, len(persons))
		for i, p := range persons {
			pokes[i] = Poke{Kind: PokeAccess, Target: p, At: time.Now(), Reason: "salto_connection_replaced"}
		}
		_, err := queuePokes(ctx, tx, c.OrgID, pokes, 0)
		return err
	})
}

// OrgAppliedAccess returns everything doorsync has applied for an org.
func (s *Store) OrgAppliedAccess(ctx context.Context, orgID string) ([]AppliedGroup, error) {
	return s.queryApplied(ctx, `select person, site_id, group_id, user_id, applied_at, confirmed from applied_access
		where org_id = $1 order by person, site_id, group_id`, orgID)
}

// HasAppliedAccess reports whether doorsync has applied any access for an
// org.
func (s *Store) HasAppliedAccess(ctx context.Context, orgID string) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `select exists (select 1 from applied_access where org_id = $1)`, orgID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: has applied access: %w", err)
	}
	return ok, nil
}

// GetSaltoConnection returns an org's connection, or ErrNotFound.
func (s *Store) GetSaltoConnection(ctx context.Context, orgID string) (SaltoConnection, error) {
	c := SaltoConnection{OrgID: orgID}
	err := s.db.QueryRow(ctx, `
		select c.mode, c.identity_url, c.api_url, c.client_id, c.client_secret_enc, c.username, c.password_enc, c.token_enc,
			c.account_id, c.generation, c.last_error, c.last_error_at, c.last_success_at, o.settings->'salto_rate_limit'
		from salto_connections c left join orgs o on o.id = c.org_id where c.org_id = $1`, cachedPlan, orgID).
		Scan(&c.Mode, &c.IdentityURL, &c.APIURL, &c.ClientID, &c.ClientSecretEnc, &c.Username, &c.PasswordEnc,
			&c.TokenEnc, &c.AccountID, &c.Generation, &c.LastError, &c.LastErrorAt, &c.LastSuccessAt, &c.RateLimit)
	if err != nil {
		return SaltoConnection{}, fmt.Errorf("store: salto connection %s: %w", orgID, notFound(err))
	}
	return c, nil
}

// ErrSaltoConnectionChanged means the org's Salto KS connection was
// replaced (its generation moved on) since the caller read it.
var ErrSaltoConnectionChanged = errors.New("store: the Salto KS connection was replaced")

// SaltoToken returns the sealed token of the org's connection at
// generation, or ErrSaltoConnectionChanged if the connection is another
// one now.
func (s *Store) SaltoToken(ctx context.Context, orgID string, generation int64) (string, error) {
	var tokenEnc string
	var current int64
	err := s.db.QueryRow(ctx, `select token_enc, generation from salto_connections where org_id = $1`,
		cachedPlan, orgID).Scan(&tokenEnc, &current)
	if err != nil {
		return "", fmt.Errorf("store: salto token %s: %w", orgID, notFound(err))
	}
	if current != generation {
		return "", ErrSaltoConnectionChanged
	}
	return tokenEnc, nil
}

// UpdateSaltoToken locks the org's connection row (so one process at a
// time renews its token), calls renew with the sealed token stored now and
// stores what renew returns, unless that is the same. It returns the sealed
// token stored at the end. A connection that is not at generation any more
// is ErrSaltoConnectionChanged and renew is not called.
func (s *Store) UpdateSaltoToken(ctx context.Context, orgID string, generation int64,
	renew func(tokenEnc string) (string, error)) (string, error) {
	var stored string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var current int64
		err := tx.QueryRow(ctx, `select token_enc, generation from salto_connections where org_id = $1 for update`,
			orgID).Scan(&stored, &current)
		if err != nil {
			return fmt.Errorf("store: lock salto token %s: %w", orgID, notFound(err))
		}
		if current != generation {
			return ErrSaltoConnectionChanged
		}
		renewed, err := renew(stored)
		if err != nil || renewed == stored {
			return err
		}
		if _, err := tx.Exec(ctx, `update salto_connections set token_enc = $2, updated_at = now() where org_id = $1`,
			orgID, renewed); err != nil {
			return fmt.Errorf("store: save salto token: %w", err)
		}
		stored = renewed
		return nil
	})
	if err != nil {
		return "", err
	}
	return stored, nil
}

// successHeartbeat is how stale last_success_at may grow while Salto KS
// keeps answering. Every ApplyAccess reports a success, and writing each
// one would make the org's single connection row a point every worker
// queues on during an import.
const successHeartbeat = time.Minute

// MarkSaltoResult records the outcome of talking to Salto KS: an empty
// message marks success, anything else the connection's last error. A
// success clears an error at once; with no error to clear it moves
// last_success_at only once successHeartbeat has passed. The first error
// after a success queues a connection.failed webhook event, the success
// clearing it a connection.restored one, in the same statement.
func (s *Store) MarkSaltoResult(ctx context.Context, orgID, errMsg string) error {
	var err error
	if errMsg == "" {
		ev := NewEvent(orgID, EventConnectionRestored, ConnectionEvent{})
		err = s.markSalto(ctx, ev, `
			with changed as (
				update salto_connections set last_error = '', last_error_at = null, last_success_at = now()
				where org_id = $1 and last_error <> '' returning org_id, last_error),
			beat as (
				update salto_connections set last_success_at = now()
				where org_id = $1 and last_error = '' and (last_success_at is null or last_success_at < now() - $2::interval))`,
			cachedPlan, orgID, successHeartbeat)
	} else {
		ev := NewEvent(orgID, EventConnectionFailed, ConnectionEvent{Error: errMsg})
		err = s.markSalto(ctx, ev, `
			with changed as (
				update salto_connections set last_error = $2, last_error_at = now()
				where org_id = $1 and last_error = '' returning org_id, last_error),
			again as (
				update salto_connections set last_error = $2, last_error_at = now()
				where org_id = $1 and last_error <> '')`,
			orgID, errMsg)
	}
	if err != nil {
		return fmt.Errorf("store: mark salto result: %w", err)
	}
	return nil
}

// ConnectionEvent is the data of connection.failed (the error) and
// connection.restored events.
type ConnectionEvent struct {
	Error string `json:"error,omitempty"`
	// Reconnected: an operator connected the org again (PUT …/salto or
	// the authorization flow).
	Reconnected bool `json:"reconnected,omitempty"`
}

// markSalto runs with (its CTE "changed" returns the connection if its
// state changed), queueing ev for the org's webhooks in the same
// statement when it did, and then wakes the sender.
func (s *Store) markSalto(ctx context.Context, ev Event, with string, args ...any) error {
	queued, err := queueSaltoEvent(ctx, s.db, ev, with, args...)
	if err != nil {
		return err
	}
	if queued > 0 {
		if _, err := s.db.Exec(ctx, `select pg_notify($1, '')`, WebhookChannel); err != nil {
			return fmt.Errorf("notify webhooks: %w", err)
		}
	}
	return nil
}

// queueSaltoEvent runs with (see markSalto) and queues ev in the same
// statement if "changed" returned the connection; it returns how many
// deliveries it queued.
func queueSaltoEvent(ctx context.Context, db dbtx, ev Event, with string, args ...any) (int, error) {
	n := len(args)
	if len(args) > 0 && args[0] == cachedPlan {
		n--
	}
	q := fmt.Sprintf(`%s,
		queued as (
			insert into webhook_deliveries (org_id, webhook_id, event_id, event_type, body)
			select w.org_id, w.id, $%d, $%d, $%d from webhooks w join changed c on c.org_id = w.org_id
			where $%d = any(w.events) returning 1)
		select count(*) from queued`, with, n+1, n+2, n+3, n+2)
	var queued int
	err := db.QueryRow(ctx, q, append(args, ev.ID, ev.Type, ev.body())...).Scan(&queued)
	return queued, err
}

// OAuthState is a pending authorization-code flow.
type OAuthState struct {
	State       string
	OrgID       string
	VerifierEnc string
	RedirectURI string
	ExpiresAt   time.Time
	// Replace lets the flow re-point the org to another Salto KS account.
	Replace bool
}

// CreateOAuthState records a flow's state.
func (s *Store) CreateOAuthState(ctx context.Context, st OAuthState) error {
	_, err := s.db.Exec(ctx, `insert into salto_oauth_states (state, org_id, verifier_enc, redirect_uri, expires_at, replace_account)
		values ($1, $2, $3, $4, $5, $6)`,
		st.State, st.OrgID, st.VerifierEnc, st.RedirectURI, st.ExpiresAt, st.Replace)
	if err != nil {
		return fmt.Errorf("store: create oauth state: %w", err)
	}
	return nil
}

// ConsumeOAuthState marks a state used and returns it; a state that is
// unknown, used or expired is ErrNotFound.
func (s *Store) ConsumeOAuthState(ctx context.Context, state string) (OAuthState, error) {
	st := OAuthState{State: state}
	err := s.db.QueryRow(ctx, `
		update salto_oauth_states set used_at = now()
		where state = $1 and used_at is null and expires_at > now()
		returning org_id, verifier_enc, redirect_uri, expires_at, replace_account`, state).
		Scan(&st.OrgID, &st.VerifierEnc, &st.RedirectURI, &st.ExpiresAt, &st.Replace)
	if err != nil {
		return OAuthState{}, fmt.Errorf("store: oauth state: %w", notFound(err))
	}
	return st, nil
}
