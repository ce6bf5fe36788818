package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"doorsync/internal/egress"
	"doorsync/internal/saltoconn"
	"doorsync/saltoks/saltokstest"
)

// internalHost is a loopback listener that is not on the allow-list: it
// stands for a host inside the deployment's network. Reaching it fails the
// test.
func internalHost(t *testing.T) *url.URL {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the internal host was reached: %s %s", r.Method, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u
}

func TestSaltoHostsOutsideTheAllowListAreRefused(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	internal := internalHost(t)
	body := func(identityURL, apiURL string) map[string]any {
		return map[string]any{"client_id": "doorsync", "client_secret": clientSecret, "username": "integration@example.com",
			"password": saltoPassword, "identity_url": identityURL, "api_url": apiURL}
	}
	for _, tc := range []struct {
		name, identityURL, apiURL, field string
	}{
		{"identity on an internal address", internal.String(), a.Fake.URL, "identity_url"},
		{"api by a name that resolves inside", a.Fake.URL, "http://localhost:" + internal.Port(), "api_url"},
		{"metadata address", "http://169.254.169.254", a.Fake.URL, "identity_url"},
		{"a public host not on the list", a.Fake.URL, "https://connect.my-clay.com.evil.example", "api_url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := a.do("PUT", "/v1/orgs/acme/salto", key, body(tc.identityURL, tc.apiURL))
			if r.Status != 400 {
				t.Fatalf("PUT salto = %d, want 400: %s", r.Status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) || !strings.Contains(string(r.Body), "not on the allow-list") {
				t.Errorf("400 does not say which URL and why: %s", r.Body)
			}
		})
	}
	if rows := a.query(`select org_id from salto_connections`); len(rows) != 0 {
		t.Fatalf("a refused connection was stored: %v", rows)
	}
	if got := a.Fake.Requests(); len(got) != 0 {
		t.Errorf("the fake was called although a URL was refused: %v", got)
	}
}

// TestSaltoDialerRefusesHostsNoLongerAllowed: the allow-list is checked
// again on every connection, so a stored connection stops working when its
// host leaves the list (and a DNS answer that changed would be caught the
// same way, by the dialer's Control).
func TestSaltoDialerRefusesHostsNoLongerAllowed(t *testing.T) {
	a := newTestAPI(t)
	a.createOrg("acme")
	a.connectPassword("acme")
	other := saltokstest.NewServer()
	t.Cleanup(other.Close)
	narrowed := saltoconn.New(saltoconn.Options{Store: a.Store, Secrets: a.Secrets,
		Egress: egress.MustParse("DOORSYNC_SALTO_ALLOWED_HOSTS", []string{other.URL})})
	a.Fake.ResetRequests()
	_, err := narrowed.Sites(context.Background(), "acme")
	var re *egress.RefusedError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "not on the allow-list (DOORSYNC_SALTO_ALLOWED_HOSTS)") {
		t.Fatalf("Sites through a list without the fake: %v, want an egress refusal", err)
	}
	if got := a.Fake.Requests(); len(got) != 0 {
		t.Errorf("the fake was reached: %v", got)
	}
	st, err := narrowed.Status(context.Background(), "acme")
	if err != nil || st.Connected || !strings.Contains(st.LastError, "not allowed to connect") {
		t.Errorf("status = %+v, %v", st, err)
	}
}

func TestSaltoErrorsAreBoundedAndNeverEchoTheBody(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	r := a.must(502, "PUT", "/v1/orgs/acme/salto", key, map[string]any{
		"client_id": "doorsync", "client_secret": clientSecret, "username": "integration@example.com",
		"password": "wrong-password", "identity_url": a.Fake.URL, "api_url": a.Fake.URL})
	if detail := r.JSON(t)["detail"].(string); strings.Contains(detail, "invalid_username_or_password") {
		t.Errorf("502 echoes the identity server's error_description: %q", detail)
	}

	long := "<script>remote body " + strings.Repeat("x", 5000) + "\x00\x1b[31m"
	if err := a.Fake.AddFault(saltokstest.Fault{Method: "GET", RoutePattern: "/v1.2/sites", Status: 403, ErrorCode: "2203", Message: long}); err != nil {
		t.Fatal(err)
	}
	r = a.must(502, "PUT", "/v1/orgs/acme/salto", key, map[string]any{
		"client_id": "doorsync", "client_secret": clientSecret, "username": "integration@example.com",
		"password": saltoPassword, "identity_url": a.Fake.URL, "api_url": a.Fake.URL})
	detail := r.JSON(t)["detail"].(string)
	if strings.Contains(detail, "remote body") || strings.Contains(detail, "<script>") || len(detail) > 250 {
		t.Errorf("502 detail echoes the remote's message: %.300q", detail)
	}
	if !strings.Contains(detail, "HTTP 403") || !strings.Contains(detail, "2203") {
		t.Errorf("502 detail does not say what Salto KS answered: %q", detail)
	}
}
