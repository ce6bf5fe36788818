// Package devtemporal starts the pinned Temporal CLI's dev server with
// doorsync's custom search attributes and waits until it is usable. Tests
// use it; `make run` starts the same CLI with the same attributes.
package devtemporal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"

	"doorsync/internal/searchattr"
)

// Options say how to start the dev server.
type Options struct {
	Binary      string
	IP          string
	Port        int
	HTTPPort    int
	UIPort      int
	MetricsPort int
	Headless    bool
	DBFile      string // "" keeps state in memory
	LogLevel    string
}

// Args are the CLI arguments for o.
func (o Options) Args() []string {
	args := []string{"server", "start-dev",
		"--ip", o.IP, "--port", strconv.Itoa(o.Port),
		"--http-port", strconv.Itoa(o.HTTPPort),
		"--ui-port", strconv.Itoa(o.UIPort),
		"--metrics-port", strconv.Itoa(o.MetricsPort),
		"--log-level", o.LogLevel,
	}
	if o.Headless {
		args = append(args, "--headless")
	}
	pragmas := inMemoryPragmas
	if o.DBFile != "" {
		args = append(args, "--db-filename", o.DBFile)
		pragmas = filePragmas
	}
	for _, p := range pragmas {
		args = append(args, "--sqlite-pragma", p)
	}
	for _, kv := range DynamicConfig {
		args = append(args, "--dynamic-config-value", kv)
	}
	for _, sa := range searchattr.Names {
		args = append(args, "--search-attribute", sa+"=Keyword")
	}
	return args
}

// DynamicConfig are the server settings doorsync asks of the dev server.
//
// The first two it recommends for any Temporal it runs on: eager workflow
// start hands a new AccessWorkflow's first task to the worker in the reply
// to the relay's start, and eager activity execution an ApplyAccess
// retried as an activity in the reply to the workflow task that scheduled
// it, each sparing a round trip through the task queue.
//
// The third undoes a dev-server default: the CLI has every request that
// carries search attributes (every AccessWorkflow start does) re-read them
// from the database, so that attributes added while it runs show at once.
// doorsync registers its attributes when the server starts, before any
// request, so the server's own one-minute cache is safe, and the server
// spares the re-read on every start.
var DynamicConfig = []string{
	"system.enableActivityEagerExecution=true",
	"system.enableEagerWorkflowStart=true",
	"system.forceSearchAttributesCacheRefreshOnRead=false",
}

// ServerGOGC is the dev server's garbage-collection target. At Go's
// default (100) the server spends a noticeable share of its CPU collecting
// garbage under load; a larger heap between collections costs memory the
// dev server can spare.
const ServerGOGC = "400"

// The dev server keeps everything in SQLite behind a single connection, so
// its throughput is that of SQLite. A file database (make run) journals in
// WAL mode and syncs at checkpoints, which survives a crash of the process
// and starts workflows much faster than SQLite's defaults; an in-memory
// one (tests) has nothing to keep and skips journalling. The figures are
// in docs/architecture.md, "The dev stack".
var (
	filePragmas     = []string{"journal_mode=wal", "synchronous=normal"}
	inMemoryPragmas = []string{"journal_mode=off", "synchronous=off"}
)

// Process is a running dev server.
type Process struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// Start runs the dev server and waits until it serves the default
// namespace with every search attribute registered, or ctx ends.
func Start(ctx context.Context, o Options, logs io.Writer) (*Process, error) {
	cmd := exec.Command(o.Binary, o.Args()...)
	cmd.Env = append(os.Environ(), "GOGC="+ServerGOGC)
	cmd.Stdout, cmd.Stderr = logs, logs
	// Its own process group (Stop ends it and any children), and gone with
	// its parent should the parent be killed (a test binary past its
	// timeout, say), so no dev server outlives the process that started it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("devtemporal: start %s: %w", o.Binary, err)
	}
	p := &Process{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	if err := waitReady(ctx, fmt.Sprintf("%s:%d", o.IP, o.Port), p.done); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// Stop ends the server and waits for it to exit.
func (p *Process) Stop() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Kill ends the server at once (SIGKILL, as a crash would) and waits for
// it to exit; a server on a file keeps what it had synced.
func (p *Process) Kill() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

func waitReady(ctx context.Context, hostPort string, exited <-chan struct{}) error {
	var last error
	for {
		if last = probe(ctx, hostPort); last == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("devtemporal: server exited before it was ready")
		case <-ctx.Done():
			return fmt.Errorf("devtemporal: not ready at %s: %w", hostPort, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// probe succeeds once the server answers and knows every search attribute.
func probe(ctx context.Context, hostPort string) error {
	c, err := client.Dial(client.Options{HostPort: hostPort, Logger: quietLogger{}})
	if err != nil {
		return err
	}
	defer c.Close()
	missing, err := searchattr.Missing(ctx, c, "default")
	if err == nil && len(missing) > 0 {
		err = fmt.Errorf("search attributes %v not registered yet", missing)
	}
	return err
}

// quietLogger drops the SDK's logs while probing a server that is starting.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
