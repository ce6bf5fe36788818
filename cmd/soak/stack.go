package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"doorsync/internal/devtemporal"
	"doorsync/internal/secrets"
	"doorsync/saltoks/saltokstest"
)

// stack is the production topology on one machine: a Temporal dev server
// on a file, a database of its own on the local PostgreSQL, the fake Salto
// KS (in this process, so its state can be watched), and `doorsync api`
// once and `doorsync worker` twice as separate processes. Everything
// listens on 127.0.0.1 only.
type stack struct {
	cfg      Config
	dir      string
	dbName   string
	dbURL    string
	fake     *saltokstest.Server
	fakeURL  string
	topts    devtemporal.Options
	temporal *devtemporal.Process
	api      *proc
	workers  []*proc
	apiURL   string
	admin    string
	stopFake context.CancelFunc
}

// startStack brings the topology up.
func startStack(ctx context.Context, cfg Config, logf func(string, ...any)) (*stack, error) {
	s := &stack{cfg: cfg, dir: cfg.LogDir, admin: "soak-admin-" + randomHex(16)}
	if s.dir == "" {
		d, err := os.MkdirTemp("", "doorsync-soak-")
		if err != nil {
			return nil, err
		}
		s.dir = d
	}
	logf("logs and the Temporal database in %s", s.dir)
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"Temporal", s.startTemporal},
		{"database", s.createDatabase},
		{"fake Salto KS", s.startFake},
		{"doorsync processes", s.startDoorsync},
	}
	for _, st := range steps {
		if err := st.run(ctx); err != nil {
			s.stop(s.cfg.KeepFailed)
			return nil, fmt.Errorf("start %s: %w", st.name, err)
		}
		logf("%s up", st.name)
	}
	return s, nil
}

func (s *stack) startTemporal(ctx context.Context) error {
	ports, err := freePorts(4)
	if err != nil {
		return err
	}
	s.topts = devtemporal.Options{Binary: s.cfg.TemporalCLI, IP: "127.0.0.1", Port: ports[0], HTTPPort: ports[1],
		UIPort: ports[2], MetricsPort: ports[3], Headless: true, DBFile: filepath.Join(s.dir, "temporal.db"), LogLevel: "error"}
	return s.restartTemporal(ctx)
}

// restartTemporal starts the dev server on the same file and ports.
func (s *stack) restartTemporal(ctx context.Context) error {
	logs, err := os.OpenFile(filepath.Join(s.dir, "temporal.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	p, err := devtemporal.Start(ctx, s.topts, logs)
	if err != nil {
		return err
	}
	s.temporal = p
	return nil
}

func (s *stack) createDatabase(ctx context.Context) error {
	s.dbName = "soak_" + randomHex(6)
	conn, err := pgx.Connect(ctx, s.cfg.AdminDB)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "create database "+s.dbName); err != nil {
		return err
	}
	s.dbURL = withDatabase(s.cfg.AdminDB, s.dbName)
	return nil
}

// dropDatabase removes the soak's database (closing what still uses it).
func (s *stack) dropDatabase() error {
	if s.dbName == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.cfg.AdminDB)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "drop database if exists "+s.dbName+" with (force)")
	return err
}

func (s *stack) startFake(ctx context.Context) error {
	s.fake = saltokstest.New()
	if err := s.fake.SeedJSON([]byte(fakeSeed)); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.fakeURL = "http://" + ln.Addr().String()
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopFake = cancel
	go s.fake.Serve(fctx, ln, nil)
	return nil
}

// startDoorsync migrates the database and starts the API and two workers.
func (s *stack) startDoorsync(ctx context.Context) error {
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	s.apiURL = fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	env := append(os.Environ(),
		"DATABASE_URL="+s.dbURL,
		fmt.Sprintf("TEMPORAL_ADDRESS=127.0.0.1:%d", s.topts.Port),
		"TEMPORAL_NAMESPACE=default",
		"DOORSYNC_TASK_QUEUE=soak",
		"DOORSYNC_HTTP_ADDR="+strings.TrimPrefix(s.apiURL, "http://"),
		"DOORSYNC_PUBLIC_URL="+s.apiURL,
		"DOORSYNC_ADMIN_TOKEN="+s.admin,
		"DOORSYNC_SECRET_KEY="+secrets.NewKey(),
		"DOORSYNC_SALTO_ALLOWED_HOSTS="+s.fakeURL,
		"DOORSYNC_LOG_LEVEL=warn",
		"DOORSYNC_SHUTDOWN_TIMEOUT=5s",
		"DOORSYNC_WORKER_ADDR=127.0.0.1:0", // two workers on one machine: each its own port
	)
	migrate := exec.CommandContext(ctx, s.cfg.Doorsync, "migrate", "up")
	migrate.Env = env
	if out, err := migrate.CombinedOutput(); err != nil {
		return fmt.Errorf("migrate: %w\n%s", err, out)
	}
	s.api = &proc{name: "api", bin: s.cfg.Doorsync, args: []string{"api"}, env: env, logPath: filepath.Join(s.dir, "api.log")}
	s.workers = []*proc{
		{name: "worker-1", bin: s.cfg.Doorsync, args: []string{"worker"}, env: env, logPath: filepath.Join(s.dir, "worker-1.log")},
		{name: "worker-2", bin: s.cfg.Doorsync, args: []string{"worker"}, env: env, logPath: filepath.Join(s.dir, "worker-2.log")},
	}
	for _, p := range append([]*proc{s.api}, s.workers...) {
		if err := p.start(); err != nil {
			return err
		}
	}
	return waitFor(ctx, time.Minute, func() bool { return httpStatus(s.apiURL+"/readyz") == 200 })
}

// stop ends every process and the fake. Unless keep (a failed run, kept
// for a post-mortem), it drops the database and removes the logs and
// Temporal's file (when in a directory of its own making).
func (s *stack) stop(keep bool) {
	for _, p := range append([]*proc{s.api}, s.workers...) {
		if p != nil {
			p.stop()
		}
	}
	if s.temporal != nil {
		s.temporal.Stop()
	}
	if s.stopFake != nil {
		s.stopFake()
	}
	if keep {
		fmt.Fprintf(os.Stderr, "soak: kept database %s and %s (drop database %s with (force) when done)\n", s.dbName, s.dir, s.dbName)
		return
	}
	if err := s.dropDatabase(); err != nil {
		fmt.Fprintf(os.Stderr, "soak: drop database %s: %v\n", s.dbName, err)
	}
	if s.cfg.LogDir == "" {
		os.RemoveAll(s.dir)
	}
}

// restartPostgres restarts the local PostgreSQL cluster.
func restartPostgres(ctx context.Context) error {
	versions, err := os.ReadDir("/etc/postgresql")
	if err != nil || len(versions) == 0 {
		return fmt.Errorf("no cluster under /etc/postgresql: %w", err)
	}
	cmd := exec.CommandContext(ctx, "pg_ctlcluster", "--skip-systemctl-redirect", versions[0].Name(), "main", "restart")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctlcluster: %w\n%s", err, out)
	}
	return nil
}

// proc is one doorsync process, its output appended to a log file.
type proc struct {
	name, bin string
	args, env []string
	logPath   string
	cmd       *exec.Cmd
	done      chan struct{}
}

func (p *proc) start() error {
	logs, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logs.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); logs.Close(); close(p.done) }()
	return nil
}

// kill9 kills the process as a crash would and waits for it to go.
func (p *proc) kill9() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	p.cmd = nil
}

// stop asks the process to stop, killing it after 15 s.
func (p *proc) stop() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.kill9()
	}
	p.cmd = nil
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// withDatabase swaps the database name in a postgres:// URL.
func withDatabase(url, name string) string {
	head, query, _ := strings.Cut(url, "?")
	if i := strings.LastIndex(head, "/"); i > len("postgres://") {
		head = head[:i]
	}
	if query != "" {
		return head + "/" + name + "?" + query
	}
	return head + "/" + name
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func waitFor(ctx context.Context, d time.Duration, ok func() bool) error {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v", d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}
