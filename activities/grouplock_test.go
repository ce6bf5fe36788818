package activities_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"doorsync/contract"
	"doorsync/internal/testenv"
	"doorsync/store"
)

// TestFiftyConcurrentRemovalsFromOneGroupFinish: 50 members whose
// memberships ended are taken out of one group by 50 ApplyAccess runs at
// once, on a pool of 8 connections. Each removal takes the group's lock;
// the waiting ones used to hold every connection while the one holding
// the lock needed one more, and none finished.
func TestFiftyConcurrentRemovalsFromOneGroupFinish(t *testing.T) {
	st, err := store.Open(context.Background(), testenv.NewDatabase(t)+"&pool_max_conns=8")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	e := newEnvOn(t, strings.Replace(seed, `"seats":50`, `"seats":100`, 1), st)
	const members = 50
	start := time.Now().Add(-time.Hour)
	for i := range members {
		e.member(fmt.Sprintf("m%d", i), fmt.Sprintf("m%d@example.com", i))
		e.membership(fmt.Sprintf("ms%d", i), fmt.Sprintf("m%d", i), "hot", start, nil)
		e.apply(fmt.Sprintf("member:m%d", i))
	}
	// A guard that never holds: all 50 removals are meant to go ahead.
	if _, _, err := e.st.PutOrg(e.ctx, store.Org{ID: org, Name: "Acme", Settings: store.OrgSettings{TimeZone: "Europe/London",
		ReconcileInterval: 15 * time.Minute, RemovalGuard: store.RemovalGuard{MaxFraction: 1, MinCount: 1000}, NoAccessPolicy: "keep"}}); err != nil {
		t.Fatal(err)
	}
	ended := time.Now().Add(-time.Minute)
	for i := range members {
		e.membership(fmt.Sprintf("ms%d", i), fmt.Sprintf("m%d", i), "hot", start, &ended)
	}

	// The deadline only ends a deadlocked test.
	ctx, cancel := context.WithTimeout(e.ctx, 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, members)
	for i := range members {
		wg.Go(func() {
			res, err := e.acts.ApplyAccess(ctx, contract.ApplyAccessInput{OrgID: org, Person: fmt.Sprintf("member:m%d", i)})
			if err == nil && res.Removed != 1 {
				err = fmt.Errorf("member:m%d: removed %d, want 1", i, res.Removed)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range members {
		if e.inGroup(groupA, fmt.Sprintf("m%d@example.com", i)) {
			t.Fatalf("m%d is still in the group", i)
		}
	}
}
