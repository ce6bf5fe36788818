// Package saltoconn links orgs to their Salto KS accounts: it connects them
// (system-user password grant, or the authorization-code flow with PKCE),
// keeps their credentials and tokens sealed in the store, persists every
// refreshed token, and hands out one cached saltoks.Client per org, rebuilt
// when the connection changes. The API and the activities share it.
package saltoconn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"doorsync/internal/egress"
	"doorsync/internal/secrets"
	"doorsync/saltoks"
	"doorsync/store"
)

// ErrNotConnected means the org has no Salto KS connection.
var ErrNotConnected = errors.New("saltoconn: org has no Salto KS connection")

// Modes of a connection.
const (
	ModePassword          = "password"
	ModeAuthorizationCode = "authorization_code"
)

// PartnerClient is the deployment's Salto KS OAuth client for the
// authorization-code flow; zero when the deployment has none.
type PartnerClient struct {
	ClientID     string
	ClientSecret string
	IdentityURL  string
	APIURL       string
}

// Options configure a Manager.
type Options struct {
	Store   *store.Store
	Secrets *secrets.Box
	Logger  *slog.Logger
	// Egress is the allow-list of the Salto KS hosts a connection may use
	// (DOORSYNC_SALTO_ALLOWED_HOSTS); nil means saltoks.PublicHosts. URLs
	// are checked when connecting, and every request's connection by the
	// dialer of the client the Manager builds from it.
	Egress *egress.Policy
	// RequestsPerSecond caps each org's request rate, letting Burst
	// requests through at once, unless the org's salto_rate_limit setting
	// says otherwise; 0 means no cap. The cap holds within this process
	// (each process keeps its own budget per org).
	RequestsPerSecond float64
	Burst             int
	// MaxRetries is passed to each client (429/5xx retries inside one call).
	MaxRetries int
	Partner    PartnerClient
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Manager is safe for concurrent use.
type Manager struct {
	opts  Options
	http  *http.Client
	mu    sync.Mutex
	cache map[string]cachedClient
	// limiters pace each org's requests, across rebuilds of its client.
	limiters map[string]*rate.Limiter
}

type cachedClient struct {
	generation int64
	client     *saltoks.Client
}

// New returns a Manager.
func New(opts Options) *Manager {
	if opts.Egress == nil {
		opts.Egress = egress.MustParse("DOORSYNC_SALTO_ALLOWED_HOSTS", saltoks.PublicHosts)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Manager{opts: opts, http: opts.Egress.Client(30 * time.Second), cache: map[string]cachedClient{}, limiters: map[string]*rate.Limiter{}}
}

// Client returns the org's client, building it on first use and again
// whenever the stored connection's generation moves on.
func (m *Manager) Client(ctx context.Context, orgID string) (*saltoks.Client, error) {
	conn, err := m.opts.Store.GetSaltoConnection(ctx, orgID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotConnected
	}
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	lim := m.limiter(orgID, m.rateLimit(conn))
	if c, ok := m.cache[orgID]; ok && c.generation == conn.Generation {
		return c.client, nil
	}
	client, err := m.build(conn, lim)
	if err != nil {
		return nil, err
	}
	m.cache[orgID] = cachedClient{generation: conn.Generation, client: client}
	return client, nil
}

// build opens the connection's sealed fields and makes a client that
// shares the stored token with every other process: it takes the latest
// stored token when its own expires, and renews under the connection's row
// lock.
func (m *Manager) build(conn store.SaltoConnection, lim *rate.Limiter) (*saltoks.Client, error) {
	cfg, err := m.config(conn)
	if err != nil {
		return nil, err
	}
	cfg.Limiter = lim
	var token *oauth2.Token
	if conn.TokenEnc != "" {
		if token, err = m.openToken(conn.OrgID, conn.TokenEnc); err != nil {
			return nil, err
		}
	}
	cfg.Tokens = sharedToken{m: m, orgID: conn.OrgID, generation: conn.Generation}
	return saltoks.New(cfg, token), nil
}

func (m *Manager) config(conn store.SaltoConnection) (saltoks.Config, error) {
	secret, err := m.opts.Secrets.Open(conn.ClientSecretEnc, sealContext(conn.OrgID, "client_secret"))
	if err != nil {
		return saltoks.Config{}, fmt.Errorf("saltoconn: open client secret of %s: %w", conn.OrgID, err)
	}
	cfg := m.baseConfig(conn.IdentityURL, conn.APIURL, conn.ClientID, string(secret))
	if conn.Mode == ModePassword {
		password, err := m.opts.Secrets.Open(conn.PasswordEnc, sealContext(conn.OrgID, "password"))
		if err != nil {
			return saltoks.Config{}, fmt.Errorf("saltoconn: open password of %s: %w", conn.OrgID, err)
		}
		cfg.Username, cfg.Password = conn.Username, string(password)
	}
	return cfg, nil
}

func (m *Manager) baseConfig(identityURL, apiURL, clientID, clientSecret string) saltoks.Config {
	return saltoks.Config{
		IdentityURL: identityURL, APIURL: apiURL, ClientID: clientID, ClientSecret: clientSecret,
		HTTPClient: m.http, RequestsPerSecond: m.opts.RequestsPerSecond, Burst: m.opts.Burst, MaxRetries: m.opts.MaxRetries,
	}
}

// sealContext binds a sealed value to its org and field.
func sealContext(orgID, field string) string { return "org:" + orgID + "/salto/" + field }

// rateLimit is the org's own limit, read with its connection, or the
// deployment's.
func (m *Manager) rateLimit(conn store.SaltoConnection) store.RateLimit {
	if conn.RateLimit != nil {
		return *conn.RateLimit
	}
	return store.RateLimit{PerSecond: m.opts.RequestsPerSecond, Burst: m.opts.Burst}
}

// limiter returns the org's limiter, made or brought in step with limit
// (a changed setting applies to the next request). Callers hold m.mu.
func (m *Manager) limiter(orgID string, limit store.RateLimit) *rate.Limiter {
	every, burst := rate.Inf, 0
	if limit.PerSecond > 0 {
		every, burst = rate.Limit(limit.PerSecond), max(limit.Burst, 1)
	}
	lim := m.limiters[orgID]
	if lim == nil {
		lim = rate.NewLimiter(every, burst)
		m.limiters[orgID] = lim
	}
	if lim.Limit() != every {
		lim.SetLimit(every)
	}
	if lim.Burst() != burst {
		lim.SetBurst(burst)
	}
	return lim
}
