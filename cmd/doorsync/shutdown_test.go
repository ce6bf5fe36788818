package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"doorsync/internal/testenv"
	"doorsync/saltoks/saltokstest"
)

// SIGTERM stops `doorsync dev` gracefully: an apply whose Salto KS add is
// under way (the fake takes 2 s to answer each add) finishes, the new
// member is in both members groups, and the process exits 0 within
// DOORSYNC_SHUTDOWN_TIMEOUT.
func TestSIGTERMLetsARunningApplyFinish(t *testing.T) {
	dev := testenv.Temporal(t)
	bin := testenv.BuildDoorsync(t)
	fake := saltokstest.New()
	if err := fake.SeedJSON(saltokstest.DemoSeed); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go fake.Serve(ctx, ln, slog.New(slog.DiscardHandler))
	fakeURL := "http://" + ln.Addr().String()
	const addRoute = "/{version}/sites/{site_id}/access_groups/{group_id}/users"
	if err := fake.AddFault(saltokstest.Fault{Method: "POST", RoutePattern: addRoute, Latency: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}

	const shutdownTimeout = 10 * time.Second
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	cmd := exec.Command(bin, "dev", "-demo-salto", fakeURL)
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+testenv.NewDatabase(t),
		"TEMPORAL_ADDRESS="+dev.HostPort,
		"TEMPORAL_NAMESPACE="+dev.Namespace,
		"DOORSYNC_TASK_QUEUE="+testenv.TaskQueue(t),
		"DOORSYNC_HTTP_ADDR="+addr,
		"DOORSYNC_PUBLIC_URL=http://"+addr,
		"DOORSYNC_DATA_DIR="+t.TempDir(),
		"DOORSYNC_SHUTDOWN_TIMEOUT="+shutdownTimeout.String(),
	)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("doorsync dev output:\n%s", out.String())
		}
	})

	waitFor(t, 60*time.Second, "the demo org", func() bool { return strings.Contains(out.String(), "demo org API key: dsk_") })
	waitFor(t, 60*time.Second, "the demo's people in their groups", func() bool { return demoGroupsFilled(t, fakeURL) })
	stack := devStack{t: t, api: "http://" + addr, fake: fakeURL, key: bannerValue(t, out.String(), "demo org API key:")}
	adds := func() int {
		n := 0
		for route, c := range fake.Requests() {
			if strings.HasPrefix(route, "POST ") && strings.HasSuffix(route, "/access_groups/{group_id}/users") {
				n += c
			}
		}
		return n
	}
	before := adds()
	stack.do("PUT", stack.api+demoOrgPath+"/members/m-erin", stack.key,
		`{"email": "erin@example.com", "first_name": "Erin", "last_name": "Evans", "access_cards": []}`, 0)
	stack.do("PUT", stack.api+demoOrgPath+"/memberships/ms-erin", stack.key,
		`{"plan_id": "hot-desk", "member_id": "m-erin", "starts_at": "`+demoSince+`"}`, 0)
	waitFor(t, 30*time.Second, "the new member's first add to reach the fake", func() bool { return adds() > before })

	stopAt := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Errorf("doorsync dev exited %d after SIGTERM, want 0", exit.ExitCode())
		}
	case <-time.After(shutdownTimeout + 5*time.Second):
		t.Fatalf("doorsync dev still running %v after SIGTERM (DOORSYNC_SHUTDOWN_TIMEOUT=%v)", shutdownTimeout+5*time.Second, shutdownTimeout)
	}
	took := time.Since(stopAt)
	if took > shutdownTimeout+time.Second {
		t.Errorf("doorsync dev took %v to stop, more than DOORSYNC_SHUTDOWN_TIMEOUT=%v", took, shutdownTimeout)
	}
	state := fake.State()
	for _, g := range [][2]string{{demoSiteLondon, demoLondonMembers}, {demoSiteNewYork, demoNewYorkMembers}} {
		if !slices.Contains(groupEmails(state, g[0], g[1]), "erin@example.com") {
			t.Errorf("erin@example.com is not in group %s on site %s: the apply under way at SIGTERM did not finish (stopped after %v)",
				g[1], g[0], took)
		}
	}
	if !strings.Contains(out.String(), "worker stopped") {
		t.Errorf("no \"worker stopped\" line: the worker did not stop within the timeout")
	}
}
