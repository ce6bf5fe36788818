package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"

	"doorsync/store"
)

func runMigrate(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 {
		return errors.New("migrate: want up, down or status")
	}
	fs := flag.NewFlagSet("migrate "+args[0], flag.ContinueOnError)
	to := fs.Int("to", -1, "target version (up: default latest; down: default one step back)")
	createDB := fs.Bool("create-db", false, "create the database first if it does not exist")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	url := env.cfg.DatabaseURL
	if *createDB {
		created, err := store.EnsureDatabase(ctx, url)
		if err != nil {
			return err
		}
		if created {
			env.log.Info("created database")
		}
	}
	if *to < math.MinInt32 || *to > math.MaxInt32 {
		return fmt.Errorf("migrate: -to %d is out of range", *to)
	}
	switch args[0] {
	case "up":
		return reportMigration(env, "migrated")(store.Migrate(ctx, url, int32(*to))) //nolint:gosec // range checked above
	case "down":
		target := int32(*to) //nolint:gosec // range checked above
		if target < 0 {
			st, err := store.Status(ctx, url)
			if err != nil {
				return err
			}
			target = max(st.Current-1, 0)
		}
		return reportMigration(env, "rolled back")(store.Migrate(ctx, url, target))
	case "status":
		return reportMigration(env, "status")(store.Status(ctx, url))
	default:
		return fmt.Errorf("migrate: unknown action %q (want up, down or status)", args[0])
	}
}

func reportMigration(env *environment, what string) func(store.MigrationStatus, error) error {
	return func(st store.MigrationStatus, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%s: schema version %d of %d\n", what, st.Current, st.Latest)
		return nil
	}
}
