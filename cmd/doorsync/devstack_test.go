package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"doorsync/internal/testenv"
	"doorsync/saltoks/saltokstest"
)

// TestDevStackStartsAndStopsCleanly runs the script behind `make run` on
// free ports: the API must become ready with Postgres and Temporal, the
// Temporal UI must answer, the demo space must reach the fake Salto KS
// (its people in their groups), and SIGINT must leave no process behind.
func TestDevStackStartsAndStopsCleanly(t *testing.T) {
	if _, err := os.Stat(testenv.TemporalCLI()); err != nil {
		t.Skipf("temporal CLI missing: %v", err)
	}
	bin := testenv.BuildDoorsync(t)
	apiAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	uiPort := testenv.FreePort(t)
	fakeAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))

	cmd := exec.Command("bash", filepath.Join(testenv.RepoRoot(), "scripts", "dev-stack.sh"))
	cmd.Env = append(os.Environ(),
		"DOORSYNC_BIN="+bin,
		"DOORSYNC_DATA_DIR="+t.TempDir(),
		"DOORSYNC_HTTP_ADDR="+apiAddr,
		"DATABASE_URL="+testenv.NewDatabase(t),
		fmt.Sprintf("TEMPORAL_PORT=%d", testenv.FreePort(t)),
		fmt.Sprintf("TEMPORAL_UI_PORT=%d", uiPort),
		"FAKE_SALTO_ADDR="+fakeAddr,
	)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	t.Cleanup(func() { syscall.Kill(-pgid, syscall.SIGKILL) })

	waitFor(t, 90*time.Second, "the ready banner", func() bool { return strings.Contains(out.String(), "doorsync is running") })
	bannerAt := time.Now()
	if got := httpStatus("http://" + apiAddr + "/readyz"); got != 200 {
		t.Fatalf("GET /readyz = %d, want 200\n%s", got, out.String())
	}
	if got := httpStatus(fmt.Sprintf("http://127.0.0.1:%d/", uiPort)); got != 200 {
		t.Errorf("Temporal UI answered %d, want 200", got)
	}

	waitFor(t, 30*time.Second, "the demo org", func() bool { return strings.Contains(out.String(), "demo org API key: dsk_") })
	if !eventually(time.Until(bannerAt.Add(20*time.Second)), func() bool { return demoGroupsFilled(t, "http://"+fakeAddr) }) {
		t.Fatalf("20 s after the banner the demo's people are not all in their Salto KS groups\n%s", out.String())
	}

	syscall.Kill(-pgid, syscall.SIGINT) // what Ctrl-C does to the foreground group
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("dev stack still running 30s after SIGINT\n%s", out.String())
	}
	waitFor(t, 10*time.Second, "no process left in the group", func() bool {
		return errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH)
	})
}

// demoGroups are the fake Salto KS groups the demo fills, with the e-mails
// each must hold (besides the seeded staff user): London and New York
// members get the hot-desk member, her co-member and the team member; the
// London meeting room the booker and his guest (the window opens 15
// minutes before the start, 3 minutes away); the London day-pass group the
// member with day passes.
var demoGroups = []struct {
	site, group string
	emails      []string
}{
	{demoSiteLondon, demoLondonMembers, []string{"alice@example.com", "bob@example.com", "carol@example.com"}},
	{demoSiteNewYork, demoNewYorkMembers, []string{"alice@example.com", "bob@example.com", "carol@example.com"}},
	{demoSiteLondon, demoLondonRoom, []string{"dave@example.com", "gus@example.com"}},
	{demoSiteLondon, demoLondonDayPass, []string{"dave@example.com"}},
}

// demoGroupsFilled reads the fake's state (GET /__fake/state) and says
// whether every demo group holds its people.
func demoGroupsFilled(t *testing.T, fakeURL string) bool {
	t.Helper()
	resp, err := http.Get(fakeURL + "/__fake/state")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var state saltokstest.State
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		t.Fatalf("GET /__fake/state: %v", err)
	}
	for _, g := range demoGroups {
		have := groupEmails(state, g.site, g.group)
		for _, e := range g.emails {
			if !slices.Contains(have, e) {
				return false
			}
		}
	}
	return true
}

// groupEmails are the e-mails of the users in a group of the fake.
func groupEmails(state saltokstest.State, siteID, groupID string) []string {
	for _, site := range state.Sites {
		if site.ID != siteID {
			continue
		}
		emails := map[string]string{}
		for _, u := range site.Users {
			emails[u.UserID] = strings.ToLower(u.Email)
		}
		for _, g := range site.AccessGroups {
			if g.ID == groupID {
				var out []string
				for _, id := range g.UserIDs {
					out = append(out, emails[id])
				}
				return out
			}
		}
	}
	return nil
}

// lockedBuffer collects a child's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func httpStatus(url string) int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	if !eventually(d, ok) {
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
}

// eventually polls ok until it holds (true) or d has passed (false).
func eventually(d time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}
