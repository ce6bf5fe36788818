package saltoks_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"doorsync/saltoks"
)

// memTokens is a TokenStore in memory. beforeRenew, when set, runs once
// inside Update after the stored token was read, standing for a process
// that rotates the token without taking the lock (an older release, say).
type memTokens struct {
	mu          sync.Mutex
	tok         *oauth2.Token
	beforeRenew func() *oauth2.Token
}

func (m *memTokens) Load(context.Context) (*oauth2.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tok, nil
}

func (m *memTokens) Update(_ context.Context, renew func(*oauth2.Token) (*oauth2.Token, error)) (*oauth2.Token, error) {
	m.mu.Lock()
	stored, hook := m.tok, m.beforeRenew
	m.beforeRenew = nil
	m.mu.Unlock()
	if hook != nil {
		rotated := hook()
		m.mu.Lock()
		m.tok = rotated
		m.mu.Unlock()
	}
	tok, err := renew(stored)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tok = tok
	return tok, nil
}

// TestRefusedRefreshAfterAnotherRotationTakesTheStoredToken: the client's
// refresh token was spent by someone else, who stored the new token; the
// refresh answers invalid_grant and the client goes on with the stored one.
func TestRefusedRefreshAfterAnotherRotationTakesTheStoredToken(t *testing.T) {
	e := newEnv(t, nil)
	start := e.client.Token()
	store := &memTokens{tok: start}
	cfg := e.cfg
	cfg.OnToken, cfg.Tokens = nil, store
	client := saltoks.New(cfg, start)

	store.beforeRenew = func() *oauth2.Token {
		other := saltoks.New(e.cfg, start) // refreshes with start's refresh token
		if _, err := other.ListSites(ctx(t)); err != nil {
			t.Errorf("the other process's call: %v", err)
		}
		return other.Token()
	}
	e.fake.ExpireTokens()
	e.fake.ResetRequests()
	if _, err := client.ListSites(ctx(t)); err != nil {
		t.Fatalf("ListSites after another process rotated the token: %v", err)
	}
	if got := e.fake.Requests()["POST /connect/token"]; got != 2 {
		t.Errorf("%d token requests, want the other's refresh and the refused one", got)
	}
	if client.Token().AccessToken != store.tok.AccessToken {
		t.Error("the client does not use the stored token")
	}
}

// TestStoredTokenIsTakenBeforeRefreshing: a client whose token expired
// takes a fresh stored one and does not refresh.
func TestStoredTokenIsTakenBeforeRefreshing(t *testing.T) {
	e := newEnv(t, nil)
	fresh := e.client.Token()
	stale := *fresh
	stale.Expiry = time.Now().Add(-time.Minute)
	store := &memTokens{tok: fresh}
	cfg := e.cfg
	cfg.OnToken, cfg.Tokens = nil, store
	client := saltoks.New(cfg, &stale)
	e.fake.ResetRequests()
	if _, err := client.ListSites(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if got := e.fake.Requests()["POST /connect/token"]; got != 0 {
		t.Errorf("%d refreshes, want the stored token taken instead", got)
	}
}
