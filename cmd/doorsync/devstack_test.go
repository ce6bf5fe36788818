package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
// Temporal UI and the metrics the banner names must answer, the demo space
// must reach the fake Salto KS (its people in their groups), a fresh
// member's first adds must get through Salto KS's consistency window and
// two 503s, an org must connect by the authorization-code flow (the fake
// is the partner client), nothing may be logged at ERROR (expected
// retries are INFO or WARN), and SIGINT must leave no process behind.
func TestDevStackStartsAndStopsCleanly(t *testing.T) {
	if _, err := os.Stat(testenv.TemporalCLI()); err != nil {
		t.Skipf("temporal CLI missing: %v", err)
	}
	ds := startDevStack(t)
	out, apiAddr, fakeAddr := ds.out, ds.apiAddr, ds.fakeAddr
	uiPort, temporalMetricsPort := ds.uiPort, ds.temporalMetricsPort

	waitFor(t, 90*time.Second, "the ready banner", func() bool { return strings.Contains(out.String(), "doorsync is running") })
	bannerAt := time.Now()
	if got := httpStatus("http://" + apiAddr + "/readyz"); got != 200 {
		t.Fatalf("GET /readyz = %d, want 200\n%s", got, out.String())
	}
	if got := httpStatus(fmt.Sprintf("http://127.0.0.1:%d/", uiPort)); got != 200 {
		t.Errorf("Temporal UI answered %d, want 200", got)
	}

	for _, url := range []string{"http://" + apiAddr + "/metrics", fmt.Sprintf("http://127.0.0.1:%d/metrics", temporalMetricsPort)} {
		if !strings.Contains(out.String(), url) {
			t.Errorf("the banner does not name the metrics at %s\n%s", url, out.String())
		}
		if got := httpStatus(url); got != 200 {
			t.Errorf("GET %s = %d, want 200", url, got)
		}
	}

	waitFor(t, 30*time.Second, "the demo org", func() bool { return strings.Contains(out.String(), "demo org API key: dsk_") })
	if !strings.Contains(out.String(), demoPlatformVar+"=officernd make run") {
		t.Errorf("the built-in demo's banner does not say how to load the demo from the fake OfficeRnD (%s):\n%s",
			demoPlatformVar, out.String())
	}
	if strings.Contains(out.String(), "Fake OfficeRnD") {
		t.Errorf("without %s the dev stack started the fake OfficeRnD:\n%s", demoPlatformVar, out.String())
	}
	if !eventually(time.Until(bannerAt.Add(20*time.Second)), func() bool { return demoGroupsFilled(t, "http://"+fakeAddr) }) {
		t.Fatalf("20 s after the banner the demo's people are not all in their Salto KS groups\n%s", out.String())
	}
	stack := devStack{t: t, api: "http://" + apiAddr, fake: "http://" + fakeAddr,
		admin: bannerValue(t, out.String(), "admin token:"), key: bannerValue(t, out.String(), "demo org API key:")}
	// The banner's console URL serves the console (its sign-in page).
	if console := bannerValue(t, out.String(), "the operator console:"); console != stack.api+"/console/" || httpStatus(console) != 200 {
		t.Errorf("the banner's console URL %q does not serve the console", console)
	}
	stack.freshMemberThroughRetries()
	stack.connectByAuthorizationCode()
	if lines := errorLines(out.String()); len(lines) > 0 {
		t.Errorf("the dev stack logged at ERROR:\n%s", strings.Join(lines, "\n"))
	}

	ds.interrupt()
}

// devStackRun is a running scripts/dev-stack.sh on free ports.
type devStackRun struct {
	t                           *testing.T
	cmd                         *exec.Cmd
	out                         *lockedBuffer
	pgid                        int
	apiAddr, fakeAddr           string
	uiPort, temporalMetricsPort int
}

// startDevStack starts the script behind `make run` on free ports, with a
// database of its own, and env added to the test's environment.
func startDevStack(t *testing.T, env ...string) *devStackRun {
	t.Helper()
	bin := testenv.BuildDoorsync(t)
	ds := &devStackRun{t: t, out: &lockedBuffer{},
		apiAddr: fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t)), fakeAddr: fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t)),
		uiPort: testenv.FreePort(t), temporalMetricsPort: testenv.FreePort(t)}
	ds.cmd = exec.Command("bash", filepath.Join(testenv.RepoRoot(), "scripts", "dev-stack.sh"))
	ds.cmd.Env = append(append(os.Environ(),
		"DOORSYNC_BIN="+bin,
		"DOORSYNC_DATA_DIR="+t.TempDir(),
		"DOORSYNC_HTTP_ADDR="+ds.apiAddr,
		"DATABASE_URL="+testenv.NewDatabase(t),
		fmt.Sprintf("TEMPORAL_PORT=%d", testenv.FreePort(t)),
		fmt.Sprintf("TEMPORAL_UI_PORT=%d", ds.uiPort),
		fmt.Sprintf("TEMPORAL_METRICS_PORT=%d", ds.temporalMetricsPort),
		"FAKE_SALTO_ADDR="+ds.fakeAddr,
	), env...)
	ds.cmd.Stdout, ds.cmd.Stderr = ds.out, ds.out
	ds.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := ds.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := ds.cmd.Process.Pid
	ds.pgid = pgid
	t.Cleanup(func() { syscall.Kill(-pgid, syscall.SIGKILL) })
	return ds
}

// interrupt sends SIGINT, as Ctrl-C does to the foreground group: the
// script must stop within 30 s and leave no process behind.
func (ds *devStackRun) interrupt() {
	t := ds.t
	syscall.Kill(-ds.pgid, syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- ds.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("dev stack still running 30s after SIGINT\n%s", ds.out.String())
	}
	waitFor(t, 10*time.Second, "no process left in the group", func() bool {
		return errors.Is(syscall.Kill(-ds.pgid, 0), syscall.ESRCH)
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

// devStack calls a running dev stack: its API as the admin or the demo
// org, and the fake Salto KS's control routes.
type devStack struct {
	t                     *testing.T
	api, fake, admin, key string
}

// freshMemberThroughRetries adds a member with the demo's plan while the
// fake keeps a new user out of groups for 4 s (Salto KS's consistency
// window: 404 2202) and answers the first two group adds 503: the member
// must still reach both members groups.
func (s devStack) freshMemberThroughRetries() {
	t := s.t
	s.do("POST", s.fake+"/__fake/config", "", `{"provisioning_delay_seconds": 4}`, 200)
	s.do("POST", s.fake+"/__fake/faults", "", `{"method": "POST", "route": "/{version}/sites/{site_id}/access_groups/{group_id}/users",
		"status": 503, "message": "try again", "times": 2}`, 204)
	s.do("PUT", s.api+demoOrgPath+"/members/m-erin", s.key,
		`{"email": "erin@example.com", "first_name": "Erin", "last_name": "Evans", "access_cards": []}`, 0)
	s.do("PUT", s.api+demoOrgPath+"/memberships/ms-erin", s.key,
		`{"plan_id": "hot-desk", "member_id": "m-erin", "starts_at": "`+demoSince+`"}`, 0)
	in := func() bool {
		state := fakeState(t, s.fake)
		return slices.Contains(groupEmails(state, demoSiteLondon, demoLondonMembers), "erin@example.com") &&
			slices.Contains(groupEmails(state, demoSiteNewYork, demoNewYorkMembers), "erin@example.com")
	}
	if !eventually(60*time.Second, in) {
		t.Fatal("a fresh member is not in the members groups 60 s after the write")
	}
	if faults := s.do("GET", s.fake+"/__fake/faults", "", "", 200); strings.TrimSpace(faults) != "[]" && strings.TrimSpace(faults) != "null" {
		t.Errorf("the 503s were not all answered (faults left: %s)", faults)
	}
}

// connectByAuthorizationCode connects a new org to the fake Salto KS
// through the authorization-code flow, as a browser would (following the
// redirects, keeping the flow's cookie).
func (s devStack) connectByAuthorizationCode() {
	t := s.t
	s.do("PUT", s.api+"/v1/orgs/oauth-demo", s.admin, `{"name": "OAuth demo", "time_zone": "Europe/London"}`, 0)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	req, _ := http.NewRequest("GET", s.api+"/v1/orgs/oauth-demo/salto/authorize", nil)
	req.Header.Set("Authorization", "Bearer "+s.admin)
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatalf("the authorization-code flow: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/v1/salto/callback" {
		t.Fatalf("the authorization-code flow ended at %s with %d, want the callback's 200:\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	if got := s.do("GET", s.api+"/v1/orgs/oauth-demo/salto", s.admin, "", 200); !strings.Contains(got, "authorization_code") {
		t.Errorf("GET …/salto after the flow = %s, want an authorization_code connection", got)
	}
}

// do sends body (JSON) with token, wants status (0: any 2xx) and returns
// the answer's body.
func (s devStack) do(method, url, token, body string, status int) string {
	s.t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if (status == 0 && resp.StatusCode/100 != 2) || (status != 0 && resp.StatusCode != status) {
		s.t.Fatalf("%s %s = %d, want %d: %s", method, url, resp.StatusCode, status, b)
	}
	return string(b)
}

// bannerValue is the word after label in the dev stack's output.
func bannerValue(t *testing.T, out, label string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(label) + `\s+(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q in the output:\n%s", label, out)
	}
	return m[1]
}

// errorLines are the output's lines logged at ERROR (text or JSON logs).
func errorLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "level=ERROR") || strings.Contains(l, `"level":"ERROR"`) {
			lines = append(lines, l)
		}
	}
	return lines
}

// fakeState is the fake Salto KS's GET /__fake/state.
func fakeState(t *testing.T, fakeURL string) saltokstest.State {
	t.Helper()
	var state saltokstest.State
	resp, err := http.Get(fakeURL + "/__fake/state")
	if err != nil {
		return state
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		t.Fatalf("GET /__fake/state: %v", err)
	}
	return state
}
