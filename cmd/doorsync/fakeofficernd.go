package main

import (
	"context"
	"flag"

	"doorsync/connectors/officernd/officerndtest"
)

// runFakeOfficeRnD serves the fake OfficeRnD (identity and v2 API, seeded
// with a demo space) for development and outside tests. It is never a part
// of production.
func runFakeOfficeRnD(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("fake-officernd", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8091", "listen address")
	hook := fs.String("webhook-url", "", "deliver every change to this URL, e.g. http://127.0.0.1:8080/v1/hooks/officernd/demo")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var opts []officerndtest.Option
	if *hook != "" {
		opts = append(opts, officerndtest.WithWebhookURL(*hook))
	}
	return officerndtest.Run(ctx, *addr, env.log.With("component", "fake-officernd"), opts...)
}
