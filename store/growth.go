package store

import (
	"context"
	"sync"
	"time"
)

// growth refreshes Postgres's statistics of the entities table as this
// process's writes grow it, so that the plans Postgres keeps for it (see
// cachedPlan) are made for the table as it is. Autovacuum analyzes a table
// only once writes have changed a tenth of it and at most once a minute:
// an import or a platform's first sync grows the table from nothing to
// thousands of rows within that minute, and a plan made while it was
// small walks it whole. The store analyzes it once it has created
// firstRefresh entities, then each time it has created as many as the
// table held at the last refresh (the table doubles), in the background.
type growth struct {
	mu      sync.Mutex
	created int  // entities created since the last refresh
	due     int  // created count that triggers the next refresh
	running bool // a refresh is under way
	wg      sync.WaitGroup
}

// firstRefresh is how many entities the store creates before its first
// refresh, and the least it creates between two.
const firstRefresh = 64

// refreshTimeout bounds one refresh.
const refreshTimeout = time.Minute

// entityCreated counts a created entity and starts a refresh when one is due.
func (s *Store) entityCreated() {
	g := s.growth
	g.mu.Lock()
	defer g.mu.Unlock()
	g.created++
	if g.running || g.created < g.due {
		return
	}
	g.running, g.created = true, 0
	g.wg.Go(s.refreshEntityStats)
}

// refreshEntityStats analyzes the entities table and sets the next refresh
// at its new size. A refresh that fails is tried again after as many more
// creations.
func (s *Store) refreshEntityStats() {
	ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
	defer cancel()
	// Best effort: a table whose refresh failed keeps its older statistics.
	var rows int64 // 0 when the refresh failed: the next one is due after firstRefresh creations
	if s.AnalyzeEntities(ctx) == nil {
		if err := s.pool.QueryRow(ctx, `select greatest(reltuples, 0)::bigint from pg_class where oid = 'entities'::regclass`).Scan(&rows); err != nil {
			rows = 0
		}
	}
	g := s.growth
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running = false
	g.due = max(firstRefresh, int(rows))
}

// wait waits for a refresh under way.
func (g *growth) wait() { g.wg.Wait() }
