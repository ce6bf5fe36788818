package saltoconn

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"doorsync/saltoks"
	"doorsync/store"
)

// StateTTL is how long an authorization-code flow may take.
const StateTTL = 10 * time.Minute

// ErrNoPartnerClient means the deployment has no OAuth client for the
// authorization-code flow.
var ErrNoPartnerClient = errors.New("saltoconn: no Salto KS partner client is configured (DOORSYNC_SALTO_CLIENT_ID)")

// ErrBadState means the callback's state is unknown, used or expired.
var ErrBadState = errors.New("saltoconn: unknown, used or expired state")

// AuthorizeURL starts the authorization-code flow for orgID: it stores a
// single-use state bound to the org with the PKCE verifier (sealed) and
// whether the flow may re-point the org to another account (replace, see
// ErrRepoint), and returns where to send the operator's browser.
func (m *Manager) AuthorizeURL(ctx context.Context, orgID, redirectURI string, replace bool) (string, error) {
	p := m.opts.Partner
	if p.ClientID == "" {
		return "", ErrNoPartnerClient
	}
	state, verifier := randomToken(), saltoks.GenerateVerifier()
	err := m.opts.Store.CreateOAuthState(ctx, store.OAuthState{
		State: state, OrgID: orgID, RedirectURI: redirectURI, ExpiresAt: m.opts.Now().Add(StateTTL), Replace: replace,
		VerifierEnc: m.opts.Secrets.Seal([]byte(verifier), "oauth-state:"+state),
	})
	if err != nil {
		return "", err
	}
	cfg := m.baseConfig(p.IdentityURL, p.APIURL, p.ClientID, p.ClientSecret)
	return saltoks.AuthCodeURL(cfg, redirectURI, state, verifier), nil
}

// CompleteAuthorization exchanges the code of a callback, verifies the
// token by listing sites and stores the connection, re-pointing the org
// only if the flow was started with replace (see ErrRepoint). It returns
// the org.
func (m *Manager) CompleteAuthorization(ctx context.Context, code, state string) (string, int, error) {
	st, err := m.opts.Store.ConsumeOAuthState(ctx, state)
	if errors.Is(err, store.ErrNotFound) {
		return "", 0, ErrBadState
	}
	if err != nil {
		return "", 0, err
	}
	verifier, err := m.opts.Secrets.Open(st.VerifierEnc, "oauth-state:"+state)
	if err != nil {
		return "", 0, fmt.Errorf("saltoconn: open verifier: %w", err)
	}
	p := m.opts.Partner
	cfg := m.baseConfig(p.IdentityURL, p.APIURL, p.ClientID, p.ClientSecret)
	token, err := saltoks.ExchangeCode(ctx, cfg, code, st.RedirectURI, string(verifier))
	if err != nil {
		return st.OrgID, 0, refused(err)
	}
	v, err := verify(ctx, cfg, token)
	if err != nil {
		return st.OrgID, 0, err
	}
	sealedToken, err := m.sealToken(st.OrgID, v.token)
	if err != nil {
		return st.OrgID, 0, err
	}
	err = m.save(ctx, store.SaltoConnection{
		OrgID: st.OrgID, Mode: ModeAuthorizationCode, IdentityURL: p.IdentityURL, APIURL: p.APIURL,
		ClientID:        p.ClientID,
		ClientSecretEnc: m.opts.Secrets.Seal([]byte(p.ClientSecret), sealContext(st.OrgID, "client_secret")),
		TokenEnc:        sealedToken,
		AccountID:       v.accountID,
	}, st.Replace)
	return st.OrgID, len(v.sites), err
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
