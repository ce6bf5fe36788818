package saltokstest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestTokenEndpoint(t *testing.T) {
	s := newDemo(t)
	password := url.Values{"grant_type": {"password"}, "username": {"integration@example.com"}, "password": {"pw"}}
	with := func(v url.Values, k, val string) url.Values {
		c := url.Values{}
		for key, vs := range v {
			c[key] = vs
		}
		c.Set(k, val)
		return c
	}
	tests := []struct {
		name        string
		secret      string
		form        url.Values
		wantStatus  int
		wantError   string
		wantRefresh bool
	}{
		{"password grant", "secret", with(password, "scope", "user_api.full_access offline_access"), 200, "", true},
		{"no offline_access, no refresh token", "secret", with(password, "scope", "user_api.full_access"), 200, "", false},
		{"wrong password", "secret", with(password, "password", "nope"), 400, "invalid_grant", false},
		{"unknown user", "secret", with(password, "username", "eve@example.com"), 400, "invalid_grant", false},
		{"wrong client secret", "nope", password, 401, "invalid_client", false},
		{"scope not allowed", "secret", with(password, "scope", "core_api.full"), 400, "invalid_scope", false},
		{"client credentials unsupported", "secret", url.Values{"grant_type": {"client_credentials"}}, 400, "unsupported_grant_type", false},
		{"unknown refresh token", "secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, 400, "invalid_grant", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tokenRequest(t, s, "doorsync", tt.secret, tt.form)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d (%s)", r.status, tt.wantStatus, r.body)
			}
			body := r.json(t)
			if tt.wantError != "" {
				if body["error"] != tt.wantError {
					t.Errorf("error %v, want %s", body["error"], tt.wantError)
				}
				return
			}
			if body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) || body["access_token"] == "" {
				t.Errorf("token response %v", body)
			}
			if _, has := body["refresh_token"]; has != tt.wantRefresh {
				t.Errorf("refresh_token present = %v, want %v", has, tt.wantRefresh)
			}
		})
	}
}

func TestRefreshTokensRotate(t *testing.T) {
	s := newDemo(t)
	first := tokenRequest(t, s, "doorsync", "secret", url.Values{
		"grant_type": {"password"}, "username": {"integration@example.com"}, "password": {"pw"},
		"scope": {"user_api.full_access offline_access"},
	}).json(t)
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first["refresh_token"].(string)}}
	second := tokenRequest(t, s, "doorsync", "secret", refresh)
	if second.status != http.StatusOK || second.json(t)["refresh_token"] == first["refresh_token"] {
		t.Fatalf("refresh: %d %s", second.status, second.body)
	}
	if again := tokenRequest(t, s, "doorsync", "secret", refresh); again.status != http.StatusBadRequest {
		t.Errorf("reusing a refresh token: %d, want 400", again.status)
	}
}

func TestClientCredentialsInForm(t *testing.T) {
	s := newDemo(t)
	form := url.Values{"grant_type": {"password"}, "username": {"integration@example.com"}, "password": {"pw"},
		"client_id": {"doorsync"}, "client_secret": {"secret"}}
	r := do(t, http.MethodPost, s.URL+"/connect/token", "", nil)
	if r.status != http.StatusUnauthorized {
		t.Errorf("no client auth: %d, want 401", r.status)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/connect/token", stringsReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := send(t, req); r.status != http.StatusOK {
		t.Errorf("client credentials in the form: %d %s", r.status, r.body)
	}
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	s := newDemo(t)
	verifier := "a-verifier-that-is-long-enough-for-pkce-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	authorize := func(params url.Values) *url.URL {
		t.Helper()
		r := do(t, http.MethodGet, s.URL+"/connect/authorize?"+params.Encode(), "", nil)
		if r.status != http.StatusFound {
			t.Fatalf("authorize: %d %s", r.status, r.body)
		}
		loc, err := url.Parse(r.header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	params := url.Values{"response_type": {"code"}, "client_id": {"doorsync"}, "redirect_uri": {"http://app.test/cb"},
		"scope": {"user_api.full_access openid profile offline_access"}, "state": {"xyz"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}

	loc := authorize(params)
	if loc.Host != "app.test" || loc.Query().Get("state") != "xyz" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect %s", loc)
	}
	exchange := func(code, redirect, verifier string) result {
		return tokenRequest(t, s, "doorsync", "secret", url.Values{"grant_type": {"authorization_code"},
			"code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}})
	}
	if r := exchange(loc.Query().Get("code"), "http://app.test/cb", "wrong-verifier"); r.status != http.StatusBadRequest {
		t.Errorf("wrong verifier: %d, want 400", r.status)
	}
	// A code is single-use, even after a failed exchange.
	loc = authorize(params)
	if r := exchange(loc.Query().Get("code"), "http://other.test/cb", verifier); r.status != http.StatusBadRequest {
		t.Errorf("wrong redirect_uri: %d, want 400", r.status)
	}
	loc = authorize(params)
	r := exchange(loc.Query().Get("code"), "http://app.test/cb", verifier)
	if r.status != http.StatusOK || r.json(t)["refresh_token"] == nil {
		t.Fatalf("exchange: %d %s", r.status, r.body)
	}
	if again := exchange(loc.Query().Get("code"), "http://app.test/cb", verifier); again.status != http.StatusBadRequest {
		t.Errorf("code reuse: %d, want 400", again.status)
	}

	noPKCE := url.Values{"response_type": {"code"}, "client_id": {"doorsync"}, "redirect_uri": {"http://app.test/cb"}, "state": {"s"}}
	if loc := authorize(noPKCE); loc.Query().Get("error") != "invalid_request" {
		t.Errorf("authorize without PKCE redirected to %s, want error=invalid_request", loc)
	}
}

func TestDiscovery(t *testing.T) {
	s := newDemo(t)
	r := do(t, http.MethodGet, s.URL+"/.well-known/openid-configuration", "", nil)
	body := r.json(t)
	if r.status != http.StatusOK || body["token_endpoint"] != s.URL+"/connect/token" || body["issuer"] != s.URL {
		t.Errorf("discovery: %d %v", r.status, body)
	}
}

func TestBearerTokens(t *testing.T) {
	s := newDemo(t, saltokstestTTL(time.Minute))
	token := login(t, s)
	tests := []struct {
		name, token string
		wantStatus  int
	}{
		{"valid", token, 200},
		{"missing", "", 401},
		{"wrong", "not-a-token", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, http.MethodGet, api(s, "/sites"), tt.token, nil)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d", r.status, tt.wantStatus)
			}
			if r.status == 401 && (len(r.body) != 0 || r.header.Get("WWW-Authenticate") == "") {
				t.Errorf("401 should have an empty body and WWW-Authenticate, got %q %v", r.body, r.header)
			}
		})
	}
	s.Advance(time.Minute)
	if r := do(t, http.MethodGet, api(s, "/sites"), token, nil); r.status != http.StatusUnauthorized {
		t.Errorf("expired token: %d, want 401", r.status)
	}
	token = login(t, s)
	s.ExpireTokens()
	if r := do(t, http.MethodGet, api(s, "/sites"), token, nil); r.status != http.StatusUnauthorized {
		t.Errorf("after ExpireTokens: %d, want 401", r.status)
	}
}
