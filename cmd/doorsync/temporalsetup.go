package main

import (
	"context"
	"fmt"

	"doorsync/internal/searchattr"
)

// runTemporalSetup registers doorsync's search attributes on the
// configured namespace (self-hosted Temporal; on Temporal Cloud create them
// in the Cloud UI or with tcld instead).
func runTemporalSetup(ctx context.Context, env *environment, _ []string) error {
	c, err := env.dialTemporal(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	added, err := searchattr.Ensure(ctx, c, env.cfg.Temporal.Namespace)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "search attributes ready on %s (added: %v)\n", env.cfg.Temporal.Namespace, added)
	return nil
}
