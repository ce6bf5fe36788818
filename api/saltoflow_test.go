package api_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"doorsync/api"
)

// newBrowser is a client with a cookie jar that does not follow redirects.
func newBrowser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// authorizeInBrowser starts the flow for org in browser (query is added to
// …/salto/authorize), lets the fake's identity server approve, and returns
// the callback URL it sends the browser back to.
func (a *testAPI) authorizeInBrowser(browser *http.Client, org, key, query string) string {
	a.t.Helper()
	req := mustRequest(a.t, "GET", a.URL+"/v1/orgs/"+org+"/salto/authorize"+query)
	req.Header.Set("Authorization", "Bearer "+key)
	resp := mustDo(a.t, browser, req, http.StatusFound)
	authorize, _ := url.Parse(resp.Header.Get("Location"))
	q := authorize.Query()
	if !strings.HasPrefix(authorize.String(), a.Fake.URL+"/connect/authorize") || q.Get("code_challenge_method") != "S256" ||
		!strings.Contains(q.Get("scope"), "offline_access") || q.Get("state") == "" {
		a.t.Fatalf("authorize redirect = %s", authorize)
	}
	// The fake's identity server approves at once and sends the browser back.
	resp = mustDo(a.t, browser, mustRequest(a.t, "GET", authorize.String()), http.StatusFound)
	back := resp.Header.Get("Location")
	if !strings.HasPrefix(back, a.URL+"/v1/salto/callback?") {
		a.t.Fatalf("identity server redirected to %s", back)
	}
	return back
}

func (a *testAPI) assertNotConnected(org string) {
	a.t.Helper()
	if rows := a.query(`select mode from salto_connections where org_id = $1`, org); len(rows) != 0 {
		a.t.Fatalf("org %s was connected: %v", org, rows)
	}
}

func TestAuthorizeSetsAShortLivedHttpOnlyLaxCookie(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	req := mustRequest(t, "GET", a.URL+"/v1/orgs/acme/salto/authorize")
	req.Header.Set("Authorization", "Bearer "+key)
	resp := mustDo(t, newBrowser(t), req, http.StatusFound)
	c := flowCookie(t, resp)
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge != 600 || c.Secure || c.Path != "/v1/salto/callback" || len(c.Value) < 20 {
		t.Errorf("flow cookie = %+v, want HttpOnly, SameSite=Lax, Max-Age=600, Path=/v1/salto/callback, not Secure over http", c)
	}
	if state, _ := url.Parse(resp.Header.Get("Location")); strings.Contains(state.RawQuery, c.Value) {
		t.Error("the nonce travels in the URL too; it must stay in the cookie")
	}

	secure := newTestAPI(t, func(d *api.Deps) { d.PublicURL = "https://doorsync.example/ds" })
	key = secure.createOrg("acme")
	req = mustRequest(t, "GET", secure.URL+"/v1/orgs/acme/salto/authorize")
	req.Header.Set("Authorization", "Bearer "+key)
	resp = mustDo(t, newBrowser(t), req, http.StatusFound)
	if c := flowCookie(t, resp); !c.Secure || c.Path != "/ds/v1/salto/callback" {
		t.Errorf("flow cookie behind an https public URL = %+v, want Secure with the public path", c)
	}
	to, _ := url.Parse(resp.Header.Get("Location"))
	if got := to.Query().Get("redirect_uri"); got != "https://doorsync.example/ds/v1/salto/callback" {
		t.Errorf("redirect_uri sent to the identity server = %q", got)
	}
}

func flowCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, "doorsync_salto_flow_") {
			return c
		}
	}
	t.Fatalf("no flow cookie in %v", resp.Header["Set-Cookie"])
	return nil
}

func TestAuthorizeRefusesAForeignRedirectURI(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	u, _ := url.Parse(a.URL)
	for _, foreign := range []string{
		"https://evil.example/v1/salto/callback",
		"http://" + u.Hostname() + ":1/v1/salto/callback",
		a.URL + "/v1/salto/callback/../../elsewhere",
		a.URL + "/v1/salto/callback?next=https://evil.example",
	} {
		// Not followed: a wrong answer must not send the test anywhere.
		req := mustRequest(t, "GET", a.URL+"/v1/orgs/acme/salto/authorize?redirect_uri="+url.QueryEscape(foreign))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := newBrowser(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), `"field":"redirect_uri"`) || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("redirect_uri %s: %d %s (Set-Cookie %q)", foreign, resp.StatusCode, body, resp.Header.Get("Set-Cookie"))
		}
	}
	if rows := a.query(`select state from salto_oauth_states`); len(rows) != 0 {
		t.Errorf("a refused authorize stored a state: %v", rows)
	}
}

func TestCallbackNeedsTheCookieOfTheBrowserThatStarted(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")

	// Another browser (the victim of a forged link) has no cookie.
	back := a.authorizeInBrowser(newBrowser(t), "acme", key, "")
	r := a.must(400, "GET", strings.TrimPrefix(back, a.URL), "", nil)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" || !strings.Contains(string(r.Body), "did not start") {
		t.Errorf("answer without the cookie: %s %s", ct, r.Body)
	}
	a.assertNotConnected("acme")

	// A cookie of the right name with another nonce is refused too, and
	// uses the state up.
	starter := newBrowser(t)
	back = a.authorizeInBrowser(starter, "acme", key, "")
	wrong := mustRequest(t, "GET", back)
	for _, c := range starter.Jar.Cookies(wrong.URL) {
		wrong.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value[:len(c.Value)-2] + "xx"})
	}
	if len(wrong.Cookies()) == 0 {
		t.Fatal("the starting browser holds no cookie for the callback")
	}
	mustDo(t, http.DefaultClient, wrong, http.StatusBadRequest)
	a.assertNotConnected("acme")
	mustDo(t, starter, mustRequest(t, "GET", back), http.StatusBadRequest)
	a.assertNotConnected("acme")
}

func TestCallbackAnswersWithAPageNamingTheOrg(t *testing.T) {
	a := newTestAPI(t)
	a.Fake.SetTokenTTL(time.Hour)
	a.must(201, "PUT", "/v1/orgs/acme-london", adminToken, map[string]any{"name": "Acme <London> & Co", "time_zone": "Europe/London"})
	key := a.must(201, "POST", "/v1/orgs/acme-london/api-keys", adminToken, map[string]any{"name": "ops"}).JSON(t)["key"].(string)
	browser := newBrowser(t)
	back := a.authorizeInBrowser(browser, "acme-london", key, "")

	resp, err := browser.Do(mustRequest(t, "GET", back))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, "doorsync_salto_flow_") && c.MaxAge >= 0 {
			t.Errorf("the flow cookie is kept after the callback: %+v", c)
		}
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s = %d %s\n%s", back, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	for _, want := range []string{"Acme &lt;London&gt; &amp; Co", "<code>acme-london</code>", a.URL + "/console/"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the page does not say %q:\n%s", want, body)
		}
	}
	if status := a.must(200, "GET", "/v1/orgs/acme-london/salto", key, nil).JSON(t); status["connected"] != true {
		t.Errorf("status = %v", status)
	}
}

func TestCallbackErrorRepeatsOnlyAnOAuthCode(t *testing.T) {
	a := newTestAPI(t)
	r := a.must(502, "GET", "/v1/salto/callback?error=access_denied", "", nil)
	if !strings.Contains(string(r.Body), "did not authorize: access_denied") {
		t.Errorf("answer = %s", r.Body)
	}
	r = a.must(502, "GET", "/v1/salto/callback?error="+url.QueryEscape("<b>call +1 555 0100</b>"), "", nil)
	if strings.Contains(string(r.Body), "555") || strings.Contains(string(r.Body), "\\u003cb") {
		t.Errorf("the callback echoes what the browser brought: %s", r.Body)
	}
}
