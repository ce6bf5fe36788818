package main

import (
	"context"
	"flag"

	"doorsync/saltoks/saltokstest"
)

// runFakeSalto serves the fake Salto KS (identity and Connect API) for
// development and outside tests. It is never a part of production.
func runFakeSalto(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("fake-salto", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	seed := fs.String("seed", "", "seed file (default: the embedded demo seed)")
	state := fs.String("state-file", "", "keep the fake's users and groups in this file across restarts (seeded from it when it exists)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := env.log.With("component", "fake-salto")
	if *state != "" {
		return saltokstest.RunPersistent(ctx, *addr, *seed, *state, logger)
	}
	return saltokstest.Run(ctx, *addr, *seed, logger)
}
