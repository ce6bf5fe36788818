package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"doorsync/api"
	"doorsync/internal/egress"
	"doorsync/internal/saltoconn"
	"doorsync/internal/secrets"
	"doorsync/internal/testenv"
	"doorsync/internal/webhook"
	"doorsync/saltoks/saltokstest"
	"doorsync/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const adminToken = "admin-token-for-tests-0123456789"

// testAPI is the API over real HTTP on a fresh database.
type testAPI struct {
	t       *testing.T
	URL     string
	Store   *store.Store
	DBURL   string
	Fake    *saltokstest.Server
	Secrets *secrets.Box
	logs    *testenv.SyncBuffer
	deps    api.Deps
	srv     *httptest.Server
	// allowed are Salto KS URLs allowed besides Fake's (see allow).
	allowed []string
}

func newTestAPI(t *testing.T, tweak ...func(*api.Deps)) *testAPI {
	t.Helper()
	st, dbURL := testenv.NewStore(t)
	logs := &testenv.SyncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fake := saltokstest.NewServer()
	t.Cleanup(fake.Close)
	if err := fake.SeedJSON([]byte(testSeed)); err != nil {
		t.Fatal(err)
	}
	key, _ := secrets.ParseKey(secrets.NewKey())
	box, _ := secrets.New(key)
	a := &testAPI{t: t, Store: st, DBURL: dbURL, Fake: fake, Secrets: box, logs: logs}
	a.deps = api.Deps{
		Logger:     logger,
		Store:      st,
		AdminToken: adminToken,
		Webhooks:   &webhook.Hooks{Store: st, Secrets: box, Egress: egress.MustParseOpen("DOORSYNC_WEBHOOK_ALLOWED_HOSTS", nil)},
		// Every route is there, the codec's too (codec_test.go).
		PayloadCodec: testCodec,
	}
	for _, f := range tweak {
		f(&a.deps)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	a.URL = srv.URL
	if a.deps.PublicURL == "" {
		a.deps.PublicURL = srv.URL
	}
	a.srv = srv
	a.deps.Salto = a.newManager()
	srv.Config.Handler = api.NewHandler(a.deps)
	return a
}

// allow puts url on the API's Salto KS allow-list (another fake), as a
// deployment listing it would.
func (a *testAPI) allow(url string) {
	a.allowed = append(a.allowed, url)
	a.deps.Salto = a.newManager()
	a.srv.Config.Handler = api.NewHandler(a.deps)
}

// newManager is a fresh connection manager on the same store and keys, as
// a restarted API process would have.
func (a *testAPI) newManager() *saltoconn.Manager {
	return saltoconn.New(saltoconn.Options{
		Store: a.Store, Secrets: a.Secrets, Logger: a.deps.Logger, Egress: egress.MustParse("test", append([]string{a.Fake.URL}, a.allowed...)),
		Partner: saltoconn.PartnerClient{ClientID: "partner-app", ClientSecret: partnerSecret,
			IdentityURL: a.Fake.URL, APIURL: a.Fake.URL},
	})
}

// Distinctive secrets, so tests can prove they never leak.
const (
	clientSecret  = "client-secret-7f3a91"
	partnerSecret = "partner-secret-c0ffee"
	saltoPassword = "system-password-5e11a"
	siteLondon    = "5a170001-0000-4000-8000-000000000001"
	siteNY        = "5a170001-0000-4000-8000-000000000002"
	groupMembers  = "6a000001-0001-4000-8000-000000000001"
)

const testSeed = `{
 "clients":[
  {"client_id":"doorsync","client_secret":"` + clientSecret + `",
   "users":[{"username":"integration@example.com","password":"` + saltoPassword + `"}]},
  {"client_id":"partner-app","client_secret":"` + partnerSecret + `",
   "users":[{"username":"owner@example.com","password":"owner-pw"}]}],
 "sites":[
  {"id":"` + siteLondon + `","name":"London","time_zone":"Europe/London","seats":50,
   "access_groups":[{"id":"` + groupMembers + `","name":"London Members"},
                    {"id":"6a000001-0001-4000-8000-000000000002","name":"London Room 1"}]},
  {"id":"` + siteNY + `","name":"New York","time_zone":"America/New_York","seats":50}]}`

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// do sends a request with token and a JSON body (nil for none; a string
// is sent as it is).
func (a *testAPI) do(method, path, token string, body any) response {
	a.t.Helper()
	switch b := body.(type) {
	case nil:
		return a.doRaw(method, path, token, "", "")
	case string:
		return a.doRaw(method, path, token, "application/json", b)
	default:
		enc, _ := json.Marshal(b)
		return a.doRaw(method, path, token, "application/json", string(enc))
	}
}

// doRaw sends body as is with content type ct.
func (a *testAPI) doRaw(method, path, token, ct, body string) response {
	a.t.Helper()
	req, err := http.NewRequest(method, a.URL+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// dumpTable returns every row of table as text, to check what is at rest.
func (a *testAPI) dumpTable(table string) string {
	a.t.Helper()
	conn, err := pgx.Connect(context.Background(), a.DBURL)
	if err != nil {
		a.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), "select t::text from "+pgx.Identifier{table}.Sanitize()+" t")
	if err != nil {
		a.t.Fatal(err)
	}
	var out strings.Builder
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out.WriteString(s + "\n")
	}
	return out.String()
}

// exec runs SQL on the test database.
func (a *testAPI) exec(sql string, args ...any) {
	a.t.Helper()
	conn, err := pgx.Connect(context.Background(), a.DBURL)
	if err != nil {
		a.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		a.t.Fatalf("exec %q: %v", sql, err)
	}
}

// query returns every row of a query, each column as text.
func (a *testAPI) query(sql string, args ...any) [][]string {
	a.t.Helper()
	conn, err := pgx.Connect(context.Background(), a.DBURL)
	if err != nil {
		a.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), sql, args...)
	if err != nil {
		a.t.Fatalf("query %q: %v", sql, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			a.t.Fatal(err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = fmt.Sprint(v)
		}
		out = append(out, row)
	}
	return out
}

// must sends a request and fails the test unless it answers want.
func (a *testAPI) must(want int, method, path, token string, body any) response {
	a.t.Helper()
	r := a.do(method, path, token, body)
	if r.Status != want {
		a.t.Fatalf("%s %s = %d, want %d\n%s", method, path, r.Status, want, r.Body)
	}
	return r
}

// createOrg creates an org and a key for it, returning the key.
func (a *testAPI) createOrg(id string) string {
	a.t.Helper()
	a.must(201, "PUT", "/v1/orgs/"+id, adminToken, map[string]any{"name": id, "time_zone": "Europe/London"})
	r := a.must(201, "POST", "/v1/orgs/"+id+"/api-keys", adminToken, map[string]any{"name": "platform"})
	return r.JSON(a.t)["key"].(string)
}
