package saltoconn

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
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

// ErrNotStarter means the callback came from a browser other than the one
// that started the flow: its nonce (a cookie) is missing or wrong.
var ErrNotStarter = errors.New("saltoconn: the authorization was not started by this browser")

// Authorization is a started authorization-code flow.
type Authorization struct {
	// URL is where to send the operator's browser.
	URL string
	// State names the flow; the callback brings it back.
	State string
	// Nonce must come back with the callback from the browser that started
	// the flow (the API keeps it in a cookie); it is bound to the state.
	Nonce string
}

// flowSecrets are sealed with a state: the PKCE verifier, and the hash of
// the nonce that binds the flow to the browser that started it.
type flowSecrets struct {
	Verifier  string `json:"verifier"`
	NonceHash string `json:"nonce_hash"`
}

// AuthorizeURL starts the authorization-code flow for orgID: it stores a
// single-use state bound to the org, with the PKCE verifier and the hash of
// a new nonce (sealed), and whether the flow may re-point the org to
// another account (replace, see ErrRepoint); it returns where to send the
// operator's browser and the nonce the callback must bring back.
func (m *Manager) AuthorizeURL(ctx context.Context, orgID, redirectURI string, replace bool) (Authorization, error) {
	p := m.opts.Partner
	if p.ClientID == "" {
		return Authorization{}, ErrNoPartnerClient
	}
	state, nonce, verifier := randomToken(), randomToken(), saltoks.GenerateVerifier()
	sealed, err := json.Marshal(flowSecrets{Verifier: verifier, NonceHash: nonceHash(nonce)})
	if err != nil {
		return Authorization{}, err
	}
	err = m.opts.Store.CreateOAuthState(ctx, store.OAuthState{
		State: state, OrgID: orgID, RedirectURI: redirectURI, ExpiresAt: m.opts.Now().Add(StateTTL), Replace: replace,
		VerifierEnc: m.opts.Secrets.Seal(sealed, stateContext(state)),
	})
	if err != nil {
		return Authorization{}, err
	}
	cfg := m.baseConfig(p.IdentityURL, p.APIURL, p.ClientID, p.ClientSecret)
	return Authorization{URL: saltoks.AuthCodeURL(cfg, redirectURI, state, verifier), State: state, Nonce: nonce}, nil
}

// openFlow consumes the state and checks the nonce against it (in
// constant time), returning the state and its PKCE verifier.
func (m *Manager) openFlow(ctx context.Context, state, nonce string) (store.OAuthState, string, error) {
	st, err := m.opts.Store.ConsumeOAuthState(ctx, state)
	if errors.Is(err, store.ErrNotFound) {
		return store.OAuthState{}, "", ErrBadState
	}
	if err != nil {
		return store.OAuthState{}, "", err
	}
	plain, err := m.opts.Secrets.Open(st.VerifierEnc, stateContext(state))
	if err != nil {
		return store.OAuthState{}, "", fmt.Errorf("saltoconn: open verifier: %w", err)
	}
	var fs flowSecrets
	if json.Unmarshal(plain, &fs) != nil || fs.NonceHash == "" || nonce == "" ||
		subtle.ConstantTimeCompare([]byte(fs.NonceHash), []byte(nonceHash(nonce))) != 1 {
		return store.OAuthState{}, "", ErrNotStarter
	}
	return st, fs.Verifier, nil
}

func nonceHash(nonce string) string {
	h := sha256.Sum256([]byte("doorsync-oauth-nonce:" + nonce))
	return hex.EncodeToString(h[:])
}

// CompleteAuthorization exchanges the code of a callback, verifies the
// token by listing sites and stores the connection, re-pointing the org
// only if the flow was started with replace (see ErrRepoint). It returns
// the org. nonce is the one AuthorizeURL returned, as the browser brought
// it back; a missing or different one is ErrNotStarter and connects
// nothing (the state is used up all the same).
func (m *Manager) CompleteAuthorization(ctx context.Context, code, state, nonce string) (string, int, error) {
	st, verifier, err := m.openFlow(ctx, state, nonce)
	if err != nil {
		return "", 0, err
	}
	p := m.opts.Partner
	cfg := m.baseConfig(p.IdentityURL, p.APIURL, p.ClientID, p.ClientSecret)
	token, err := saltoks.ExchangeCode(ctx, cfg, code, st.RedirectURI, verifier)
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
	if err == nil {
		m.rememberSites(ctx, st.OrgID, v.sites)
	}
	return st.OrgID, len(v.sites), err
}

// stateContext binds a flow's sealed verifier to its state.
func stateContext(state string) string { return "oauth-state:" + state }

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
