// Command soak runs doorsync as it is deployed (an API process, two
// workers, Temporal on a file, PostgreSQL, and a misbehaving fake Salto KS)
// under a shuffled, duplicated load and faults in every part, and checks
// that Salto KS ends exactly as the events say, that every revocation
// happened (and how late), that nothing was granted early, that the API
// answered no 5xx and that the audit log holds every change. `make soak`
// runs it at full size; a reduced run is a test in `make test`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	cfg := FullConfig()
	flag.IntVar(&cfg.Members, "members", cfg.Members, "members in the load")
	flag.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long the load and faults run")
	flag.DurationVar(&cfg.Settle, "settle", cfg.Settle, "how long to wait for convergence after the load")
	flag.IntVar(&cfg.Senders, "senders", cfg.Senders, "concurrent event senders")
	flag.IntVar(&cfg.WorkerKills, "worker-kills", cfg.WorkerKills, "times each worker is killed")
	flag.BoolVar(&cfg.RestartPostgres, "restart-postgres", cfg.RestartPostgres, "restart the local PostgreSQL cluster once (it disturbs anything else using it)")
	flag.StringVar(&cfg.Doorsync, "doorsync", "bin/doorsync", "the doorsync binary")
	flag.StringVar(&cfg.TemporalCLI, "temporal", envOr("TEMPORAL_CLI", "bin/temporal"), "the Temporal CLI")
	flag.StringVar(&cfg.AdminDB, "admin-db", envOr("SOAK_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "database the soak creates its own from")
	flag.StringVar(&cfg.LogDir, "logs", "", "directory for the processes' logs (default: a new temporary one)")
	flag.BoolVar(&cfg.KeepFailed, "keep-failed", true, "keep a failed run's database, logs and Temporal file for a post-mortem")
	flag.Uint64Var(&cfg.Seed, "seed", 0, "seed for the load (0: random)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
