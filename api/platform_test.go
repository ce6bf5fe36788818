package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"doorsync/access"
	"doorsync/api"
	"doorsync/connectors"
	"doorsync/internal/egress"
	"doorsync/internal/platformconn"
	"doorsync/internal/secrets"
)

// Distinctive platform secrets, so tests can prove they never leak.
const (
	orndSecret    = "ornd-client-secret-5b7e"
	nexudusPass   = "nexudus-password-0d4f"
	hookSecret    = "platform-webhook-secret-a19c"
	hookSignature = "X-Test-Signature"
)

// fakePlatform stands for the platforms' connectors: Check answers
// checkErr; a delivery is signed with the hex HMAC-SHA256 of its body
// under the webhook secret and carries its changes as JSON.
type fakePlatform struct {
	mu       sync.Mutex
	checkErr error
	built    []platformconn.Config
}

type fakeConnector struct {
	connectors.Connector
	f   *fakePlatform
	cfg platformconn.Config
}

func (c *fakeConnector) Platform() connectors.Platform { return c.cfg.Platform }

func (c *fakeConnector) Check(context.Context) error {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	return c.f.checkErr
}

func (c *fakeConnector) VerifyWebhook(h http.Header, body []byte, _ time.Time) error {
	got, err := hex.DecodeString(h.Get(hookSignature))
	if err != nil || c.cfg.WebhookSecret == "" || !hmac.Equal(got, sign(c.cfg.WebhookSecret, body)) {
		return connectors.ErrBadSignature
	}
	return nil
}

func (c *fakeConnector) Webhook(_ context.Context, _ http.Header, body []byte) (connectors.Changes, error) {
	var ch struct {
		Upserts []connectors.Record `json:"upserts"`
		Deletes []connectors.Ref    `json:"deletes"`
	}
	err := json.Unmarshal(body, &ch)
	return connectors.Changes{Upserts: ch.Upserts, Deletes: ch.Deletes}, err
}

func sign(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

func (f *fakePlatform) factory(cfg platformconn.Config, _ *http.Client) connectors.Connector {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.built = append(f.built, cfg)
	return &fakeConnector{f: f, cfg: cfg}
}

// syncCalls records StartPlatformSync and StopPlatformSync.
type syncCalls struct {
	mu    sync.Mutex
	calls []string
	err   error
	busy  bool // a run is under way: SyncPlatformNow starts none
}

func (s *syncCalls) StartPlatformSync(_ context.Context, orgID string, every time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "start "+orgID+" "+every.String())
	return s.err
}

func (s *syncCalls) EnsurePlatformSchedule(_ context.Context, orgID string, every time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "schedule "+orgID+" "+every.String())
	return s.err
}

func (s *syncCalls) SyncPlatformNow(_ context.Context, orgID string, approve bool) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, fmt.Sprintf("now %s approve=%t", orgID, approve))
	return !s.busy, s.err
}

func (s *syncCalls) StopPlatformSync(_ context.Context, orgID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "stop "+orgID)
	return s.err
}

func (s *syncCalls) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.calls
	s.calls = nil
	return out
}

// flushes records the pokes the API sends itself.
type flushes struct {
	mu  sync.Mutex
	ids []int64
}

func (f *flushes) Flush(_ context.Context, ids []int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = append(f.ids, ids...)
	return nil
}

// hostsResolver answers the hosts it knows, and the platforms' public
// hosts with a public address: no DNS in tests, and nothing is dialed.
type hostsResolver map[string]string

func (r hostsResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return []netip.Addr{netip.MustParseAddr("203.0.113.7")}, nil
}

// platformAPI is the API with platform connections to fakePlatform.
type platformAPI struct {
	*testAPI
	fake    *fakePlatform
	sync    *syncCalls
	flushed *flushes
}

func newPlatformAPI(t *testing.T) *platformAPI {
	p := &platformAPI{fake: &fakePlatform{}, sync: &syncCalls{}, flushed: &flushes{}}
	p.testAPI = newTestAPI(t, func(d *api.Deps) {
		policy := egress.MustParse("DOORSYNC_PLATFORM_ALLOWED_HOSTS",
			[]string{"app.officernd.com", "identity.officernd.com", "spaces.nexudus.com", "intranet.officernd.com"})
		policy.Resolver = hostsResolver{"intranet.officernd.com": "10.20.30.40"}
		d.Platforms = platformconn.New(platformconn.Options{Store: d.Store, Secrets: testBox(t), Egress: policy,
			Factories: map[connectors.Platform]platformconn.Factory{connectors.OfficeRnD: p.fake.factory, connectors.Nexudus: p.fake.factory}})
		d.PlatformSync = p.sync
		d.Outbox = p.flushed
	})
	return p
}

// testBox is a sealing box of its own for the platform connections.
func testBox(t *testing.T) *secrets.Box {
	key, _ := secrets.ParseKey(secrets.NewKey())
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func orndBody() map[string]any {
	return map[string]any{"kind": "officernd", "org_slug": "acme-space", "client_id": "doorsync-app",
		"client_secret": orndSecret, "webhook_secret": hookSecret}
}

func operatorKey(a *testAPI, org string) string {
	a.t.Helper()
	a.createOrg(org)
	return a.createKey(org, "ops", "operator")
}

// TestPlatformConnectShowAndDisconnect: PUT connects (checked, stored
// sealed) and starts the sync at the org's interval; GET shows the
// connection and where to point webhooks, never a secret; DELETE stops the
// sync and forgets the connection, keeping the entities.
func TestPlatformConnectShowAndDisconnect(t *testing.T) {
	a := newPlatformAPI(t)
	key := operatorKey(a.testAPI, "acme")

	got := a.must(200, "PUT", "/v1/orgs/acme/platform", key, orndBody()).JSON(t)
	checkFields(t, got, map[string]any{"kind": "officernd", "connected": true, "last_sync_at": nil, "last_error": "",
		"counts": map[string]any{}, "held": "", "sync_interval": "5m", "webhook_url": a.URL + "/v1/hooks/officernd/acme"})
	if calls := a.sync.take(); !slices.Equal(calls, []string{"start acme 5m0s"}) {
		t.Errorf("sync calls = %v, want the sync started at 5m", calls)
	}
	if cfg := a.fake.built[0]; cfg.BaseURL != platformconn.OfficeRnDBaseURL || cfg.ClientSecret != orndSecret {
		t.Errorf("the connector was built with %s at %s", cfg, cfg.BaseURL)
	}
	shown := a.must(200, "GET", "/v1/orgs/acme/platform", key, nil)
	checkFields(t, shown.JSON(t), map[string]any{"kind": "officernd", "connected": true})
	a.must(201, "PUT", "/v1/orgs/acme/members/m1", key, map[string]any{"email": "m1@example.com"})

	a.must(204, "DELETE", "/v1/orgs/acme/platform", key, nil)
	if calls := a.sync.take(); !slices.Equal(calls, []string{"stop acme"}) {
		t.Errorf("sync calls = %v, want the sync stopped", calls)
	}
	checkFields(t, a.must(200, "GET", "/v1/orgs/acme/platform", key, nil).JSON(t),
		map[string]any{"kind": nil, "connected": false, "webhook_url": ""})
	a.must(200, "GET", "/v1/orgs/acme/members/m1", key, nil)
	a.must(404, "DELETE", "/v1/orgs/acme/platform", key, nil)

	for where, text := range map[string]string{"GET": string(shown.Body), "PUT": jsonText(got), "logs": a.logs.String(),
		"platform_connections": a.dumpTable("platform_connections")} {
		for _, secret := range []string{orndSecret, hookSecret} {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows a secret", where)
			}
		}
	}
}

// metrics is what GET /metrics serves.
func (a *platformAPI) metrics() string {
	a.t.Helper()
	return string(a.must(200, "GET", "/metrics", "", nil).Body)
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestPlatformConnectNamesEveryBadField: a body is checked as a whole
// before anything is sent to a platform.
func TestPlatformConnectNamesEveryBadField(t *testing.T) {
	a := newPlatformAPI(t)
	key := operatorKey(a.testAPI, "acme")
	for _, tc := range []struct {
		body any
		want []string
	}{
		{map[string]any{}, []string{"kind"}},
		{map[string]any{"kind": "cobot"}, []string{"kind"}},
		{map[string]any{"kind": "officernd"}, []string{"client_id", "client_secret", "org_slug"}},
		{map[string]any{"kind": "officernd", "org_slug": "a/b", "client_id": "c", "client_secret": "s", "username": "u",
			"base_url": "ftp://x", "identity_url": "not a url"}, []string{"base_url", "identity_url", "org_slug", "username"}},
		{map[string]any{"kind": "nexudus", "client_id": "c", "identity_url": "https://identity.officernd.com"},
			[]string{"client_id", "identity_url", "password", "username"}},
		{map[string]any{"kind": "nexudus", "username": "u", "password": strings.Repeat("p", 1025)}, []string{"password"}},
		{map[string]any{"kind": "nexudus", "username": "u", "password": "p", "tenant": "x"}, nil},
	} {
		r := a.must(400, "PUT", "/v1/orgs/acme/platform", key, tc.body)
		if got := problemFields(t, r); tc.want != nil && !slices.Equal(got, tc.want) {
			t.Errorf("%v: fields %v, want %v", tc.body, got, tc.want)
		}
	}
	if len(a.fake.built) != 0 || len(a.sync.take()) != 0 {
		t.Error("a bad body reached a platform or started a sync")
	}
}

// TestPlatformConnectRefusals: a host off the allow-list or resolving to
// an internal address is refused (400, naming the URL's field) without a
// request; a platform refusing the check answers 502 with a safe reason.
// Nothing is stored, no sync starts.
func TestPlatformConnectRefusals(t *testing.T) {
	a := newPlatformAPI(t)
	key := operatorKey(a.testAPI, "acme")
	offList := orndBody()
	offList["base_url"] = "https://officernd.attacker.example"
	internal := orndBody()
	internal["identity_url"] = "https://intranet.officernd.com"
	for body, field := range map[*map[string]any]string{&offList: "base_url", &internal: "identity_url"} {
		r := a.must(400, "PUT", "/v1/orgs/acme/platform", key, *body)
		if got := problemFields(t, r); !slices.Equal(got, []string{field}) {
			t.Errorf("refused fields %v, want %s", got, field)
		}
	}
	if len(a.fake.built) != 0 {
		t.Error("a connector was built for a refused host")
	}

	a.fake.checkErr = connectors.ErrUnauthorized
	r := a.must(502, "PUT", "/v1/orgs/acme/platform", key, map[string]any{"kind": "nexudus", "username": "ops@acme.example",
		"password": nexudusPass})
	if !strings.Contains(string(r.Body), "refused the credentials") || strings.Contains(string(r.Body), nexudusPass) {
		t.Errorf("502 body: %s", r.Body)
	}
	checkFields(t, a.must(200, "GET", "/v1/orgs/acme/platform", key, nil).JSON(t), map[string]any{"connected": false})
	if calls := a.sync.take(); len(calls) != 0 {
		t.Errorf("a refused connection started the sync: %v", calls)
	}
}

// TestPlatformSyncIntervalSetting: platform_sync_interval defaults to 5m,
// takes 1m to 24h, and a change moves a connected org's schedule to it
// (starting no run).
func TestPlatformSyncIntervalSetting(t *testing.T) {
	a := newPlatformAPI(t)
	key := operatorKey(a.testAPI, "acme")
	org := map[string]any{"name": "acme", "time_zone": "Europe/London"}
	checkFields(t, a.must(200, "GET", "/v1/orgs/acme", key, nil).JSON(t), map[string]any{"platform_sync_interval": "5m"})
	for _, bad := range []string{"30s", "25h"} {
		org["platform_sync_interval"] = bad
		if got := problemFields(t, a.must(400, "PUT", "/v1/orgs/acme", adminToken, org)); !slices.Equal(got, []string{"platform_sync_interval"}) {
			t.Errorf("%s: fields %v", bad, got)
		}
	}
	org["platform_sync_interval"] = "10m"
	a.must(200, "PUT", "/v1/orgs/acme", adminToken, org) // not connected: nothing to restart
	a.must(200, "PUT", "/v1/orgs/acme/platform", key, orndBody())
	org["platform_sync_interval"] = "1h"
	a.must(200, "PUT", "/v1/orgs/acme", adminToken, org)
	a.must(200, "PUT", "/v1/orgs/acme", adminToken, org) // unchanged: not restarted
	if calls := a.sync.take(); !slices.Equal(calls, []string{"start acme 10m0s", "schedule acme 1h0m0s"}) {
		t.Errorf("sync calls = %v", calls)
	}
}

// delivery is a signed webhook body carrying changes.
func delivery(t *testing.T, upserts []connectors.Record, deletes ...connectors.Ref) (string, string) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"upserts": upserts, "deletes": deletes})
	if err != nil {
		t.Fatal(err)
	}
	return string(b), hex.EncodeToString(sign(hookSecret, b))
}

func record(kind access.Kind, id, body string) connectors.Record {
	return connectors.Record{Kind: kind, ID: id, Body: json.RawMessage(body), SourceID: "src-" + id}
}

// hook posts a delivery with signature (none when "").
func (a *platformAPI) hook(path, body, signature string) response {
	a.t.Helper()
	req, _ := http.NewRequest("POST", a.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(hookSignature, signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// TestPlatformHooksRefuseWhatIsNotSigned: unsigned, badly signed, for the
// other platform, for an org not connected or unknown: 401, all alike,
// and nothing changes.
func TestPlatformHooksRefuseWhatIsNotSigned(t *testing.T) {
	a := newPlatformAPI(t)
	key := operatorKey(a.testAPI, "acme")
	a.createOrg("idle")
	a.must(200, "PUT", "/v1/orgs/acme/platform", key, orndBody())
	a.clearOutbox()
	body, sig := delivery(t, []connectors.Record{record(access.KindMember, "m1", `{"email":"m1@example.com","version":1}`)})
	forged := hex.EncodeToString(sign("another-secret", []byte(body)))
	var answers []string
	for _, tc := range []struct{ path, sig string }{
		{"/v1/hooks/officernd/acme", ""},
		{"/v1/hooks/officernd/acme", forged},
		{"/v1/hooks/officernd/acme", "not-hex"},
		{"/v1/hooks/nexudus/acme", sig},
		{"/v1/hooks/officernd/idle", sig},
		{"/v1/hooks/officernd/no-such-org", sig},
	} {
		r := a.hook(tc.path, body, tc.sig)
		if r.Status != 401 {
			t.Errorf("%s signed %q = %d, want 401\n%s", tc.path, tc.sig, r.Status, r.Body)
		}
		var p map[string]any
		json.Unmarshal(r.Body, &p)
		answers = append(answers, p["detail"].(string))
	}
	if len(slices.Compact(answers)) != 1 {
		t.Errorf("the refusals differ, revealing which orgs exist: %v", answers)
	}
	big := strings.Repeat(" ", 1<<20) + body
	if r := a.hook("/v1/hooks/officernd/acme", big, hex.EncodeToString(sign(hookSecret, []byte(big)))); r.Status != 413 {
		t.Errorf("a delivery over 1 MiB = %d, want 413", r.Status)
	}
	a.must(404, "GET", "/v1/orgs/acme/members/m1", key, nil)
	if got := a.outbox(); len(got) != 0 {
		t.Errorf("a refused delivery queued pokes: %v", got)
	}
	if logs := a.logs.String(); strings.Contains(logs, "m1@example.com") || strings.Contains(logs, hookSecret) {
		t.Error("a refused delivery's content or the secret was logged")
	}
	if n := metricValue(t, a.metrics(), `doorsync_platform_webhooks_total{platform="officernd",result="unauthorized"}`); n != 5 {
		t.Errorf("unauthorized officernd deliveries counted %v, want 5", n)
	}
}

// TestPlatformHookWritesAndPokes: a signed delivery is written through the
// write path within the request, its pokes sent by the request itself; a
// delete of what doorsync does not hold and a repeat are skipped; a bad
// record is named in the answer (still 200: a retry would meet it again)
// and recorded as the platform's problem, while the good ones stay.
func TestPlatformHookWritesAndPokes(t *testing.T) {
	a := newPlatformAPI(t)
	key := operatorKey(a.testAPI, "acme")
	a.must(201, "PUT", "/v1/orgs/acme/plans/p1", key, map[string]any{"name": "Hot desk"})
	a.must(201, "PUT", "/v1/orgs/acme/mappings/plans/p1", key, groups(siteLondon, groupMembers))
	a.must(200, "PUT", "/v1/orgs/acme/platform", key, orndBody())
	a.clearOutbox()

	upserts := []connectors.Record{
		record(access.KindMember, "m1", `{"email":"m1@example.com","version":1700000000000}`),
		record(access.KindMembership, "ms1", `{"plan_id":"p1","member_id":"m1","starts_at":"2026-01-01","version":1700000000000}`),
	}
	body, sig := delivery(t, upserts, connectors.Ref{Kind: access.KindBooking, ID: "b9"})
	r := a.hook("/v1/hooks/officernd/acme", body, sig)
	if r.Status != 200 {
		t.Fatalf("delivery = %d\n%s", r.Status, r.Body)
	}
	checkFields(t, r.JSON(t), map[string]any{"applied": 2, "skipped": 1})
	checkFields(t, a.must(200, "GET", "/v1/orgs/acme/memberships/ms1", key, nil).JSON(t),
		map[string]any{"plan_id": "p1", "member_id": "m1", "version": 1700000000000})
	queued := a.query("select id from outbox order by id")
	if len(queued) == 0 || len(a.flushed.ids) != len(queued) {
		t.Errorf("the request sent %d pokes of the %d it queued", len(a.flushed.ids), len(queued))
	}

	r = a.hook("/v1/hooks/officernd/acme", body, sig)
	checkFields(t, r.JSON(t), map[string]any{"applied": 0, "skipped": 3})

	older := []connectors.Record{
		record(access.KindMember, "m1", `{"email":"old@example.com","version":1600000000000}`),
		record(access.KindMember, "m2", `{"first_name":"No Mail","version":1700000000000}`),
		record(access.KindMember, "m3", `{"email":"m3@example.com","version":1700000000000}`),
	}
	body, sig = delivery(t, older, connectors.Ref{Kind: access.KindMembership, ID: "ms1"})
	r = a.hook("/v1/hooks/officernd/acme", body, sig)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"refused":[{"record":"member/m2"`) {
		t.Fatalf("a delivery with a bad record = %d, want 200 naming member/m2 as refused\n%s", r.Status, r.Body)
	}
	if problems, err := a.Store.PlatformProblems(context.Background(), "acme"); err != nil || len(problems) != 1 || problems[0].ID != "m2" {
		t.Fatalf("platform problems = %+v, %v; want member m2", problems, err)
	}
	a.must(200, "GET", "/v1/orgs/acme/members/m3", key, nil)
	a.must(404, "GET", "/v1/orgs/acme/memberships/ms1", key, nil)
	checkFields(t, a.must(200, "GET", "/v1/orgs/acme/members/m1", key, nil).JSON(t), map[string]any{"email": "m1@example.com"})
	if n := metricValue(t, a.metrics(), `doorsync_platform_webhooks_total{platform="officernd",result="invalid"}`); n != 1 {
		t.Errorf("invalid deliveries counted %v, want 1", n)
	}
	if n := metricValue(t, a.metrics(), `doorsync_platform_webhooks_total{platform="officernd",result="applied"}`); n != 2 {
		t.Errorf("applied deliveries counted %v, want 2", n)
	}
}

// POST …/platform/sync starts a full run now, approving held deletions when
// asked: 202; 409 while a run is going on; 404 when not connected; an
// operator's act.
func TestSyncPlatformNow(t *testing.T) {
	a := newPlatformAPI(t)
	key := operatorKey(a.testAPI, "acme")
	a.must(404, "POST", "/v1/orgs/acme/platform/sync", key, map[string]any{})
	a.must(200, "PUT", "/v1/orgs/acme/platform", key, orndBody())
	a.sync.take()

	got := a.must(202, "POST", "/v1/orgs/acme/platform/sync", key, map[string]any{"approve_removals": true}).JSON(t)
	checkFields(t, got, map[string]any{"approve_removals": true})
	a.sync.mu.Lock()
	a.sync.busy = true
	a.sync.mu.Unlock()
	a.must(409, "POST", "/v1/orgs/acme/platform/sync", key, map[string]any{})
	a.must(400, "POST", "/v1/orgs/acme/platform/sync", key, map[string]any{"approve": true})
	if calls := a.sync.take(); !slices.Equal(calls, []string{"now acme approve=true", "now acme approve=false"}) {
		t.Errorf("sync calls = %v", calls)
	}
	platformKey := a.createKey("acme", "bridge", "platform")
	a.must(403, "POST", "/v1/orgs/acme/platform/sync", platformKey, map[string]any{})
}
