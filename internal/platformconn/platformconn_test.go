package platformconn_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"doorsync/connectors"
	"doorsync/internal/egress"
	"doorsync/internal/platformconn"
	"doorsync/internal/saltoconn"
	"doorsync/internal/secrets"
	"doorsync/internal/testenv"
	"doorsync/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// Distinctive secrets, so tests can prove they are never at rest in clear.
const (
	clientSecret  = "ornd-client-secret-9d2e"
	webhookSecret = "ornd-webhook-secret-41ac"
)

// fakeConnector is a connector whose Check answers checkErr; it records
// the config it was built with.
type fakeConnector struct {
	connectors.Connector
	cfg      platformconn.Config
	checkErr error
	checks   *atomic.Int32
}

func (f *fakeConnector) Platform() connectors.Platform { return f.cfg.Platform }
func (f *fakeConnector) Check(context.Context) error {
	f.checks.Add(1)
	return f.checkErr
}

// env is Conns on a fresh database with one org, "acme".
type env struct {
	ctx    context.Context
	st     *store.Store
	dbURL  string
	box    *secrets.Box
	key    []byte
	conns  *platformconn.Conns
	built  []platformconn.Config
	checks atomic.Int32
	// checkErr is what the next built connectors' Check answers.
	checkErr error
}

// resolver answers every host with one address: no DNS in tests.
type resolver netip.Addr

func (r resolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return []netip.Addr{netip.Addr(r)}, nil
}

func newEnv(t *testing.T, addr string, allowed ...string) *env {
	t.Helper()
	st, dbURL := testenv.NewStore(t)
	key, _ := secrets.ParseKey(secrets.NewKey())
	box, _ := secrets.New(key)
	e := &env{ctx: context.Background(), st: st, dbURL: dbURL, box: box, key: key}
	if _, _, err := st.PutOrg(e.ctx, store.Org{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	e.conns = e.newConns(addr, allowed...)
	return e
}

// newConns stands for another process on the same store and keys.
func (e *env) newConns(addr string, allowed ...string) *platformconn.Conns {
	policy := egress.MustParse("DOORSYNC_PLATFORM_ALLOWED_HOSTS", allowed)
	policy.Resolver = resolver(netip.MustParseAddr(addr))
	factory := func(cfg platformconn.Config, _ *http.Client) connectors.Connector {
		e.built = append(e.built, cfg)
		return &fakeConnector{cfg: cfg, checkErr: e.checkErr, checks: &e.checks}
	}
	return platformconn.New(platformconn.Options{Store: e.st, Secrets: e.box, Egress: policy,
		Factories: map[connectors.Platform]platformconn.Factory{connectors.OfficeRnD: factory, connectors.Nexudus: factory}})
}

var publicHosts = []string{"app.officernd.com", "identity.officernd.com", "spaces.nexudus.com"}

func orndConfig() platformconn.Config {
	return platformconn.Config{Platform: connectors.OfficeRnD, OrgSlug: "acme-space", ClientID: "client-1",
		ClientSecret: clientSecret, WebhookSecret: webhookSecret}
}

// TestConnectSealsAndCachesOneConnectorPerOrg: connecting checks the
// credentials once, fills the public URLs, stores the config sealed; the
// org then gets one cached connector, rebuilt after a reconnection (in this
// process or another) and gone after a disconnection.
func TestConnectSealsAndCachesOneConnectorPerOrg(t *testing.T) {
	e := newEnv(t, "203.0.113.10", publicHosts...)
	if err := e.conns.Connect(e.ctx, "acme", orndConfig()); err != nil {
		t.Fatal(err)
	}
	if got := e.checks.Load(); got != 1 {
		t.Errorf("Check ran %d times, want 1", got)
	}
	if got := e.built[0]; got.BaseURL != platformconn.OfficeRnDBaseURL || got.IdentityURL != platformconn.OfficeRnDIdentityURL {
		t.Errorf("built with %q and %q, want the public URLs", got.BaseURL, got.IdentityURL)
	}
	assertNothingInClear(t, e)

	first, err := e.conns.Connector(e.ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := e.conns.Connector(e.ctx, "acme")
	if first != again {
		t.Error("a second Connector call built another client: its token would not be reused")
	}
	if got := first.(*fakeConnector).cfg; got.ClientSecret != clientSecret || got.WebhookSecret != webhookSecret {
		t.Error("the stored config did not open to what was connected")
	}

	other := e.newConns("203.0.113.10", publicHosts...)
	cfg := orndConfig()
	cfg.ClientID = "client-2"
	if err := other.Connect(e.ctx, "acme", cfg); err != nil {
		t.Fatal(err)
	}
	rebuilt, _ := e.conns.Connector(e.ctx, "acme")
	if rebuilt == first || rebuilt.(*fakeConnector).cfg.ClientID != "client-2" {
		t.Error("a reconnection by another process did not rebuild the cached connector")
	}

	if err := e.conns.Disconnect(e.ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Connector(e.ctx, "acme"); !errors.Is(err, platformconn.ErrNotConnected) {
		t.Errorf("Connector after Disconnect: %v, want ErrNotConnected", err)
	}
	if err := e.conns.Disconnect(e.ctx, "acme"); !errors.Is(err, platformconn.ErrNotConnected) {
		t.Errorf("a second Disconnect: %v, want ErrNotConnected", err)
	}
}

func assertNothingInClear(t *testing.T, e *env) {
	t.Helper()
	conn := testenv.Conn(t, e.dbURL)
	var row string
	if err := conn.QueryRow(e.ctx, `select t::text from platform_connections t`).Scan(&row); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{clientSecret, webhookSecret, "client-1", "acme-space"} {
		if strings.Contains(row, s) {
			t.Errorf("the stored row holds %q in clear", s)
		}
	}
}

// TestConnectRefusesWhatTheCheckRefuses: a failed check stores nothing
// and says why without the platform's words.
func TestConnectRefusesWhatTheCheckRefuses(t *testing.T) {
	e := newEnv(t, "203.0.113.10", publicHosts...)
	for _, tc := range []struct {
		err  error
		want string
	}{
		{connectors.ErrUnauthorized, "refused the credentials"},
		{&connectors.ThrottledError{RetryAfter: time.Minute}, "throttled"},
		{errors.New("HTTP 500: secret body"), "could not be reached or answered an error"},
	} {
		e.checkErr = tc.err
		err := e.conns.Connect(e.ctx, "acme", orndConfig())
		var refused *platformconn.RefusedError
		if !errors.As(err, &refused) || !strings.Contains(refused.Reason, tc.want) || strings.Contains(refused.Reason, "secret") {
			t.Errorf("Check answering %v: Connect = %v, want a refusal saying %q", tc.err, err, tc.want)
		}
		if _, err := e.st.GetPlatformConnection(e.ctx, "acme"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a refused connection was stored: %v", err)
		}
	}
}

// TestConnectRefusesHostsOffTheAllowList: a URL off the list, over plain
// http, or resolving to an internal address is refused before a connector
// is built; checked on the address, never by dialing.
func TestConnectRefusesHostsOffTheAllowList(t *testing.T) {
	for _, tc := range []struct {
		name, addr, field string
		cfg               platformconn.Config
	}{
		{"off the list", "203.0.113.10", "base_url",
			platformconn.Config{Platform: connectors.Nexudus, Username: "u", Password: "p", BaseURL: "https://nexudus.example.com"}},
		{"plain http", "203.0.113.10", "base_url",
			platformconn.Config{Platform: connectors.Nexudus, Username: "u", Password: "p", BaseURL: "http://spaces.nexudus.com"}},
		{"identity off the list", "203.0.113.10", "identity_url",
			func() platformconn.Config { c := orndConfig(); c.IdentityURL = "https://idp.example.com"; return c }()},
		{"an internal address", "10.1.2.3", "base_url", orndConfig()},
		{"loopback", "127.0.0.1", "base_url",
			platformconn.Config{Platform: connectors.Nexudus, Username: "u", Password: "p"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.addr, publicHosts...)
			err := e.conns.Connect(e.ctx, "acme", tc.cfg)
			var hostErr *platformconn.HostRefusedError
			if !errors.As(err, &hostErr) || hostErr.Field != tc.field {
				t.Fatalf("Connect = %v, want the %s refused", err, tc.field)
			}
			if len(e.built) != 0 {
				t.Error("a connector was built for a refused host")
			}
		})
	}
}

// TestConnectAllowsAListedLoopbackFake: an entry naming a loopback address
// lets a fake (tests, make run) be connected.
func TestConnectAllowsAListedLoopbackFake(t *testing.T) {
	e := newEnv(t, "127.0.0.1", "http://127.0.0.1:8091")
	cfg := platformconn.Config{Platform: connectors.Nexudus, Username: "u", Password: "p", BaseURL: "http://127.0.0.1:8091"}
	if err := e.conns.Connect(e.ctx, "acme", cfg); err != nil {
		t.Fatal(err)
	}
	st, err := e.conns.Status(e.ctx, "acme")
	if err != nil || !st.Connected || st.Platform != connectors.Nexudus {
		t.Errorf("Status = %+v, %v", st, err)
	}
}

// TestConfigNeverPrintsSecrets guards against a config logged by mistake.
func TestConfigNeverPrintsSecrets(t *testing.T) {
	cfg := orndConfig()
	for _, s := range []string{cfg.String(), cfg.GoString(), cfg.LogValue().String()} {
		if strings.Contains(s, clientSecret) || strings.Contains(s, webhookSecret) {
			t.Errorf("a printed config shows a secret: %s", s)
		}
	}
}

// TestPublicHostsAreThePublicURLs: the default allow-list holds the
// default URLs' hosts, and only them.
func TestPublicHostsAreThePublicURLs(t *testing.T) {
	p := egress.MustParse("DOORSYNC_PLATFORM_ALLOWED_HOSTS", platformconn.PublicHosts)
	for _, u := range []string{platformconn.OfficeRnDBaseURL, platformconn.OfficeRnDIdentityURL, platformconn.NexudusBaseURL} {
		if _, err := p.Permits(u); err != nil {
			t.Errorf("%s is refused: %v", u, err)
		}
	}
	if len(platformconn.PublicHosts) != 3 {
		t.Errorf("PublicHosts = %v, want the three public hosts", platformconn.PublicHosts)
	}
}

// TestResealMovesThePlatformConfig: `doorsync secrets reseal` seals the
// platform config again under the current key, which alone then opens it.
func TestResealMovesThePlatformConfig(t *testing.T) {
	e := newEnv(t, "203.0.113.10", publicHosts...)
	if err := e.conns.Connect(e.ctx, "acme", orndConfig()); err != nil {
		t.Fatal(err)
	}
	newKey, _ := secrets.ParseKey(secrets.NewKey())
	rotated, err := secrets.New(newKey, e.key)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := saltoconn.New(saltoconn.Options{Store: e.st, Secrets: rotated}).Reseal(e.ctx)
	if err != nil || rep.Resealed != 1 {
		t.Fatalf("Reseal = %+v, %v; want the platform config resealed", rep, err)
	}
	e.box, _ = secrets.New(newKey)
	c, err := e.newConns("203.0.113.10", publicHosts...).Connector(e.ctx, "acme")
	if err != nil || c.(*fakeConnector).cfg.ClientSecret != clientSecret {
		t.Fatalf("the resealed config does not open with the new key alone: %v", err)
	}
}
