package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"doorsync/internal/testenv"
	"doorsync/store"
)

// queueMany queues n access pokes for org in one write.
func queueMany(t testing.TB, st *store.Store, org string, n int) {
	t.Helper()
	pokes := make([]store.Poke, n)
	for i := range pokes {
		pokes[i] = store.Poke{Kind: store.PokeAccess, Target: fmt.Sprintf("member:m%d", i)}
	}
	if _, err := st.QueuePokes(context.Background(), org, pokes); err != nil {
		t.Fatal(err)
	}
}

// TestOrgsTakeTurnsInTheOutbox: an org's 10,000 queued pokes do not hold
// back the one poke another org queued after them: the first batch the
// relay claims carries it, and the batch is otherwise the first org's
// oldest pokes, in order.
func TestOrgsTakeTurnsInTheOutbox(t *testing.T) {
	ctx, st := newAcme(t)
	queueMany(t, st, "acme", 10000)
	if _, err := st.QueuePokes(ctx, "beta", []store.Poke{{Kind: store.PokeLifecycle, Target: "membership:b1"}}); err != nil {
		t.Fatal(err)
	}
	batch, err := st.ClaimPokes(ctx, nil, 64, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(batch) != 64 {
		t.Fatalf("claimed %d pokes, want 64", len(batch))
	}
	var acme []string
	beta := 0
	for _, p := range batch {
		if p.OrgID == "beta" {
			beta++
			continue
		}
		acme = append(acme, p.Target)
	}
	if beta != 1 {
		t.Fatalf("the first batch carries %d of beta's pokes, want its one poke", beta)
	}
	for i, target := range acme {
		if want := fmt.Sprintf("member:m%d", i); target != want {
			t.Fatalf("acme's poke %d in the batch is %s, want %s (its oldest first)", i, target, want)
		}
	}
}

// BenchmarkClaimPokesBehindAnImport measures one claim of the relay's
// batch while 10,000 pokes of one org and one of each of 10 others wait
// (claims are put back after each round, so every round sees them all).
func BenchmarkClaimPokesBehindAnImport(b *testing.B) {
	ctx := context.Background()
	st, _ := testenv.NewStore(b)
	queueMany(b, st, "acme", 10000)
	for i := range 10 {
		queueMany(b, st, fmt.Sprintf("org%d", i), 1)
	}
	b.ResetTimer()
	for range b.N {
		batch, err := st.ClaimPokes(ctx, nil, 64, 0)
		if err != nil || len(batch) != 64 {
			b.Fatalf("claimed %d (%v)", len(batch), err)
		}
	}
}
