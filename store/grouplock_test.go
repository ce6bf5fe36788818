package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"doorsync/internal/testenv"
	"doorsync/store"
)

// smallPoolStore opens a store on a fresh database with a pool of conns
// connections.
func smallPoolStore(t *testing.T, conns int) *store.Store {
	t.Helper()
	url := testenv.NewDatabase(t)
	st, err := store.Open(context.Background(), url+fmt.Sprintf("&pool_max_conns=%d", conns))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if _, _, err := st.PutOrg(context.Background(), store.Org{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	return st
}

// lockAll runs 50 lockers at once, of the group each one's index names,
// each doing store work under its lock, and fails if they do not all
// finish (a pool deadlock) or two of one group overlap.
func lockAll(t *testing.T, st *store.Store, group func(i int) string) {
	t.Helper()
	// The deadline only ends a deadlocked test; the work takes well under
	// a second.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const lockers = 50
	inside := map[string]*atomic.Int32{}
	for i := range lockers {
		if inside[group(i)] == nil {
			inside[group(i)] = &atomic.Int32{}
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, lockers)
	for i := range lockers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := group(i)
			errs <- st.WithGroupLock(ctx, "acme", "site1", g, func() error {
				if n := inside[g].Add(1); n != 1 {
					return fmt.Errorf("%d lockers inside group %s at once", n, g)
				}
				defer inside[g].Add(-1)
				if _, err := st.CountApplied(ctx, "acme", "site1", g); err != nil {
					return err
				}
				_, err := st.QueuePokes(ctx, "acme", []store.Poke{{Kind: store.PokeAccess, Target: fmt.Sprintf("member:m%d", i)}})
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, err := st.PendingPokes(context.Background()); err != nil || n != lockers {
		t.Fatalf("%d pokes queued under the locks (%v), want %d", n, err, lockers)
	}
}

// TestGroupLockDoesNotStarveThePool: 50 lockers of one group, on a pool
// of 4 connections, each doing store work under the lock, all finish (they
// used to hold every connection waiting on the advisory lock while the
// holder needed one more).
func TestGroupLockDoesNotStarveThePool(t *testing.T) {
	lockAll(t, smallPoolStore(t, 4), func(int) string { return "g1" })
}

// TestGroupLocksOfManyGroupsDoNotStarveThePool: 50 lockers of 50 groups
// on a pool of 4 all finish: lockers never hold every connection.
func TestGroupLocksOfManyGroupsDoNotStarveThePool(t *testing.T) {
	lockAll(t, smallPoolStore(t, 4), func(i int) string { return fmt.Sprintf("g%d", i) })
}

// TestGroupLockExcludesOtherProcesses: a lock held through one Store (one
// process) keeps another Store's locker of the group waiting until it ends.
func TestGroupLockExcludesOtherProcesses(t *testing.T) {
	url := testenv.NewDatabase(t)
	ctx := context.Background()
	var stores [2]*store.Store
	for i := range stores {
		st, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close)
		stores[i] = st
	}
	held, done := make(chan struct{}), make(chan struct{})
	var order []string
	var mu sync.Mutex
	note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	go func() {
		stores[0].WithGroupLock(ctx, "acme", "site1", "g1", func() error {
			close(held)
			<-done
			note("first")
			return nil
		})
	}()
	<-held
	second := make(chan error, 1)
	go func() {
		second <- stores[1].WithGroupLock(ctx, "acme", "site1", "g1", func() error { note("second"); return nil })
	}()
	waitForLockWaiter(t, url, second)
	close(done)
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(order) != "[first second]" {
		t.Fatalf("order %v, want the second locker after the first", order)
	}
}

// waitForLockWaiter returns once a session waits for an advisory lock,
// and fails if the locker ends first (the lock did not keep it out).
func waitForLockWaiter(t *testing.T, url string, locker chan error) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for {
		select {
		case err := <-locker:
			t.Fatalf("the second locker ran while the first held the lock (err %v)", err)
		default:
		}
		var n int
		if err := conn.QueryRow(context.Background(), `select count(*) from pg_locks where locktype = 'advisory' and not granted`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
