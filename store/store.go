// Package store is doorsync's PostgreSQL layer, built on pgx. Postgres is the
// source of truth for entities, mappings, Salto KS identities, applied
// state, the audit log and the outbox.
package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// defaultMaxConns is the pool size unless DATABASE_URL sets one.
const defaultMaxConns = 32

// Store wraps a connection pool. A Store handed to a write's plan (see
// EntityWrite.Plan) reads through that write's transaction instead.
type Store struct {
	pool *pgxpool.Pool
	db   dbtx
}

// dbtx is what queries run on: the pool, or a transaction.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// inside returns a Store that runs its queries in tx.
func (s *Store) inside(tx pgx.Tx) *Store { return &Store{pool: s.pool, db: tx} }

// Open connects to databaseURL and checks the connection.
func Open(ctx context.Context, databaseURL string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: parse database url: %w", err)
	}
	if !strings.Contains(databaseURL, "pool_max_conns") {
		// pgx's default (the CPU count, at least 4) starves a worker whose
		// activities each hold a connection; the URL's pool_max_conns wins.
		cfg.MaxConns = defaultMaxConns
	}
	// Plan every statement for the table as it is now. With Postgres's
	// default, a statement run a few times keeps a generic plan made when a
	// table was small (new install, first import) and walks the whole
	// table long after it has grown: a person's Salto KS identities took
	// 1.6 ms instead of 0.05 ms once 10,000 were stored. Letting only the
	// entities table keep generic plans (the import analyzes it as it grows
	// it) saved about 8 % of the import benchmark's time, but after a small
	// import, which analyzes nothing, plans made on the young table raised
	// the real-time benchmark's p99 from about 100 ms to 180-380 ms. A
	// plan_cache_mode in DATABASE_URL wins.
	if _, set := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !set {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	s := &Store{pool: pool, db: pool}
	if err := s.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close releases every connection.
func (s *Store) Close() { s.pool.Close() }
