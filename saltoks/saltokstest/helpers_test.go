package saltokstest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"doorsync/saltoks/saltokstest"
)

// Demo seed ids used by the tests.
const (
	london       = "5a170001-0000-4000-8000-000000000001"
	newYork      = "5a170002-0000-4000-8000-000000000002"
	londonAdaSU  = "5e0e0001-0001-4000-8000-000000000001"
	londonAdaPU  = "9a0e0001-0001-4000-8000-000000000001"
	londonMember = "6a000001-0001-4000-8000-000000000001"
	londonFront  = "10c40001-0001-4000-8000-000000000001"
)

// newDemo starts a fake seeded with the demo seed.
func newDemo(t testing.TB, opts ...saltokstest.Option) *saltokstest.Server {
	t.Helper()
	s := saltokstest.NewServer(opts...)
	t.Cleanup(s.Close)
	if err := s.SeedJSON(saltokstest.DemoSeed); err != nil {
		t.Fatalf("seeding: %v", err)
	}
	return s
}

// result is a decoded HTTP answer.
type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// errorCode returns the ErrorCode of a Connect error body.
func (r result) errorCode(t *testing.T) string {
	t.Helper()
	code, _ := r.json(t)["ErrorCode"].(string)
	return code
}

// do sends a request with an optional bearer token and JSON body.
func do(t *testing.T, method, rawURL, token string, body any) result {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return send(t, req)
}

func send(t testing.TB, req *http.Request) result {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

// tokenRequest posts a form to /connect/token with Basic client auth.
func tokenRequest(t testing.TB, s *saltokstest.Server, clientID, secret string, form url.Values) result {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/connect/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	return send(t, req)
}

// login returns an access token for the demo system user.
func login(t testing.TB, s *saltokstest.Server) string {
	t.Helper()
	r := tokenRequest(t, s, "doorsync", "secret", url.Values{
		"grant_type": {"password"}, "username": {"integration@example.com"}, "password": {"pw"},
		"scope": {"user_api.full_access offline_access"},
	})
	if r.status != http.StatusOK {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	return r.json(t)["access_token"].(string)
}

// api is the URL of a Connect path under /v1.2.
func api(s *saltokstest.Server, path string) string { return s.URL + "/v1.2" + path }

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func saltokstestTTL(d time.Duration) saltokstest.Option { return saltokstest.WithTokenTTL(d) }
