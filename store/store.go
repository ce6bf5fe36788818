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

// Store wraps a connection pool. A write's Tx.Read reads through that
// write's transaction instead.
type Store struct {
	pool   *pgxpool.Pool
	db     dbtx
	growth *growth
	locks  *groupLocks
}

// dbtx is what queries run on: the pool, or a transaction.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// cachedPlan, passed as a statement's first argument, lets Postgres keep a
// generic plan for it (a prepared statement, planned once per connection).
//
// Statements are otherwise planned afresh, with their arguments, each time
// they run (pgx's QueryExecModeCacheDescribe: unnamed statements). A
// generic plan is made for the table as it is when the statement has run
// five times, and kept until the table's statistics change: made while a
// table was small (a new install, the first import) it walks the whole
// table long after it has grown, and an import grows the tables a change
// of access writes faster than autovacuum analyzes them.
//
// Only statements on the entities table and on the per-org tables (orgs,
// salto_connections, mappings) take cachedPlan. The store refreshes the
// entities table's statistics as its writes grow the table (see growth),
// which drops the cached plans; the per-org tables grow with the number of
// orgs and their configuration, never in bursts. Planning is what these
// statements cost, the entities table's partial indexes making it their
// largest part. The tables a change of access writes (identities, applied
// access, audit, outbox) keep planning afresh. See docs/architecture.md,
// "Statement plans".
const cachedPlan = pgx.QueryExecModeCacheStatement

// inside returns a Store that runs its queries in tx.
func (s *Store) inside(tx pgx.Tx) *Store {
	return &Store{pool: s.pool, db: tx, growth: s.growth, locks: s.locks}
}

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
	// Plan statements for the tables as they are now (see cachedPlan). A
	// default_query_exec_mode in DATABASE_URL wins.
	if !strings.Contains(databaseURL, "default_query_exec_mode") {
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	s := &Store{pool: pool, db: pool, growth: &growth{due: firstRefresh}, locks: newGroupLocks(cfg.MaxConns)}
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

// Close releases every connection, once a statistics refresh under way has
// ended.
func (s *Store) Close() {
	s.growth.wait()
	s.pool.Close()
}
