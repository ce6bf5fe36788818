// Package platformconn links orgs to their coworking platform (OfficeRnD or
// Nexudus, issue 20): it checks a connection's URLs against the platforms'
// allow-list, proves its credentials with one list call, keeps its config
// sealed in the store, and hands out one cached connectors.Connector per
// org, rebuilt when the org reconnects. The API (connecting, webhooks) and
// the sync's activities share it.
package platformconn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"doorsync/connectors"
	"doorsync/internal/egress"
	"doorsync/internal/secrets"
	"doorsync/store"
)

// ErrNotConnected means the org has no platform connection.
var ErrNotConnected = errors.New("platformconn: org has no platform connection")

// Factory builds a platform's connector from a connection's config, with
// the HTTP client it must use (its dialer holds the allow-list).
type Factory func(cfg Config, hc *http.Client) connectors.Connector

// Options configure Conns.
type Options struct {
	Store   *store.Store
	Secrets *secrets.Box
	Logger  *slog.Logger
	// Egress is the allow-list of the platforms' hosts
	// (DOORSYNC_PLATFORM_ALLOWED_HOSTS). URLs are checked when connecting,
	// and every request's connection by the dialer of the client given to
	// the factories. Nil means PublicHosts.
	Egress *egress.Policy
	// Factories build each platform's connector (nil: DefaultFactories);
	// a platform without one cannot be connected (ErrUnsupported).
	Factories map[connectors.Platform]Factory
	// Timeout bounds each platform request; 0 means 30 s.
	Timeout time.Duration
}

// Conns is safe for concurrent use.
type Conns struct {
	opts Options
	http *http.Client
	mu   sync.Mutex
	// cache holds one connector per org: a client reuses its token, and
	// OfficeRnD's token endpoint takes 5 requests a minute.
	cache map[string]cachedConnector
}

type cachedConnector struct {
	generation int64
	connector  connectors.Connector
}

// New returns Conns.
func New(opts Options) *Conns {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Egress == nil {
		opts.Egress = egress.MustParse("DOORSYNC_PLATFORM_ALLOWED_HOSTS", PublicHosts)
	}
	if opts.Factories == nil {
		opts.Factories = DefaultFactories()
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	return &Conns{opts: opts, http: opts.Egress.Client(opts.Timeout), cache: map[string]cachedConnector{}}
}

// Connector returns the org's connector, building it on first use and
// again whenever the org reconnected (its connection's generation moved
// on, in this process or another); ErrNotConnected when it has none.
func (c *Conns) Connector(ctx context.Context, orgID string) (connectors.Connector, error) {
	conn, err := c.opts.Store.GetPlatformConnection(ctx, orgID)
	if errors.Is(err, store.ErrNotFound) {
		c.forget(orgID)
		return nil, ErrNotConnected
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cached, ok := c.cache[orgID]; ok && cached.generation == conn.Generation {
		return cached.connector, nil
	}
	cfg, err := c.open(conn)
	if err != nil {
		return nil, err
	}
	connector, err := c.build(cfg)
	if err != nil {
		return nil, err
	}
	c.cache[orgID] = cachedConnector{generation: conn.Generation, connector: connector}
	return connector, nil
}

// build makes the platform's connector with the allow-listed client.
func (c *Conns) build(cfg Config) (connectors.Connector, error) {
	factory := c.opts.Factories[cfg.Platform]
	if factory == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnsupported, cfg.Platform)
	}
	return factory(cfg, c.http), nil
}

// forget drops the org's cached connector.
func (c *Conns) forget(orgID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cache, orgID)
}
