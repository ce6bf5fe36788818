package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/tern/v2/migrate"

	"doorsync/migrations"
)

// versionTable is where tern records the schema version.
const versionTable = "schema_version"

// MigrationStatus says where a database's schema stands.
type MigrationStatus struct {
	Current int32
	Latest  int32
}

// Migrate moves the schema to target (-1 means the latest migration; 0
// removes everything). tern holds a Postgres advisory lock while it works,
// so concurrent migrators wait for each other.
func Migrate(ctx context.Context, databaseURL string, target int32) (MigrationStatus, error) {
	var st MigrationStatus
	err := withMigrator(ctx, databaseURL, func(m *migrate.Migrator) error {
		st.Latest = int32(len(m.Migrations)) //nolint:gosec // a few dozen files
		if target < 0 {
			target = st.Latest
		}
		if err := m.MigrateTo(ctx, target); err != nil {
			return fmt.Errorf("migrate to %d: %w", target, err)
		}
		v, err := m.GetCurrentVersion(ctx)
		st.Current = v
		return err
	})
	return st, err
}

// Status reports the current and latest schema versions without changing
// anything.
func Status(ctx context.Context, databaseURL string) (MigrationStatus, error) {
	var st MigrationStatus
	err := withMigrator(ctx, databaseURL, func(m *migrate.Migrator) error {
		st.Latest = int32(len(m.Migrations)) //nolint:gosec // a few dozen files
		v, err := m.GetCurrentVersion(ctx)
		st.Current = v
		return err
	})
	return st, err
}

func withMigrator(ctx context.Context, databaseURL string, fn func(*migrate.Migrator) error) error {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return fmt.Errorf("store: connect for migrations: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	m, err := migrate.NewMigrator(ctx, conn, versionTable)
	if err != nil {
		return fmt.Errorf("store: new migrator: %w", err)
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return fmt.Errorf("store: load migrations: %w", err)
	}
	if err := fn(m); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// EnsureDatabase creates the database named in databaseURL when it does not
// exist yet, connecting to the server's "postgres" database to do so.
func EnsureDatabase(ctx context.Context, databaseURL string) (created bool, err error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return false, fmt.Errorf("store: parse database url: %w", err)
	}
	name := cfg.Database
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, fmt.Errorf("store: connect to maintenance database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, "create database "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: create database %s: %w", name, err)
	}
	return true, nil
}
