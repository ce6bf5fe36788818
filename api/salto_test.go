package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"doorsync/store"
)

func (a *testAPI) connectPassword(org string) {
	a.t.Helper()
	a.must(200, "PUT", "/v1/orgs/"+org+"/salto", adminToken, map[string]any{
		"client_id": "doorsync", "client_secret": clientSecret, "username": "integration@example.com",
		"password": saltoPassword, "identity_url": a.Fake.URL, "api_url": a.Fake.URL})
}

func TestPasswordConnectionEndToEnd(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.must(200, "GET", "/v1/orgs/acme/salto", key, nil) // not connected yet
	if got := a.do("GET", "/v1/orgs/acme/salto", key, nil).JSON(t); got["connected"] != false {
		t.Fatalf("before connecting: %v", got)
	}
	a.must(409, "GET", "/v1/orgs/acme/salto/sites", key, nil)

	r := a.must(200, "PUT", "/v1/orgs/acme/salto", key, map[string]any{
		"client_id": "doorsync", "client_secret": clientSecret, "username": "integration@example.com",
		"password": saltoPassword, "identity_url": a.Fake.URL, "api_url": a.Fake.URL})
	if got := r.JSON(t); got["connected"] != true || got["sites"] != 2.0 || got["mode"] != "password" {
		t.Fatalf("PUT salto = %v", got)
	}
	statusResp := a.must(200, "GET", "/v1/orgs/acme/salto", key, nil)
	if status := statusResp.JSON(t); status["connected"] != true || status["sites"] != 2.0 || status["last_error"] != "" {
		t.Fatalf("status = %v", status)
	}
	sites := a.must(200, "GET", "/v1/orgs/acme/salto/sites", key, nil)
	if !strings.Contains(string(sites.Body), `"name":"London","time_zone":"Europe/London"`) {
		t.Errorf("sites = %s", sites.Body)
	}

	groups := a.must(200, "GET", "/v1/orgs/acme/salto/sites/"+siteLondon+"/access-groups", key, nil)
	if !strings.Contains(string(groups.Body), `{"id":"`+groupMembers+`","name":"London Members","managed":false}`) {
		t.Errorf("groups before mapping = %s", groups.Body)
	}
	a.exec(`insert into mappings (org_id, kind, ref_id, site_id, group_id) values ('acme','plans','p1',$1,$2)`, siteLondon, groupMembers)
	groups = a.must(200, "GET", "/v1/orgs/acme/salto/sites/"+siteLondon+"/access-groups", key, nil)
	if !strings.Contains(string(groups.Body), `"name":"London Members","managed":true}`) {
		t.Errorf("groups after mapping = %s", groups.Body)
	}
	// A reconciliation run that could not remove someone from the group
	// shows on it.
	ctx := context.Background()
	if err := a.Store.StartRun(ctx, store.ReconcileRun{ID: "run1", OrgID: "acme", Trigger: "schedule"}); err != nil {
		t.Fatal(err)
	}
	report := `{"groups":[{"site_id":"` + siteLondon + `","group_id":"` + groupMembers + `","add":[],"remove":[],"problem":"Salto KS refused"}]}`
	if err := a.Store.SaveRunReport(ctx, "acme", "run1", json.RawMessage(report)); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.FinishRun(ctx, "acme", "run1", nil, ""); err != nil {
		t.Fatal(err)
	}
	groups = a.must(200, "GET", "/v1/orgs/acme/salto/sites/"+siteLondon+"/access-groups", key, nil)
	if !strings.Contains(string(groups.Body), `"name":"London Members","managed":true,"problem":"Salto KS refused"}`) {
		t.Errorf("groups after a run with a problem = %s", groups.Body)
	}
	if len(a.storedTokens()) == 0 {
		t.Fatal("no token stored")
	}
	a.assertNoSecrets(string(r.Body), string(statusResp.Body), string(sites.Body), a.dumpTable("salto_connections"))
}

func TestPasswordConnectionRefusals(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	r := a.must(502, "PUT", "/v1/orgs/acme/salto", key, map[string]any{
		"client_id": "doorsync", "client_secret": clientSecret, "username": "integration@example.com",
		"password": "wrong-password", "identity_url": a.Fake.URL, "api_url": a.Fake.URL})
	if detail := r.JSON(t)["detail"].(string); !strings.Contains(detail, "invalid_grant") {
		t.Errorf("502 detail does not say why: %q", detail)
	}
	r = a.must(400, "PUT", "/v1/orgs/acme/salto", key, map[string]any{"client_id": "doorsync", "identity_url": "ftp://x"})
	for _, f := range []string{"client_secret", "username", "password", "identity_url"} {
		if !strings.Contains(string(r.Body), `"field":"`+f+`"`) {
			t.Errorf("400 does not name %s: %s", f, r.Body)
		}
	}
	if got := a.do("GET", "/v1/orgs/acme/salto", key, nil).JSON(t); got["connected"] != false {
		t.Errorf("a refused connection was stored: %v", got)
	}
	a.assertNoSecrets(string(r.Body))
}

func TestAuthorizationCodeFlowAndRefreshAcrossRestart(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.Fake.SetTokenTTL(time.Hour)
	browser := newBrowser(t)

	callback := a.URL + "/v1/salto/callback"
	back := a.authorizeInBrowser(browser, "acme", key, "?redirect_uri="+url.QueryEscape(callback))
	mustDo(t, browser, mustRequest(t, "GET", back), http.StatusOK)
	// The state is single-use.
	mustDo(t, browser, mustRequest(t, "GET", back), http.StatusBadRequest)

	status := a.must(200, "GET", "/v1/orgs/acme/salto", key, nil).JSON(t)
	if status["connected"] != true || status["mode"] != "authorization_code" {
		t.Fatalf("status after callback = %v", status)
	}
	storedToken := func() string { return a.query(`select token_enc from salto_connections where org_id = 'acme'`)[0][0] }
	before := storedToken()
	a.Fake.ExpireTokens() // Salto KS now answers 401 to the token the API holds
	a.must(200, "GET", "/v1/orgs/acme/salto/sites", key, nil)
	if storedToken() == before {
		t.Fatal("refreshed token was not persisted")
	}

	// A restarted API has only what is stored; refresh tokens are one-time,
	// so this works only if the latest one was persisted.
	restarted := a.newManager()
	if _, err := restarted.Sites(context.Background(), "acme"); err != nil {
		t.Fatalf("after restart: %v", err)
	}

	// A refresh the identity server refuses marks the connection broken.
	a.Fake.RevokeRefreshTokens()
	a.Fake.ExpireTokens()
	status = a.must(200, "GET", "/v1/orgs/acme/salto", key, nil).JSON(t)
	if status["connected"] != false || !strings.Contains(status["last_error"].(string), "refresh") {
		t.Fatalf("status after a refused refresh = %v", status)
	}
	a.assertNoSecrets(a.dumpTable("salto_connections"), a.dumpTable("salto_oauth_states"))
}

func TestAuthorizationStateExpires(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.exec(`insert into salto_oauth_states (state, org_id, verifier_enc, redirect_uri, expires_at)
		values ('old-state', 'acme', 'v1:x:y', 'http://x/cb', now() - interval '1 second')`)
	r := a.must(400, "GET", "/v1/salto/callback?code=abc&state=old-state", "", nil)
	if !strings.Contains(string(r.Body), "expired") {
		t.Errorf("expired state answer = %s", r.Body)
	}
	a.must(400, "GET", "/v1/salto/callback?state=x", "", nil)
	a.must(401, "GET", "/v1/orgs/acme/salto/authorize", "", nil)
	_ = key
}

// assertNoSecrets fails if any secret shows in the texts or in the logs.
func (a *testAPI) assertNoSecrets(texts ...string) {
	a.t.Helper()
	texts = append(texts, a.logs.String())
	for _, secret := range []string{clientSecret, partnerSecret, saltoPassword} {
		for _, s := range texts {
			if strings.Contains(s, secret) {
				a.t.Errorf("secret %q found in %.200s", secret, s)
			}
		}
	}
	for _, tok := range a.storedTokens() {
		for _, s := range texts {
			if strings.Contains(s, tok) {
				a.t.Errorf("a Salto KS token was found in %.200s", s)
			}
		}
	}
}

// storedTokens opens every stored token with the test's key: the access
// and refresh tokens that must never show anywhere else.
func (a *testAPI) storedTokens() []string {
	a.t.Helper()
	var out []string
	for _, row := range a.query(`select org_id, token_enc from salto_connections where token_enc <> ''`) {
		plain, err := a.Secrets.Open(row[1], "org:"+row[0]+"/salto/token")
		if err != nil {
			a.t.Fatalf("stored token does not open: %v", err)
		}
		var tok struct{ AccessToken, RefreshToken string }
		json.Unmarshal(plain, &struct {
			A *string `json:"access_token"`
			R *string `json:"refresh_token"`
		}{&tok.AccessToken, &tok.RefreshToken})
		for _, v := range []string{tok.AccessToken, tok.RefreshToken} {
			if v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func mustDo(t *testing.T, c *http.Client, req *http.Request, want int) *http.Response {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d", req.Method, req.URL, resp.StatusCode, want)
	}
	return resp
}
