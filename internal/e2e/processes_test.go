package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"doorsync/internal/secrets"
	"doorsync/internal/testenv"
	"doorsync/saltoks/saltokstest"
)

// TestAPIAndWorkerProcessesShareTheRotatingToken runs `doorsync api` and
// `doorsync worker` as separate processes, as docker-compose.yml does,
// against an identity server whose access tokens live 2 s and whose
// refresh tokens work once. The org connects with the authorization-code
// flow (no password to fall back on). The API renews the token while it
// reports the connection's status, the worker while it grants and revokes;
// a process renewing on its own would spend the refresh token the other
// holds, and the member would never be removed. As in docker-compose.yml,
// the worker is a version of a Temporal worker deployment: no task would
// reach it unless it made itself current.
func TestAPIAndWorkerProcessesShareTheRotatingToken(t *testing.T) {
	temporal := testenv.Temporal(t)
	fake := saltokstest.NewServer(saltokstest.WithTokenTTL(2 * time.Second))
	t.Cleanup(fake.Close)
	if err := fake.SeedJSON([]byte(seed)); err != nil {
		t.Fatal(err)
	}
	bin := testenv.BuildDoorsync(t)
	apiURL := fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t))
	env := append(os.Environ(),
		"DATABASE_URL="+testenv.NewDatabase(t),
		"TEMPORAL_ADDRESS="+temporal.HostPort,
		"TEMPORAL_NAMESPACE="+temporal.Namespace,
		"DOORSYNC_TASK_QUEUE="+testenv.TaskQueue(t),
		"DOORSYNC_HTTP_ADDR="+strings.TrimPrefix(apiURL, "http://"),
		"DOORSYNC_PUBLIC_URL="+apiURL,
		"DOORSYNC_ADMIN_TOKEN="+adminToken,
		"DOORSYNC_SECRET_KEY="+secrets.NewKey(),
		"DOORSYNC_SALTO_CLIENT_ID=doorsync",
		"DOORSYNC_SALTO_CLIENT_SECRET="+clientSecret,
		"DOORSYNC_SALTO_IDENTITY_URL="+fake.URL,
		"DOORSYNC_SALTO_API_URL="+fake.URL,
		"DOORSYNC_SALTO_ALLOWED_HOSTS="+fake.URL,
		"DOORSYNC_LOG_LEVEL=warn",
		"DOORSYNC_WORKER_ADDR=127.0.0.1:0",
		"DOORSYNC_WORKER_DEPLOYMENT=doorsync-"+randomToken(),
	)
	startProcess(t, bin, env, "api")
	startProcess(t, bin, env, "worker")
	s := &stack{t: t, org: orgFor(t), URL: apiURL, fake: fake}
	s.eventually(60*time.Second, "the API ready", func() bool { return httpStatus(apiURL+"/readyz") == 200 })

	s.call(201, "PUT", s.orgPath(), adminToken, map[string]any{"name": "Acme", "time_zone": "Europe/London"})
	s.key = s.call(201, "POST", s.orgPath()+"/api-keys", adminToken, map[string]any{"name": "operator"})["key"].(string)
	connectWithCode(t, s)
	s.put("/locations/lon", map[string]any{"name": "London", "time_zone": "Europe/London", "salto_site_id": london})
	s.put("/plans/hot", map[string]any{"name": "Hot desk"})
	s.mapGroups("plans", "hot", gMembers)

	fake.ResetRequests()
	s.put("/members/m1", member("m1", "ann@example.com"))
	s.put("/memberships/ms1", map[string]any{"member_id": "m1", "plan_id": "hot", "starts_at": rfc(time.Now().Add(-time.Hour))})
	s.waitIn(gMembers, "ann@example.com")

	// The API keeps using (and renewing) the token for several lifetimes.
	s.eventually(60*time.Second, "several refreshes", func() bool {
		status := s.call(200, "GET", s.orgPath()+"/salto", s.key, nil)
		if status["connected"] != true {
			t.Fatalf("status while the API renews the token: %v", status)
		}
		time.Sleep(200 * time.Millisecond)
		return fake.Requests()["POST /connect/token"] >= 4
	})

	s.put("/memberships/ms1", map[string]any{"member_id": "m1", "plan_id": "hot",
		"starts_at": rfc(time.Now().Add(-time.Hour)), "ends_at": rfc(time.Now().Add(-time.Minute))})
	s.waitOut(gMembers, "ann@example.com")
	if status := s.call(200, "GET", s.orgPath()+"/salto", s.key, nil); status["connected"] != true || status["last_error"] != "" {
		t.Errorf("status at the end: %v", status)
	}
}

// connectWithCode runs the authorization-code flow as an operator's
// browser would: it follows every redirect, keeping the cookies the API
// sets, through the fake's identity server (which approves at once) and
// back to the callback.
func connectWithCode(t *testing.T, s *stack) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	req, _ := http.NewRequest("GET", s.URL+s.orgPath()+"/salto/authorize", nil)
	req.Header.Set("Authorization", "Bearer "+s.key)
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the authorization-code flow ended with %d at %s", resp.StatusCode, redact(resp.Request.URL))
	}
	if status := s.call(200, "GET", s.orgPath()+"/salto", s.key, nil); status["connected"] != true || status["mode"] != "authorization_code" {
		t.Fatalf("status after the callback: %v", status)
	}
}

// redact drops a URL's query (it holds the code and state).
func redact(u *url.URL) string { return u.Scheme + "://" + u.Host + u.Path }

// startProcess runs `doorsync <command>` until the test ends; its output
// is shown if the test fails.
func startProcess(t *testing.T, bin string, env []string, command string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, command)
	cmd.Env = env
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 20 * time.Second
	out := &testenv.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("doorsync %s:\n%s", command, out.String())
		}
	})
}

func httpStatus(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
