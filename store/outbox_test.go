package store_test

import (
	"context"
	"testing"
	"time"

	"doorsync/internal/testenv"
	"doorsync/store"
)

// A poke that failed to send waits out its back-off, unless the relay sees
// Temporal answer again and makes every failed poke due at once.
func TestFailedPokesWaitThenRetryNow(t *testing.T) {
	ctx := context.Background()
	st, _ := testenv.NewStore(t)
	if _, _, err := st.PutOrg(ctx, store.Org{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	ids, err := st.QueuePokes(ctx, "acme", []store.Poke{
		{Kind: store.PokeAccess, Target: "member:m1"},
		{Kind: store.PokeAccess, Target: "member:m2"},
	})
	if err != nil || len(ids) != 2 {
		t.Fatalf("queue = %v, %v", ids, err)
	}
	claimed, err := st.ClaimPokes(ctx, nil, 10, time.Minute)
	if err != nil || len(claimed) != 2 || claimed[0].Attempts != 1 {
		t.Fatalf("claim = %+v, %v", claimed, err)
	}
	if err := st.RetryPokeLater(ctx, ids[0], time.Hour, "unavailable"); err != nil {
		t.Fatal(err)
	}
	if due, _ := st.ClaimPokes(ctx, nil, 10, time.Minute); len(due) != 0 {
		t.Fatalf("backed-off and leased pokes claimed again: %+v", due)
	}

	n, err := st.RetryFailedPokesNow(ctx)
	if err != nil || n != 1 {
		t.Fatalf("retry now = %d, %v; want only the failed poke", n, err)
	}
	due, err := st.ClaimPokes(ctx, nil, 10, time.Minute)
	if err != nil || len(due) != 1 || due[0].ID != ids[0] || due[0].Attempts != 2 {
		t.Fatalf("after retry now: %+v, %v", due, err)
	}
	if err := st.DeletePokes(ctx, ids); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.PendingPokes(ctx); n != 0 {
		t.Fatalf("pending after delete = %d", n)
	}
}
