package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"doorsync/activities"
	"doorsync/api"
	"doorsync/internal/egress"
	"doorsync/internal/entity"
	"doorsync/internal/guestkey"
	"doorsync/internal/outbox"
	"doorsync/internal/platformconn"
	"doorsync/internal/reconciler"
	"doorsync/internal/saltoconn"
	"doorsync/internal/secrets"
	"doorsync/internal/testenv"
	"doorsync/internal/write"
	"doorsync/saltoks/saltokstest"
	"doorsync/store"
	"doorsync/worker"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const (
	adminToken = "e2e-admin-token-0123456789"
	london     = "5a170001-0000-4000-8000-000000000001"
	gMembers   = "6a000001-0001-4000-8000-000000000001"
	gRoom      = "6a000001-0001-4000-8000-000000000002"
	gFloor     = "6a000001-0001-4000-8000-000000000003"
	gDesk      = "6a000001-0001-4000-8000-000000000004"
	gFront     = "6a000001-0001-4000-8000-000000000005"
	gDayPass   = "6a000001-0001-4000-8000-000000000006"
	paris      = "5a170001-0000-4000-8000-000000000002"
	gParis     = "6a000002-0001-4000-8000-000000000001"
	staffUser  = "9a0e0001-0001-4000-8000-000000000001"
	tag1       = "7a900001-0001-4000-8000-000000000001"
)

// Distinctive credentials, so tests can prove they never leak.
const (
	clientSecret  = "e2e-client-secret-4242"
	saltoPassword = "e2e-system-password-9393"
)

const seed = `{"clients":[{"client_id":"doorsync","client_secret":"` + clientSecret + `","users":[{"username":"sys@example.com","password":"` + saltoPassword + `"}]}],
 "sites":[{"id":"` + london + `","name":"London","time_zone":"Europe/London","seats":500,
   "tags":[{"id":"` + tag1 + `","tag_number":"04A1B2C3"}],
   "users":[{"site_user_id":"5e0e0001-0001-4000-8000-000000000001","user_id":"` + staffUser + `",
             "email":"staff@example.com","first_name":"Staff","last_name":"Member"}],
   "access_groups":[{"id":"` + gMembers + `","name":"Members","user_ids":["` + staffUser + `"]},
                    {"id":"` + gRoom + `","name":"Room 1"},{"id":"` + gFloor + `","name":"Floor 1"},
                    {"id":"` + gDesk + `","name":"Desk 1"},{"id":"` + gFront + `","name":"Front door"},
                    {"id":"` + gDayPass + `","name":"Day pass"}]},
  {"id":"` + paris + `","name":"Paris","time_zone":"Europe/Paris","seats":500,
   "access_groups":[{"id":"` + gParis + `","name":"Front door"}]}]}`

// stack is doorsync end to end: the API over HTTP, a worker and the outbox
// relay on a real Temporal dev server, Postgres, and a fake Salto KS.
type stack struct {
	t        testing.TB
	org      string // unique per test: workflow ids must not meet across tests
	ctx      context.Context
	URL      string
	key      string
	st       *store.Store
	dbURL    string
	fake     *saltokstest.Server
	temporal client.Client
	tq       string
	// deployment is the Temporal worker deployment the worker is a
	// version of ("": unversioned), build the worker's build id ("": the
	// test binary's).
	deployment, build string
	acts              *activities.Activities
	secrets           *secrets.Box
	worker            sdkworker.Worker
	mu                sync.Mutex
}

type stackOptions struct {
	// server is a dev server the test owns (to stop it); nil shares one.
	server *testenv.DevServer
	// orgSettings override the org's defaults.
	orgSettings map[string]any
	// platformURLs are the platform fakes the org may connect to.
	platformURLs []string
	// deployment makes the worker a version of this Temporal worker
	// deployment, made current as worker.Run does, and the relay start
	// workflows for versioned workers (DOORSYNC_WORKER_DEPLOYMENT).
	deployment string
}

func newStack(t testing.TB, opts stackOptions) *stack {
	t.Helper()
	st, dbURL := testenv.NewStore(t)
	// Cleanups run last-in first-out: cancel the relay before the store
	// closes, or the pool waits for its listening connection forever.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv := opts.server
	if srv == nil {
		srv = testenv.Temporal(t)
	}
	c := srv.Client(t)
	fake := saltokstest.NewServer()
	t.Cleanup(fake.Close)
	if err := fake.SeedJSON([]byte(seed)); err != nil {
		t.Fatal(err)
	}
	key, _ := secrets.ParseKey(secrets.NewKey())
	box, _ := secrets.New(key)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	mgr := saltoconn.New(saltoconn.Options{Store: st, Secrets: box, Logger: log,
		Egress: egress.MustParse("test", []string{fake.URL})})
	// The platform fakes listen on loopback; only they are allowed.
	platforms := platformconn.New(platformconn.Options{Store: st, Secrets: box, Logger: log,
		Egress: egress.MustParse("test", opts.platformURLs)})
	guests := guestkey.New(guestkey.Derive(key))
	s := &stack{t: t, dbURL: dbURL, secrets: box, org: orgFor(t), ctx: ctx, st: st, fake: fake, temporal: c, tq: testenv.TaskQueue(t),
		deployment: opts.deployment, acts: &activities.Activities{Store: st, Salto: mgr, Log: log, Guests: guests}}
	rec := &reconciler.Reconciler{Client: c, TaskQueue: s.tq}
	s.acts.Workflows = rec
	s.acts.Orgs = rec
	relay := &outbox.Relay{Store: st, Temporal: c, TaskQueue: s.tq, Log: log, PollInterval: 200 * time.Millisecond, Guests: guests,
		Versioned: opts.deployment != ""}
	s.acts.Platform = &activities.PlatformSync{Platforms: platforms, Writer: &write.Writer{Store: st}, States: st, Pokes: relay,
		NotConnected: platformconn.ErrNotConnected, Refused: entity.IsInvalid}
	s.startWorker()
	go relay.Run(ctx)
	h := api.NewHandler(api.Deps{Logger: log, Store: st, AdminToken: adminToken, Salto: mgr, Outbox: relay, Reconciler: rec, OrgDeleter: rec,
		Platforms: platforms, PlatformSync: rec,
		OnOrgSaved: func(ctx context.Context, org store.Org) error {
			return rec.EnsureSchedule(ctx, org.ID, org.Settings.ReconcileInterval)
		}})
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	s.setUpOrg(opts.orgSettings)
	return s
}

// orgFor names a test's org after the test, made unique per run: the
// Temporal dev server is shared by the package's tests, and a second run
// (-count=2) must not poke workflows left by the first, whose worker is
// gone.
func orgFor(t testing.TB) string {
	return "org-" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-") + "-" + randomToken()
}

func (s *stack) startWorker() {
	s.t.Helper()
	opts := worker.Options{Deployment: s.deployment, BuildID: s.build}
	w := worker.New(s.temporal, s.tq, s.acts, opts)
	if err := w.Start(); err != nil {
		s.t.Fatal(err)
	}
	if s.deployment != "" {
		ctx, cancel := context.WithTimeout(s.ctx, time.Minute)
		defer cancel()
		if err := worker.MakeCurrent(ctx, s.temporal, opts.Version()); err != nil {
			w.Stop()
			s.t.Fatal(err)
		}
	}
	s.mu.Lock()
	s.worker = w
	s.mu.Unlock()
	s.t.Cleanup(func() { s.stopWorker() })
}

func (s *stack) stopWorker() {
	s.mu.Lock()
	w := s.worker
	s.worker = nil
	s.mu.Unlock()
	if w != nil {
		w.Stop()
	}
}

func (s *stack) setUpOrg(settings map[string]any) {
	body := map[string]any{"name": "Acme", "time_zone": "Europe/London"}
	for k, v := range settings {
		body[k] = v
	}
	s.call(201, "PUT", s.orgPath(), adminToken, body)
	s.key = s.call(201, "POST", s.orgPath()+"/api-keys", adminToken, map[string]any{"name": "platform"})["key"].(string)
	s.call(200, "PUT", s.orgPath()+"/salto", s.key, map[string]any{"client_id": "doorsync", "client_secret": clientSecret,
		"username": "sys@example.com", "password": saltoPassword, "identity_url": s.fake.URL, "api_url": s.fake.URL})
	s.put("/locations/lon", map[string]any{"name": "London", "time_zone": "Europe/London", "salto_site_id": london})
	s.put("/plans/hot", map[string]any{"name": "Hot desk"})
	s.mapGroups("plans", "hot", gMembers)
}

func (s *stack) orgPath() string { return "/v1/orgs/" + s.org }

// call sends a request and fails the test unless it answers want.
func (s *stack) call(want int, method, path, token string, body any) map[string]any {
	s.t.Helper()
	status, raw := s.do(method, path, token, body)
	if status != want {
		s.t.Fatalf("%s %s = %d, want %d: %s", method, path, status, want, raw)
	}
	var out map[string]any
	json.Unmarshal(raw, &out)
	return out
}

func (s *stack) do(method, path, token string, body any) (int, []byte) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// put upserts an org entity (path relative to the org) and expects 200 or
// 201.
func (s *stack) put(path string, body map[string]any) map[string]any {
	s.t.Helper()
	status, raw := s.do("PUT", s.orgPath()+path, s.key, body)
	if status != 200 && status != 201 {
		s.t.Fatalf("PUT %s = %d: %s", path, status, raw)
	}
	var out map[string]any
	json.Unmarshal(raw, &out)
	return out
}

func (s *stack) del(path string) {
	s.t.Helper()
	s.call(204, "DELETE", s.orgPath()+path, s.key, nil)
}

func (s *stack) mapGroups(kind, id string, groups ...string) {
	s.t.Helper()
	ag := []map[string]string{}
	for _, g := range groups {
		ag = append(ag, map[string]string{"site_id": london, "group_id": g})
	}
	s.put("/mappings/"+kind+"/"+id, map[string]any{"access_groups": ag})
}

// userID is the fake's platform user id for email ("" when none).
func (s *stack) userID(email string) string {
	for _, u := range s.fake.SiteUsers(london) {
		if strings.EqualFold(u.Email, email) {
			return u.UserID
		}
	}
	return ""
}

func (s *stack) inGroup(group, email string) bool {
	uid := s.userID(email)
	return uid != "" && slices.Contains(s.fake.GroupMembers(london, group), uid)
}

// eventually waits until ok holds (access changes travel through the
// outbox, Temporal and Salto KS).
func (s *stack) eventually(d time.Duration, what string, ok func() bool, state ...func() string) {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			var last string
			for _, f := range state {
				last = " (" + f() + ")"
			}
			s.t.Fatalf("timed out after %v: %s%s", d, what, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitIn and waitOut wait for email to be in or out of group.
func (s *stack) waitIn(group, email string) {
	s.t.Helper()
	s.eventually(60*time.Second, email+" added to "+group, func() bool { return s.inGroup(group, email) })
}

func (s *stack) waitOut(group, email string) {
	s.t.Helper()
	s.eventually(60*time.Second, email+" removed from "+group, func() bool { return !s.inGroup(group, email) })
}

// stays checks that email's membership of group does not change for d.
func (s *stack) stays(d time.Duration, group, email string, want bool) {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if s.inGroup(group, email) != want {
			s.t.Fatalf("%s in %s = %v, want it to stay %v", email, group, !want, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func member(id, email string, extra ...map[string]any) map[string]any {
	m := map[string]any{"email": email, "first_name": "First", "last_name": id, "access_cards": []string{}}
	for _, e := range extra {
		for k, v := range e {
			m[k] = v
		}
	}
	return m
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func decode(raw []byte) map[string]any {
	var out map[string]any
	json.Unmarshal(raw, &out)
	return out
}

func mustBody(_ int, raw []byte) []byte { return raw }

func containsJSON(v any, fragment string) bool { return strings.Contains(mustJSON(v), fragment) }

// sql runs a statement on the test database, below the API (as a bad
// migration or a platform bug would change data without events).
func (s *stack) sql(query string, args ...any) {
	s.t.Helper()
	conn, err := pgx.Connect(s.ctx, s.dbURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(s.ctx)
	if _, err := conn.Exec(s.ctx, query, args...); err != nil {
		s.t.Fatalf("sql %q: %v", query, err)
	}
}
