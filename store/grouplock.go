package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// WithGroupLock runs fn holding a lock on one group of an org (a Postgres
// advisory lock), so the guard's decision and the removal it allows are not
// interleaved with another person's for the same group.
//
// The advisory lock lives on a connection held for as long as fn runs, and
// fn does its store work on other connections of the pool. So that lockers
// can never hold every connection while they need one more (waiters each
// holding one could leave the holder none; D28 in docs/architecture.md),
// a locker takes a connection only once it is first in this process's
// queue for its group, and at most half of the pool's connections are held
// by lockers at once: waiting lockers hold none, and fn always finds a
// connection free. Only lockers in other processes are waited for inside
// Postgres.
func (s *Store) WithGroupLock(ctx context.Context, orgID, siteID, groupID string, fn func() error) error {
	key := "group-lock/" + orgID + "/" + siteID + "/" + groupID
	release, err := s.locks.acquire(ctx, key)
	if err != nil {
		return fmt.Errorf("store: lock group: %w", err)
	}
	defer release()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `select pg_advisory_lock(hashtextextended($1, 0))`, key); err != nil {
		conn.Release()
		return fmt.Errorf("store: lock group: %w", err)
	}
	defer releaseAfter(conn, `select pg_advisory_unlock(hashtextextended($1, 0))`, key)
	return fn()
}

// groupLocks queues a process's lockers of each group and bounds how many
// of them hold a connection at once.
type groupLocks struct {
	slots chan struct{} // one per connection lockers may hold

	mu   sync.Mutex
	keys map[string]*keyLock
}

// keyLock is one group's queue: ch holds a value while a locker is first.
type keyLock struct {
	ch   chan struct{}
	refs int
}

// newGroupLocks lets half of a pool of maxConns (at least one) be held by
// lockers.
func newGroupLocks(maxConns int32) *groupLocks {
	n := max(int(maxConns)/2, 1)
	return &groupLocks{slots: make(chan struct{}, n), keys: map[string]*keyLock{}}
}

// acquire waits until the caller is first for key and a slot is free (or
// ctx ends); release undoes both.
func (g *groupLocks) acquire(ctx context.Context, key string) (release func(), err error) {
	k := g.ref(key)
	select {
	case k.ch <- struct{}{}:
	case <-ctx.Done():
		g.unref(key, k)
		return nil, ctx.Err()
	}
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		<-k.ch
		g.unref(key, k)
		return nil, ctx.Err()
	}
	return func() {
		<-g.slots
		<-k.ch
		g.unref(key, k)
	}, nil
}

func (g *groupLocks) ref(key string) *keyLock {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := g.keys[key]
	if k == nil {
		k = &keyLock{ch: make(chan struct{}, 1)}
		g.keys[key] = k
	}
	k.refs++
	return k
}

func (g *groupLocks) unref(key string, k *keyLock) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if k.refs--; k.refs == 0 {
		delete(g.keys, key)
	}
}

// releaseAfter runs sql on conn (undoing session state: an unlock, an
// unlisten) and hands conn back to the pool; when sql fails, the
// connection is closed instead, so the pool never hands out a connection
// still holding a lock or listening.
func releaseAfter(conn *pgxpool.Conn, sql string, args ...any) {
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		_ = conn.Conn().Close(ctx) // the pool drops a closed connection on Release
	}
	conn.Release()
}

// releaseTimeout bounds releaseAfter's statement.
const releaseTimeout = 10 * time.Second
