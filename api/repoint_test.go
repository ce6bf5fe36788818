package api_test

import (
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"testing"

	"doorsync/saltoks/saltokstest"
)

// applyAccess stands for what ApplyAccess did through the current
// connection: ann is a user of fake's London site, in its members group,
// and the store says doorsync put her there.
func (a *testAPI) applyAccess(fake *saltokstest.Server, org string) string {
	a.t.Helper()
	u, err := fake.CreateUserDirect(siteLondon, saltokstest.SeedUser{Email: "ann@example.com", FirstName: "Ann", LastName: "A"})
	if err != nil {
		a.t.Fatal(err)
	}
	if err := fake.AddGroupMemberDirect(siteLondon, groupMembers, u.UserID); err != nil {
		a.t.Fatal(err)
	}
	a.exec(`insert into salto_identities (org_id, person, site_id, site_user_id, user_id) values ($1, 'member:m1', $2, $3, $4)`,
		org, siteLondon, u.SiteUserID, u.UserID)
	a.exec(`insert into applied_access (org_id, person, site_id, group_id, user_id) values ($1, 'member:m1', $2, $3, $4)`,
		org, siteLondon, groupMembers, u.UserID)
	return u.UserID
}

// authorize runs the authorization-code flow for acme as a browser would,
// following every redirect (keeping cookies) through the fake's identity
// server, which logs in owner@ through partner-app, to the callback.
func (a *testAPI) authorize(key, query string) *http.Response {
	a.t.Helper()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	req := mustRequest(a.t, "GET", a.URL+"/v1/orgs/acme/salto/authorize"+query)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := browser.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// newFake starts another fake Salto KS (another account) on the API's
// allow-list.
func (a *testAPI) newFake() *saltokstest.Server {
	a.t.Helper()
	fake := saltokstest.NewServer()
	a.t.Cleanup(fake.Close)
	if err := fake.SeedJSON([]byte(testSeed)); err != nil {
		a.t.Fatal(err)
	}
	a.allow(fake.URL)
	return fake
}

func passwordBody(fake *saltokstest.Server, extra map[string]any) map[string]any {
	body := map[string]any{"client_id": "doorsync", "client_secret": clientSecret, "username": "integration@example.com",
		"password": saltoPassword, "identity_url": fake.URL, "api_url": fake.URL}
	for k, v := range extra {
		body[k] = v
	}
	return body
}

func (a *testAPI) connectedTo() string {
	a.t.Helper()
	return a.query(`select api_url from salto_connections where org_id = 'acme'`)[0][0]
}

func TestRepointingWhileAccessIsAppliedNeedsReplace(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.must(200, "PUT", "/v1/orgs/acme/salto", key, passwordBody(a.Fake, nil))
	ann := a.applyAccess(a.Fake, "acme")
	other := a.newFake()

	// Another host, or another Salto KS user on the same hosts: refused.
	for name, body := range map[string]map[string]any{
		"another host": passwordBody(other, nil),
		"another user": passwordBody(a.Fake, map[string]any{"client_id": "partner-app", "client_secret": partnerSecret,
			"username": "owner@example.com", "password": "owner-pw"}),
		"replace false": passwordBody(other, map[string]any{"replace": false}),
	} {
		r := a.must(409, "PUT", "/v1/orgs/acme/salto", key, body)
		if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" || !strings.Contains(string(r.Body), "replace") {
			t.Errorf("%s: 409 %s %s", name, ct, r.Body)
		}
	}
	if got := a.connectedTo(); got != a.Fake.URL {
		t.Fatalf("a refused re-point changed the connection to %s", got)
	}

	// The same account again (same hosts and user) is not a re-point.
	a.must(200, "PUT", "/v1/orgs/acme/salto", key, passwordBody(a.Fake, map[string]any{"identity_url": a.Fake.URL + "/"}))
	if n := a.query(`select count(*) from applied_access where org_id = 'acme'`)[0][0]; n != "1" {
		t.Fatalf("re-connecting the same account changed applied access: %s rows", n)
	}

	// With replace, what doorsync applied is revoked through the old account first.
	a.must(200, "PUT", "/v1/orgs/acme/salto", key, passwordBody(other, map[string]any{"replace": true}))
	if slices.Contains(a.Fake.GroupMembers(siteLondon, groupMembers), ann) {
		t.Error("the old account still has ann in its members group")
	}
	if got := a.connectedTo(); got != other.URL {
		t.Errorf("connected to %s, want the new account", got)
	}
	audit := a.query(`select action, person, group_id, salto_user_id, trigger, result from audit_log where org_id = 'acme'`)
	want := [][]string{{"remove", "member:m1", groupMembers, ann, "replace", "ok"}}
	if !slices.EqualFunc(audit, want, slices.Equal) {
		t.Errorf("audit = %v, want %v", audit, want)
	}
	for table, want := range map[string]string{"applied_access": "0", "salto_identities": "0",
		"outbox where kind = 'access' and target = 'member:m1'": "1"} {
		if n := a.query(`select count(*) from ` + table + ``)[0][0]; n != want {
			t.Errorf("%s: %s rows, want %s", table, n, want)
		}
	}
	a.assertNoSecrets()
}

func TestRepointLeavesBehindWhatTheOldAccountCannotRevoke(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	old := a.newFake()
	a.must(200, "PUT", "/v1/orgs/acme/salto", key, passwordBody(old, nil))
	a.applyAccess(old, "acme")
	old.Close() // the old account no longer answers

	a.must(409, "PUT", "/v1/orgs/acme/salto", key, passwordBody(a.Fake, nil))
	a.must(200, "PUT", "/v1/orgs/acme/salto", key, passwordBody(a.Fake, map[string]any{"replace": true}))
	audit := a.query(`select action, person, trigger, result, error <> '' from audit_log where org_id = 'acme'`)
	want := [][]string{{"remove", "member:m1", "replace", "left_behind", "true"}}
	if !slices.EqualFunc(audit, want, slices.Equal) {
		t.Errorf("audit = %v, want %v", audit, want)
	}
	if got := a.connectedTo(); got != a.Fake.URL {
		t.Errorf("connected to %s, want the new account", got)
	}
	if n := a.query(`select count(*) from applied_access`)[0][0]; n != "0" {
		t.Errorf("%s applied rows left", n)
	}
}

// TestAuthorizationCodeRepointNeedsReplace: the callback cannot carry
// replace, so the authorize request does, in the stored state.
func TestAuthorizationCodeRepointNeedsReplace(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.must(200, "PUT", "/v1/orgs/acme/salto", key, passwordBody(a.Fake, nil)) // integration@ through client doorsync
	ann := a.applyAccess(a.Fake, "acme")

	authorize := func(query string) *http.Response { return a.authorize(key, query) }
	if resp := authorize(""); resp.StatusCode != http.StatusConflict || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("callback of a re-pointing flow without replace = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if mode := a.query(`select mode from salto_connections`)[0][0]; mode != "password" {
		t.Fatalf("a refused re-point changed the connection to %s", mode)
	}
	a.must(400, "GET", "/v1/orgs/acme/salto/authorize?replace=maybe", key, nil)
	if resp := authorize("?replace=true"); resp.StatusCode != http.StatusOK {
		t.Fatalf("callback of a flow with replace = %d", resp.StatusCode)
	}
	if slices.Contains(a.Fake.GroupMembers(siteLondon, groupMembers), ann) {
		t.Error("the old account still has ann in its members group")
	}
	if mode := a.query(`select mode from salto_connections`)[0][0]; mode != "authorization_code" {
		t.Errorf("mode after the replacing flow = %s", mode)
	}
}

// TestRepointCheckOfAConnectionStoredWithoutItsAccount: a connection made
// before the account was recorded is asked who it is.
func TestRepointCheckOfAConnectionStoredWithoutItsAccount(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.must(200, "PUT", "/v1/orgs/acme/salto", key, passwordBody(a.Fake, nil))
	a.applyAccess(a.Fake, "acme")
	a.exec(`update salto_connections set account_id = ''`)
	a.must(409, "PUT", "/v1/orgs/acme/salto", key, passwordBody(a.Fake, map[string]any{"client_id": "partner-app",
		"client_secret": partnerSecret, "username": "owner@example.com", "password": "owner-pw"}))
	a.must(200, "PUT", "/v1/orgs/acme/salto", key, passwordBody(a.Fake, nil))
	if id := a.query(`select account_id from salto_connections`)[0][0]; id == "" {
		t.Error("re-connecting did not record the account")
	}

	// An authorization-code connection has no username to go by: its
	// account answers who it is.
	if resp := a.authorize(key, "?replace=true"); resp.StatusCode != http.StatusOK {
		t.Fatalf("replacing flow = %d", resp.StatusCode)
	}
	a.applyAccess(a.newFake(), "acme")
	a.exec(`update salto_connections set account_id = ''`)
	if resp := a.authorize(key, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("re-authorizing the same account = %d, want 200", resp.StatusCode)
	}
}
