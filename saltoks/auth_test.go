package saltoks_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"doorsync/saltoks"
	"doorsync/saltoks/saltokstest"
)

func TestPasswordToken(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name               string
		secret, user, pass string
		wantCode           string
	}{
		{"ok", demoSecret, "integration@example.com", demoPassword, ""},
		{"wrong password", demoSecret, "integration@example.com", "hunter2-wrong", "invalid_grant"},
		{"wrong client secret", "client-secret-wrong", "integration@example.com", demoPassword, "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := e.cfg
			cfg.ClientSecret = tt.secret
			tok, err := saltoks.PasswordToken(ctx(t), cfg, tt.user, tt.pass)
			if tt.wantCode == "" {
				if err != nil || tok.AccessToken == "" || tok.RefreshToken == "" || tok.Expiry.IsZero() {
					t.Fatalf("token %+v, err %v", tok, err)
				}
				return
			}
			var ae *saltoks.AuthError
			if !errors.As(err, &ae) || ae.Code != tt.wantCode || !saltoks.IsAuthError(err) || saltoks.IsRetryable(err) {
				t.Fatalf("err %v, want an AuthError %s", err, tt.wantCode)
			}
			assertNoSecrets(t, err, tt.secret, tt.pass)
		})
	}
}

func TestPasswordTokenIdentityDown(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.fake.AddFault(saltokstest.Fault{RoutePattern: "/connect/token", Status: 503, Times: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := saltoks.PasswordToken(ctx(t), e.cfg, "integration@example.com", demoPassword)
	if !saltoks.IsRetryable(err) || saltoks.IsAuthError(err) {
		t.Errorf("identity 503: err %v, want retryable and not an auth error", err)
	}
}

func TestAuthorizationCodeFlow(t *testing.T) {
	e := newEnv(t, nil)
	verifier := saltoks.GenerateVerifier()
	redirect := "http://doorsync.test/v1/salto/callback"
	authURL := saltoks.AuthCodeURL(e.cfg, redirect, "state-123", verifier)

	u, _ := url.Parse(authURL)
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || !strings.Contains(q.Get("scope"), "offline_access") {
		t.Fatalf("authorize URL %s", authURL)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback, _ := url.Parse(resp.Header.Get("Location"))
	if callback.Query().Get("state") != "state-123" {
		t.Fatalf("callback %s", callback)
	}
	code := callback.Query().Get("code")

	if _, err := saltoks.ExchangeCode(ctx(t), e.cfg, code, redirect, saltoks.GenerateVerifier()); !saltoks.IsAuthError(err) {
		t.Errorf("exchange with another verifier: %v, want an auth error", err)
	}
	resp, err = noRedirect.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback, _ = url.Parse(resp.Header.Get("Location"))
	tok, err := saltoks.ExchangeCode(ctx(t), e.cfg, callback.Query().Get("code"), redirect, verifier)
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange: %+v %v", tok, err)
	}
	if _, err := saltoks.New(e.cfg, tok).ListSites(ctx(t)); err != nil {
		t.Errorf("using the exchanged token: %v", err)
	}
}

func TestUnauthorizedRefreshesOnceAndRetries(t *testing.T) {
	e := newEnv(t, nil)
	before := e.client.Token()
	e.fake.ExpireTokens() // the client still believes its token is valid
	e.fake.ResetRequests()

	sites, err := e.client.ListSites(ctx(t))
	if err != nil || len(sites) != 2 {
		t.Fatalf("ListSites after the token was revoked: %v %v", sites, err)
	}
	reqs := e.fake.Requests()
	if reqs["GET /v1.2/sites"] != 2 || reqs["POST /connect/token"] != 1 {
		t.Errorf("requests %v, want 2 list calls around 1 refresh", reqs)
	}
	if e.tokens.count() != 1 {
		t.Fatalf("OnToken called %d times, want 1", e.tokens.count())
	}
	after := e.client.Token()
	if after.AccessToken == before.AccessToken || after.RefreshToken == before.RefreshToken {
		t.Error("token not replaced by the refresh")
	}
	if e.tokens.tokens[0].AccessToken != after.AccessToken {
		t.Error("OnToken did not get the token in use")
	}
}

func TestExpiredTokenIsRefreshedBeforeTheCall(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.client.Token()
	tok.Expiry = time.Now().Add(30 * time.Second) // inside the 60 s refresh margin
	client := saltoks.New(e.cfg, tok)
	e.fake.ResetRequests()
	if _, err := client.GetSite(ctx(t), london); err != nil {
		t.Fatal(err)
	}
	if reqs := e.fake.Requests(); reqs["POST /connect/token"] != 1 || reqs["GET /v1.2/sites/{site_id}"] != 1 {
		t.Errorf("requests %v, want one refresh then one call", reqs)
	}
}

func TestShortLivedTokensAreNotRefreshedOnEveryCall(t *testing.T) {
	e := newEnv(t, nil, saltokstest.WithTokenTTL(20*time.Second)) // shorter than the 60 s margin
	for range 3 {
		if _, err := e.client.GetSite(ctx(t), london); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.fake.Requests()["POST /connect/token"]; n != 1 {
		t.Errorf("%d token requests, want only the login", n)
	}
}

func TestRefreshRefusedIsAnAuthError(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.ExpireTokens()
	e.fake.RevokeRefreshTokens()
	refresh := e.client.Token().RefreshToken
	_, err := e.client.ListSites(ctx(t))
	if !errors.Is(err, saltoks.ErrAuth) || saltoks.IsRetryable(err) {
		t.Fatalf("err %v, want ErrAuth and not retryable", err)
	}
	assertNoSecrets(t, err, demoSecret, refresh, e.client.Token().AccessToken)
}

func TestRefreshFallsBackToThePasswordGrant(t *testing.T) {
	e := newEnv(t, func(c *saltoks.Config) { c.Username, c.Password = "integration@example.com", demoPassword })
	e.fake.ExpireTokens()
	e.fake.RevokeRefreshTokens()
	if _, err := e.client.ListSites(ctx(t)); err != nil {
		t.Fatalf("ListSites: %v", err)
	}
	if e.tokens.count() != 1 {
		t.Errorf("OnToken called %d times, want 1", e.tokens.count())
	}
}

func TestNoRefreshTokenIsAnAuthError(t *testing.T) {
	e := newEnv(t, nil)
	client := saltoks.New(e.cfg, &oauth2.Token{AccessToken: "stale", Expiry: time.Now().Add(-time.Minute)})
	var ae *saltoks.AuthError
	if _, err := client.ListSites(ctx(t)); !errors.As(err, &ae) || ae.Code != "no_refresh_token" {
		t.Errorf("err %v, want AuthError no_refresh_token", err)
	}
}

func TestUnauthorizedAfterRefreshIsAnAuthError(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.fake.AddFault(saltokstest.Fault{RoutePattern: "/v1.2/sites", Status: 401}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.ListSites(ctx(t))
	var se *saltoks.Error
	if !errors.As(err, &se) || se.Status != 401 || !saltoks.IsAuthError(err) {
		t.Fatalf("err %v, want a 401 *Error matching ErrAuth", err)
	}
	if n := e.fake.Requests()["GET /v1.2/sites"]; n != 2 {
		t.Errorf("%d attempts, want exactly 2 (one retry)", n)
	}
}

func TestOnTokenFailureIsRetriedOnTheNextCall(t *testing.T) {
	e := newEnv(t, nil)
	e.tokens.setFail(errors.New("database down"))
	e.fake.ExpireTokens()
	if _, err := e.client.ListSites(ctx(t)); err == nil || !strings.Contains(err.Error(), "database down") {
		t.Fatalf("err %v, want the OnToken failure", err)
	}
	e.tokens.setFail(nil)
	if _, err := e.client.ListSites(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if e.tokens.count() != 1 {
		t.Errorf("OnToken accepted %d tokens, want the pending one once", e.tokens.count())
	}
	if e.fake.Requests()["POST /connect/token"] != 2 { // login + one refresh: the pending token was not thrown away
		t.Errorf("requests %v", e.fake.Requests())
	}
}

func TestConfigRedactsSecrets(t *testing.T) {
	cfg := saltoks.Config{ClientID: "doorsync", ClientSecret: "s3cr3t", Username: "u", Password: "pa55"}
	for _, s := range []string{cfg.String(), cfg.GoString(), cfg.LogValue().String()} {
		if strings.Contains(s, "s3cr3t") || strings.Contains(s, "pa55") {
			t.Errorf("%s leaks a secret", s)
		}
	}
}

func assertNoSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains a secret", err)
		}
	}
}
