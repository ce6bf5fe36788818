package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"doorsync/internal/egress"
	"doorsync/internal/saltoconn"
	"doorsync/internal/secrets"
	"doorsync/internal/testenv"
	"doorsync/saltoks/saltokstest"
	"doorsync/store"
)

// `doorsync secrets reseal` moves every stored secret to the current key:
// afterwards a process holding only that key uses the connection and
// opens a pending flow's verifier; a second run has nothing to do.
func TestSecretsResealRetiresTheOldKey(t *testing.T) {
	ctx := context.Background()
	st, dbURL := testenv.NewStore(t)
	fake := saltokstest.NewServer()
	t.Cleanup(fake.Close)
	if err := fake.SeedJSON(saltokstest.DemoSeed); err != nil {
		t.Fatal(err)
	}
	allow := egress.MustParse("test", []string{fake.URL})
	oldKey, newKey := secrets.NewKey(), secrets.NewKey()
	oldBox := boxOf(t, oldKey)
	for _, org := range []string{"acme", "globex"} {
		if _, _, err := st.PutOrg(ctx, store.Org{ID: org, Name: org}); err != nil {
			t.Fatal(err)
		}
		conn := saltoconn.PasswordConnection{ClientID: "doorsync", ClientSecret: "secret",
			Username: "integration@example.com", Password: "pw", IdentityURL: fake.URL, APIURL: fake.URL}
		if _, err := saltoconn.New(saltoconn.Options{Store: st, Secrets: oldBox, Egress: allow}).ConnectPassword(ctx, org, conn); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreateOAuthState(ctx, store.OAuthState{State: "st1", OrgID: "acme", RedirectURI: "http://localhost/cb",
		VerifierEnc: oldBox.Seal([]byte("the-verifier"), "oauth-state:st1"), ExpiresAt: time.Now().Add(saltoconn.StateTTL)}); err != nil {
		t.Fatal(err)
	}

	if _, err := saltoconn.New(saltoconn.Options{Store: st, Secrets: boxOf(t, newKey), Egress: allow}).Sites(ctx, "acme"); err == nil {
		t.Fatal("the new key alone opened secrets sealed with the old one before resealing")
	}

	env := map[string]string{"DATABASE_URL": dbURL, "DOORSYNC_SECRET_KEY": newKey, "DOORSYNC_SECRET_KEYS_PREVIOUS": oldKey}
	out := reseal(t, env)
	if !strings.Contains(out, "resealed 7 secrets") || !strings.Contains(out, "0 already were") {
		t.Fatalf("first run: %q, want 7 resealed (3 per connection and the verifier)", out)
	}
	if out := reseal(t, env); !strings.Contains(out, "resealed 0 secrets") || !strings.Contains(out, "7 already were") {
		t.Fatalf("second run: %q, want nothing left to do", out)
	}

	newOnly := boxOf(t, newKey)
	m := saltoconn.New(saltoconn.Options{Store: st, Secrets: newOnly, Egress: allow})
	for _, org := range []string{"acme", "globex"} {
		if _, err := m.Sites(ctx, org); err != nil {
			t.Errorf("%s with only the new key: %v", org, err)
		}
	}
	st1, err := st.ConsumeOAuthState(ctx, "st1")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := newOnly.Open(st1.VerifierEnc, "oauth-state:st1"); err != nil || string(v) != "the-verifier" {
		t.Errorf("verifier with only the new key = %q, %v", v, err)
	}
}

func boxOf(t *testing.T, key string) *secrets.Box {
	t.Helper()
	k, err := secrets.ParseKey(key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := secrets.New(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func reseal(t *testing.T, env map[string]string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"secrets", "reseal"}, func(k string) string { return env[k] }, &out); err != nil {
		t.Fatalf("secrets reseal: %v", err)
	}
	return out.String()
}
