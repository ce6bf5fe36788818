package saltokstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"doorsync/saltoks/saltokstest"
)

// A persistent fake keeps its users across a restart, saving while it
// runs (a fake killed hard loses at most a couple of seconds) and at
// shutdown.
func TestRunPersistentKeepsUsersAcrossRestarts(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "fake-state.json")
	url, stop := runPersistent(t, statePath)

	state := getState(t, url)
	state.Sites[0].Users = append(state.Sites[0].Users, saltokstest.SeedUser{
		SiteUserID: "5e0e0000-0000-4000-8000-000000000077", UserID: "0e0e0000-0000-4000-8000-000000000077",
		Email: "kept@example.com", FirstName: "Kept", LastName: "User"})
	body, _ := json.Marshal(state.Seed)
	resp, err := http.Post(url+"/__fake/seed", "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("seed: %v %v", resp, err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(statePath)
		if strings.Contains(string(data), "kept@example.com") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the state file was not written while the fake ran")
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()

	url, stop = runPersistent(t, statePath)
	defer stop()
	found := false
	for _, u := range getState(t, url).Sites[0].Users {
		found = found || u.Email == "kept@example.com"
	}
	if !found {
		t.Fatal("the restarted fake forgot the user")
	}
}

// runPersistent starts RunPersistent on a free port and waits until it
// answers; stop ends it and checks it ended cleanly.
func runPersistent(t *testing.T, statePath string) (url string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- saltokstest.RunPersistent(ctx, addr, "", statePath, nil) }()
	url = "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(url + "/.well-known/openid-configuration")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 {
			cancel()
			t.Fatalf("the fake did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return url, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunPersistent: %v", err)
		}
	}
}

func getState(t *testing.T, url string) saltokstest.State {
	t.Helper()
	resp, err := http.Get(url + "/__fake/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st saltokstest.State
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}
