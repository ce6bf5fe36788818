package testenv

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"doorsync/internal/devtemporal"
)

// DevServer is a Temporal dev server (the pinned CLI) on free ports. Its
// state lives in a SQLite file, so Stop followed by Start keeps workflows,
// which lets tests take Temporal away and bring it back.
type DevServer struct {
	HostPort  string
	Namespace string
	opts      devtemporal.Options
	dir       string
	mu        sync.Mutex
	proc      *devtemporal.Process
}

var (
	sharedOnce sync.Once
	shared     *DevServer
	sharedErr  error
)

// Temporal returns the package's shared dev server, starting it on first
// use. testenv.Main stops it after the package's tests.
func Temporal(t testing.TB) *DevServer {
	t.Helper()
	bin := TemporalCLI()
	if _, err := os.Stat(bin); err != nil {
		unavailable(t, "temporal CLI at %s (run `make bin/temporal`): %v", bin, err)
	}
	sharedOnce.Do(func() { shared, sharedErr = StartDevServer(bin, false) })
	if sharedErr != nil {
		t.Fatalf("testenv: start temporal dev server: %v", sharedErr)
	}
	return shared
}

// NewDevServer starts a dev server owned by one test (for tests that stop
// and restart Temporal); it is stopped when the test ends.
func NewDevServer(t testing.TB) *DevServer {
	t.Helper()
	bin := TemporalCLI()
	if _, err := os.Stat(bin); err != nil {
		unavailable(t, "temporal CLI at %s: %v", bin, err)
	}
	s, err := StartDevServer(bin, true)
	if err != nil {
		t.Fatalf("testenv: start temporal dev server: %v", err)
	}
	t.Cleanup(func() { s.Stop(); os.RemoveAll(s.dir) })
	return s
}

// TemporalCLI is the path of the pinned Temporal CLI: TEMPORAL_CLI, else
// bin/temporal at the repository root.
func TemporalCLI() string {
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		return p
	}
	return filepath.Join(RepoRoot(), "bin", "temporal")
}

// StartDevServer starts a dev server with doorsync's search attributes on
// free ports and waits until it answers. A persistent one keeps its state
// in a SQLite file, so it survives Stop and Start; otherwise it keeps it in
// memory, which is faster.
func StartDevServer(bin string, persistent bool) (*DevServer, error) {
	dir, err := os.MkdirTemp("", "doorsync-temporal-")
	if err != nil {
		return nil, err
	}
	ports := make([]int, 4)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return nil, err
		}
	}
	s := &DevServer{
		HostPort:  "127.0.0.1:" + itoa(ports[0]),
		Namespace: "default",
		opts: devtemporal.Options{
			Binary: bin, IP: "127.0.0.1", Port: ports[0], HTTPPort: ports[1], UIPort: ports[2], MetricsPort: ports[3],
			Headless: true, LogLevel: "error",
		},
		dir: dir,
	}
	if persistent {
		s.opts.DBFile = filepath.Join(dir, "temporal.db")
	}
	return s, s.Start()
}

// Start (re)starts the server process on its ports and waits for it.
func (s *DevServer) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	logs, err := os.OpenFile(filepath.Join(s.dir, "temporal.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logs.Close() // the child process keeps its own descriptor
	p, err := devtemporal.Start(ctx, s.opts, logs)
	if err != nil {
		return fmt.Errorf("%w (logs in %s)", err, logs.Name())
	}
	s.proc = p
	return nil
}

// MetricsURL is where the server serves its Prometheus metrics.
func (s *DevServer) MetricsURL() string {
	return fmt.Sprintf("http://%s:%d/metrics", s.opts.IP, s.opts.MetricsPort)
}

// Stop ends the server process; its state stays on disk for Start.
func (s *DevServer) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		s.proc.Stop()
		s.proc = nil
	}
}

// Client dials the server; the client is closed when the test ends.
func (s *DevServer) Client(t testing.TB) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.HostPort,
		Namespace: s.Namespace,
		Logger:    log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))),
	})
	if err != nil {
		t.Fatalf("testenv: dial temporal: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// StartWorker runs a worker on taskQueue with what register adds, until
// the test ends.
func StartWorker(t testing.TB, c client.Client, taskQueue string, register func(worker.Registry)) {
	t.Helper()
	w := worker.New(c, taskQueue, worker.Options{})
	register(w)
	if err := w.Start(); err != nil {
		t.Fatalf("testenv: start worker: %v", err)
	}
	t.Cleanup(w.Stop)
}

// TaskQueue returns a task queue name unique to the test.
func TaskQueue(t testing.TB) string {
	return fmt.Sprintf("test-%s-%s", filepath.Base(t.Name()), randomHex(4))
}

func stopSharedTemporal() {
	if shared != nil {
		shared.Stop()
		os.RemoveAll(shared.dir)
	}
}
