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
	if err := fs.Parse(args); err != nil {
		return err
	}
	return saltokstest.Run(ctx, *addr, *seed, env.log.With("component", "fake-salto"))
}
