package saltoconn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/oauth2"

	"doorsync/internal/egress"
	"doorsync/saltoks"
	"doorsync/store"
)

// PasswordConnection is what an operator gives for the system-user
// password grant.
type PasswordConnection struct {
	ClientID     string
	ClientSecret string
	Username     string
	Password     string
	IdentityURL  string
	APIURL       string
	// Replace lets the connection re-point the org to another Salto KS
	// account although doorsync applied access through the current one
	// (see ErrRepoint).
	Replace bool
}

// RefusedError means Salto KS refused the credentials or could not be
// reached while connecting; Reason is safe to show (it carries no secret).
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return "Salto KS refused the connection: " + e.Reason }

// ConnectPassword verifies the credentials by fetching a token and listing
// the sites, then stores them (sealed) with the token. It returns how many
// sites the account sees.
func (m *Manager) ConnectPassword(ctx context.Context, orgID string, p PasswordConnection) (int, error) {
	if err := m.checkHosts(ctx, p.IdentityURL, p.APIURL); err != nil {
		return 0, err
	}
	cfg := m.baseConfig(p.IdentityURL, p.APIURL, p.ClientID, p.ClientSecret)
	cfg.Username, cfg.Password = p.Username, p.Password
	token, err := saltoks.PasswordToken(ctx, cfg, p.Username, p.Password)
	if err != nil {
		return 0, refused(err)
	}
	v, err := verify(ctx, cfg, token)
	if err != nil {
		return 0, err
	}
	sealedToken, err := m.sealToken(orgID, v.token)
	if err != nil {
		return 0, err
	}
	err = m.save(ctx, store.SaltoConnection{
		OrgID: orgID, Mode: ModePassword, IdentityURL: p.IdentityURL, APIURL: p.APIURL, ClientID: p.ClientID,
		ClientSecretEnc: m.opts.Secrets.Seal([]byte(p.ClientSecret), sealContext(orgID, "client_secret")),
		Username:        p.Username,
		PasswordEnc:     m.opts.Secrets.Seal([]byte(p.Password), sealContext(orgID, "password")),
		TokenEnc:        sealedToken,
		AccountID:       v.accountID,
	}, p.Replace)
	if err == nil {
		m.rememberSites(ctx, orgID, v.sites)
	}
	return len(v.sites), err
}

// verified is what connecting learnt of an account.
type verified struct {
	sites     []saltoks.Site
	token     *oauth2.Token
	accountID string // the Salto KS user the token belongs to
}

// verify lists the sites with token and asks whose token it is. If the
// client refreshes the token on the way (it may be close to expiry), the
// newest token is returned: refresh tokens are single-use, so it is the
// one to store.
func verify(ctx context.Context, cfg saltoks.Config, token *oauth2.Token) (verified, error) {
	v := verified{token: token}
	cfg.OnToken = func(_ context.Context, t *oauth2.Token) error { v.token = t; return nil }
	client := saltoks.New(cfg, token)
	sites, err := client.ListSites(ctx)
	if err != nil {
		return verified{}, refused(err)
	}
	me, err := client.Me(ctx)
	if err != nil {
		return verified{}, refused(err)
	}
	v.sites, v.accountID = sites, me.ID
	return v, nil
}

// HostRefusedError means a Salto KS URL names a host this deployment may
// not reach (see Options.Egress); nothing was sent to it and nothing was
// stored. Field is "identity_url" or "api_url".
type HostRefusedError struct{ Field, Reason string }

func (e *HostRefusedError) Error() string { return "saltoconn: " + e.Field + ": " + e.Reason }

// checkHosts checks both URLs against the allow-list, resolving them.
func (m *Manager) checkHosts(ctx context.Context, identityURL, apiURL string) error {
	for _, u := range []struct{ field, url string }{{"identity_url", identityURL}, {"api_url", apiURL}} {
		var re *egress.RefusedError
		if err := m.opts.Egress.CheckURL(ctx, u.url); errors.As(err, &re) {
			return &HostRefusedError{Field: u.field, Reason: re.Reason}
		} else if err != nil {
			return err
		}
	}
	return nil
}

// maxReasonLen bounds a RefusedError's reason.
const maxReasonLen = 200

// refused turns a Salto KS failure into a RefusedError with a safe reason:
// what failed, the HTTP status and the remote's error code, never its
// message or body, at most maxReasonLen printable characters.
func refused(err error) error {
	return &RefusedError{Reason: bounded(reason(err))}
}

func reason(err error) string {
	var (
		authErr *saltoks.AuthError
		apiErr  *saltoks.Error
		egErr   *egress.RefusedError
	)
	switch {
	case errors.As(err, &egErr):
		return "not allowed to connect: " + egErr.Reason
	case errors.As(err, &authErr):
		s := authErr.Op + ": authentication failed: " + authErr.Code
		if authErr.Status != 0 {
			s += fmt.Sprintf(" (HTTP %d)", authErr.Status)
		}
		return s
	case errors.As(err, &apiErr):
		s := fmt.Sprintf("HTTP %d", apiErr.Status)
		if apiErr.Code != "" {
			s += " (ErrorCode " + apiErr.Code + ")"
		}
		return s
	case errors.Is(err, saltoks.ErrAuth):
		return "authentication failed"
	case errors.Is(err, saltoks.ErrResponseTooLarge), errors.Is(err, saltoks.ErrTooManyPages), errors.Is(err, saltoks.ErrPageLoop):
		return "Salto KS answered beyond this deployment's bounds"
	default:
		return "Salto KS could not be reached"
	}
}

// bounded keeps printable characters and at most maxReasonLen of them.
func bounded(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, s)
	if r := []rune(s); len(r) > maxReasonLen {
		s = string(r[:maxReasonLen-1]) + "…"
	}
	return s
}

// Status is what an operator sees of a connection: never a secret.
type Status struct {
	Connected bool   `json:"connected"`
	Mode      string `json:"mode,omitempty"`
	Sites     int    `json:"sites"`
	LastError string `json:"last_error"`
}

// Status checks the connection live by listing the sites; a failure is
// recorded as the connection's last error.
func (m *Manager) Status(ctx context.Context, orgID string) (Status, error) {
	conn, err := m.opts.Store.GetSaltoConnection(ctx, orgID)
	if errors.Is(err, store.ErrNotFound) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, err
	}
	st := Status{Mode: conn.Mode}
	sites, err := m.Sites(ctx, orgID)
	if err != nil {
		st.LastError = m.lastError(ctx, orgID, err)
		return st, nil
	}
	st.Connected, st.Sites = true, len(sites)
	return st, nil
}

// Sites lists the account's sites.
func (m *Manager) Sites(ctx context.Context, orgID string) ([]saltoks.Site, error) {
	c, err := m.Client(ctx, orgID)
	if err != nil {
		return nil, err
	}
	sites, err := c.ListSites(ctx)
	m.Record(ctx, orgID, err)
	if err == nil {
		m.rememberSites(ctx, orgID, sites)
	}
	return sites, err
}

// rememberSites keeps the sites' names for explain (store.SaltoNames). A
// failure is logged, not returned: the names are a convenience, and the
// listing that read them succeeded.
func (m *Manager) rememberSites(ctx context.Context, orgID string, sites []saltoks.Site) {
	names := make([]store.SaltoName, len(sites))
	for i, s := range sites {
		names[i] = store.SaltoName{SiteID: s.ID, Name: s.Name}
	}
	if err := m.opts.Store.RememberSaltoNames(ctx, orgID, names); err != nil {
		m.opts.Logger.WarnContext(ctx, "could not remember salto site names", "org", orgID, "err", err)
	}
}

// Record notes the outcome of a Salto KS call on the org's connection: an
// authentication failure (e.g. a refresh the identity server refused)
// marks it broken with a reason; success clears the error. Other errors
// (a missing user, a 503) say nothing about the connection and are left out.
func (m *Manager) Record(ctx context.Context, orgID string, err error) {
	var msg string
	switch {
	case err == nil:
	case saltoks.IsAuthError(err):
		msg = refused(err).Error()
	default:
		return
	}
	if recErr := m.opts.Store.MarkSaltoResult(ctx, orgID, msg); recErr != nil {
		m.opts.Logger.WarnContext(ctx, "could not record salto connection state", "org", orgID, "err", recErr)
	}
}

func (m *Manager) lastError(ctx context.Context, orgID string, err error) string {
	if saltoks.IsAuthError(err) {
		return refused(err).Error()
	}
	conn, getErr := m.opts.Store.GetSaltoConnection(ctx, orgID)
	if getErr == nil && conn.LastError != "" {
		return conn.LastError
	}
	return refused(err).Error()
}
