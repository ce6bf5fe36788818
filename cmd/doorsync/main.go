// Command doorsync is doorsync's one binary. Its subcommands run the API,
// the Temporal worker, both together for one machine, the schema
// migrations and a fake Salto KS for development.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones even where the image has no zoneinfo
)

const usage = `usage: doorsync <command> [flags]

commands:
  migrate up|down|status   apply, roll back (-to N) or show schema migrations
  api                      serve the HTTP API
  worker                   run the Temporal worker
  dev                      api and worker in one process, for one machine
  temporal-setup           register doorsync's search attributes on the namespace
  secrets reseal           seal every stored secret again with DOORSYNC_SECRET_KEY,
                           so DOORSYNC_SECRET_KEYS_PREVIOUS can be retired
  fake-salto [-addr A] [-seed FILE]
                           a fake Salto KS for development and tests
  fake-officernd [-addr A] [-webhook-url URL]
                           a fake OfficeRnD (slug demo-space, client doorsync-client,
                           secret doorsync-secret, webhook secret doorsync-webhook-secret)
  healthcheck [URL]        exit 0 when URL (default the API's /readyz) answers 2xx,
                           for container healthchecks
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "doorsync:", err)
		os.Exit(1)
	}
}

// command is one subcommand.
type command func(ctx context.Context, env *environment, args []string) error

var commands = map[string]command{
	"migrate": runMigrate,
	"api":     runAPI,
	"worker":  runWorker,
	"dev":     runDev,

	"temporal-setup": runTemporalSetup,
	"secrets":        runSecrets,
	"fake-salto":     runFakeSalto,
	"fake-officernd": runFakeOfficeRnD,
	"healthcheck":    runHealthcheck,
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprint(stdout, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	env, err := newEnvironment(getenv, stdout)
	if err != nil {
		return err
	}
	return cmd(ctx, env, args[1:])
}
