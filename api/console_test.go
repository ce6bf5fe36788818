package api_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"doorsync/api"
	"doorsync/store"
)

// consoleClient is a browser-less console client: a cookie jar, no
// redirects followed.
type consoleClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newConsoleClient(t *testing.T, base string) *consoleClient {
	jar, _ := cookiejar.New(nil)
	return &consoleClient{t: t, base: base, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get returns the status, body and the page's CSRF token.
func (cc *consoleClient) get(path string) (int, string, string) {
	cc.t.Helper()
	resp, err := cc.c.Get(cc.base + path)
	if err != nil {
		cc.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	csrf := ""
	if m := csrfInput.FindStringSubmatch(string(b)); m != nil {
		csrf = m[1]
	}
	return resp.StatusCode, string(b), csrf
}

func (cc *consoleClient) post(path string, form url.Values) *http.Response {
	cc.t.Helper()
	resp, err := cc.c.PostForm(cc.base+path, form)
	if err != nil {
		cc.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// signIn signs in with token and returns the session's CSRF token.
func (cc *consoleClient) signIn(token string) *http.Response {
	cc.t.Helper()
	_, _, pre := cc.get("/console/signin")
	return cc.post("/console/signin", url.Values{"csrf": {pre}, "token": {token}})
}

func TestConsoleRefusesWithoutSessionOrWithAWrongCSRFToken(t *testing.T) {
	a, _ := newReconcileAPI(t)
	key := a.createOrg("acme")
	cc := newConsoleClient(t, a.URL)

	// Without a session: pages send to sign-in, forms are refused.
	resp, err := cc.c.Get(a.URL + "/console/holds")
	if err != nil || resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
		t.Fatalf("GET without a session = %v, %v", resp, err)
	}
	if r := cc.post("/console/holds/h1/approve", url.Values{"csrf": {"x"}}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("POST without a session = %d", r.StatusCode)
	}
	// Signing in needs the sign-in form's own token.
	if r := cc.post("/console/signin", url.Values{"token": {key}}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without its CSRF token = %d", r.StatusCode)
	}
	if r := cc.signIn("dsk_nope_nope"); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("sign-in with a wrong key = %d", r.StatusCode)
	}
	platformKey := a.createKey("acme", "feed", "platform")
	if r := cc.signIn(platformKey); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("sign-in with a platform key = %d", r.StatusCode)
	}

	r := cc.signIn(key)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/console/" {
		t.Fatalf("sign-in = %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range r.Cookies() {
		if c.Name == "doorsync_console" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Secure {
		t.Fatalf("session cookie = %+v", session)
	}
	if rows := a.dumpTable("console_sessions"); strings.Contains(rows, key) || strings.Contains(rows, session.Value) {
		t.Fatalf("the session table keeps the key or the session id:\n%s", rows)
	}
	status, body, csrf := cc.get("/console/holds")
	if status != 200 || csrf == "" || !strings.Contains(body, "No holds await a decision.") {
		t.Fatalf("holds page = %d\n%s", status, body)
	}

	// A wrong or missing CSRF token is refused, and nothing is decided.
	a.hold("acme", "hold-1", "g1", "2026-01-01T10:00:00Z", storeRemoval("u1"))
	for _, form := range []url.Values{{}, {"csrf": {"wrong"}}} {
		if r := cc.post("/console/holds/hold-1/approve", form); r.StatusCode != http.StatusForbidden {
			t.Fatalf("approve with csrf %v = %d", form, r.StatusCode)
		}
	}
	if hd, _ := a.Store.GetHold(t.Context(), "acme", "hold-1"); hd.Status != "pending" {
		t.Fatalf("hold = %s after refused forms", hd.Status)
	}
	if r := cc.post("/console/holds/hold-1/reject", url.Values{"csrf": {csrf}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reject with the session's token = %d", r.StatusCode)
	}
	if hd, _ := a.Store.GetHold(t.Context(), "acme", "hold-1"); hd.Status != "rejected" {
		t.Fatalf("hold = %s after reject", hd.Status)
	}

	// Deleting the key ends its sessions.
	a.must(204, "DELETE", "/v1/orgs/acme/api-keys/"+keyID(key), adminToken, nil)
	if status, _, _ := cc.get("/console/holds"); status != http.StatusSeeOther {
		t.Fatalf("holds after the key's deletion = %d", status)
	}

	// Signing out ends the session.
	cc2 := newConsoleClient(t, a.URL)
	cc2.signIn(adminToken)
	_, _, csrf = cc2.get("/console/orgs")
	if r := cc2.post("/console/org", url.Values{"csrf": {csrf}, "org": {"acme"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin picks an org = %d", r.StatusCode)
	}
	if status, body, _ := cc2.get("/console/"); status != 200 || !strings.Contains(body, "acme") {
		t.Fatalf("admin's overview = %d\n%s", status, body)
	}
	cc2.post("/console/signout", url.Values{"csrf": {csrf}})
	if status, _, _ := cc2.get("/console/"); status != http.StatusSeeOther {
		t.Fatalf("overview after sign-out = %d", status)
	}
	if r := cc2.post("/console/signout", url.Values{"csrf": {csrf}}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("a form after sign-out = %d", r.StatusCode)
	}
}

// keyID is the id part of a "dsk_<id>_<secret>" key.
func keyID(key string) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(key, "dsk_"), "_")
	return id
}

func storeRemoval(saltoUser string) store.HeldRemoval {
	return store.HeldRemoval{SaltoUserID: saltoUser}
}

func TestConsoleSessionsExpireWhenUnusedAndAreSecureBehindHTTPS(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	a, _ := newReconcileAPI(t)
	a.deps.Now = clock
	a.srv.Config.Handler = api.NewHandler(a.deps)
	key := a.createOrg("acme")
	cc := newConsoleClient(t, a.URL)
	cc.signIn(key)

	// Each use moves the expiry: 7 h later it still works, and 7 h after that.
	advance(7 * time.Hour)
	if status, _, _ := cc.get("/console/"); status != 200 {
		t.Fatalf("after 7 h = %d", status)
	}
	advance(7 * time.Hour)
	if status, _, _ := cc.get("/console/"); status != 200 {
		t.Fatalf("after 7 more h = %d", status)
	}
	// 8 h unused, it is over, and its row is gone.
	advance(8*time.Hour + time.Second)
	if status, _, _ := cc.get("/console/"); status != http.StatusSeeOther {
		t.Fatalf("after 8 h unused = %d", status)
	}
	if rows := a.dumpTable("console_sessions"); rows != "" {
		t.Fatalf("expired session kept:\n%s", rows)
	}

	// Behind https (DOORSYNC_PUBLIC_URL), the cookie is Secure.
	a.deps.PublicURL = "https://doors.example.com"
	a.srv.Config.Handler = api.NewHandler(a.deps)
	resp, err := http.Get(a.URL + "/console/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pre := resp.Cookies()
	if len(pre) != 1 || !pre[0].Secure {
		t.Fatalf("sign-in form's cookie behind https = %+v", pre)
	}
	req, _ := http.NewRequest("POST", a.URL+"/console/signin", strings.NewReader(url.Values{
		"csrf": {csrfInput.FindStringSubmatch(string(body))[1]}, "token": {key}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(pre[0])
	resp, err = http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "doorsync_console" {
			session = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || session == nil || !session.Secure {
		t.Fatalf("sign-in behind https = %d, session cookie %+v", resp.StatusCode, session)
	}
}

// TestConsolePersonPageNamesGroupsAsExplainDoes reads a person's page with
// Salto KS not connected: the groups are named by the names explain
// carries (as doorsync last saw them), a group it has none for shows its
// id; the people search and the mappings' tabs are the API's lists.
func TestConsolePersonPageNamesGroupsAsExplainDoes(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	for path, body := range map[string]any{
		"locations/l1":       map[string]any{"name": "London", "time_zone": "Europe/London", "salto_site_id": siteLondon},
		"plans/hot":          map[string]any{"name": "Hot desk"},
		"members/m1":         map[string]any{"email": "joe@example.com", "first_name": "Joe", "last_name": "Bloggs"},
		"members/m2":         map[string]any{"email": "ann@example.com", "first_name": "Ann"},
		"memberships/ms1":    map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": "2026-01-01"},
		"mappings/plans/hot": groups(siteLondon, groupMembers, siteLondon, "g-unnamed"),
		"resources/d1":       map[string]any{"kind": "assignable", "name": "Desk 1", "location_id": "l1"},
	} {
		a.must(201, "PUT", "/v1/orgs/acme/"+path, key, body)
	}
	a.exec(`insert into salto_names (org_id, site_id, group_id, name) values ('acme', $1, '', 'London (saved)'), ('acme', $1, $2, 'Members (saved)')`,
		siteLondon, groupMembers)
	cc := newConsoleClient(t, a.URL)
	cc.signIn(key)

	status, body, _ := cc.get("/console/people/m1")
	if status != 200 || !strings.Contains(body, "Members (saved) <span class=\"muted\">at London (saved)</span>") ||
		!strings.Contains(body, "g-unnamed <span class=\"muted\">at London (saved)</span>") {
		t.Fatalf("Joe's page = %d\n%s", status, body)
	}
	status, body, _ = cc.get("/console/people?q=BLOGG")
	if status != 200 || !strings.Contains(body, `href="/console/people/m1"`) || strings.Contains(body, "ann@example.com") {
		t.Fatalf("searching BLOGG = %d\n%s", status, body)
	}
	// The mappings' tabs list the API's entities, a resource on its
	// location's site (named by the live listing: by id, unconnected).
	if status, body, _ = cc.get("/console/mappings?tab=desks"); status != 200 || !strings.Contains(body, "Desk 1 <span class=\"muted\">d1 · "+siteLondon+"</span>") {
		t.Fatalf("the desks tab = %d\n%s", status, body)
	}
	if status, body, _ = cc.get("/console/mappings?tab=rooms"); status != 200 || strings.Contains(body, "Desk 1") {
		t.Fatalf("the rooms tab = %d\n%s", status, body)
	}
	if status, body, _ = cc.get("/console/people?q=" + strings.Repeat("x", 201)); status != http.StatusBadRequest || !strings.Contains(body, "The search is not valid") {
		t.Fatalf("a too long search = %d\n%s", status, body)
	}
}
