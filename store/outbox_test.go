package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"doorsync/internal/testenv"
	"doorsync/store"
)

// A poke that failed to send waits out its back-off, unless the relay sees
// Temporal answer again and makes every failed poke due at once.
func TestFailedPokesWaitThenRetryNow(t *testing.T) {
	ctx, st := newAcme(t)
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

// Access pokes are claimed before lifecycle pokes: they finish a change
// (a person's access is applied), while a lifecycle poke only leads to
// more pokes. After a bulk import the people already reached get their
// access first.
func TestAccessPokesAreClaimedFirst(t *testing.T) {
	ctx, st := newAcme(t)
	queue := func(kind, target string) {
		if _, err := st.QueuePokes(ctx, "acme", []store.Poke{{Kind: kind, Target: target}}); err != nil {
			t.Fatal(err)
		}
	}
	queue(store.PokeLifecycle, "membership:ms1")
	queue(store.PokeLifecycle, "membership:ms2")
	queue(store.PokeAccess, "member:m1")
	queue(store.PokeLifecycle, "membership:ms3")
	queue(store.PokeAccess, "member:m2")
	var got []string
	for {
		pokes, err := st.ClaimPokes(ctx, nil, 2, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(pokes) == 0 {
			break
		}
		for _, p := range pokes {
			got = append(got, p.Target)
		}
	}
	want := []string{"member:m1", "member:m2", "membership:ms1", "membership:ms2", "membership:ms3"}
	if !slices.Equal(got, want) {
		t.Fatalf("claimed %q, want %q", got, want)
	}
}

// A poke whose payload cannot be read is handed out once, marked, and set
// aside: never due again (not even when failed pokes are retried at once),
// still counted and kept with its error; the pokes around it go on.
func TestCorruptPokeIsSetAsideNotLost(t *testing.T) {
	ctx := context.Background()
	st, url := testenv.NewStore(t)
	if _, _, err := st.PutOrg(ctx, store.Org{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	conn := testenv.Conn(t, url)
	var bad int64
	if err := conn.QueryRow(ctx, `insert into outbox (org_id, kind, target, payload)
		values ('acme', 'access', 'member:m1', '{"at":"not a time"}') returning id`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	good, err := st.QueuePokes(ctx, "acme", []store.Poke{{Kind: store.PokeAccess, Target: "member:m2", Reason: "r"}})
	if err != nil {
		t.Fatal(err)
	}

	claimed, err := st.ClaimPokes(ctx, nil, 10, time.Minute)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim = %+v, %v", claimed, err)
	}
	for _, p := range claimed {
		if corrupt := p.Corrupt != ""; corrupt != (p.ID == bad) {
			t.Errorf("poke %d: corrupt %q; want only poke %d marked", p.ID, p.Corrupt, bad)
		}
	}
	if err := st.RetryPokeLater(ctx, good[0], time.Hour, "unavailable"); err != nil {
		t.Fatal(err)
	}
	if n, err := st.RetryFailedPokesNow(ctx); err != nil || n != 1 {
		t.Fatalf("retry now = %d, %v; want the failed poke only, not the one set aside", n, err)
	}
	if due, _ := st.ClaimPokes(ctx, nil, 10, time.Minute); len(due) != 1 || due[0].ID != good[0] {
		t.Fatalf("due after retry now = %+v, want only poke %d", due, good[0])
	}
	var lastErr string
	if err := conn.QueryRow(ctx, `select last_error from outbox where id = $1`, bad).Scan(&lastErr); err != nil {
		t.Fatalf("the corrupt poke is gone: %v", err)
	}
	if !strings.Contains(lastErr, "corrupt payload") {
		t.Errorf("last_error = %q", lastErr)
	}
	if n, _ := st.PendingPokes(ctx); n != 2 {
		t.Errorf("pending = %d, want the poke set aside still counted", n)
	}
}

// Held pokes (an import's) are neither due nor announced until released;
// the release makes them due and wakes the relay, and leaves alone those
// already sent or due. Never released, they come due when their hold ends.
func TestHeldPokesWaitForTheirRelease(t *testing.T) {
	ctx, st := newAcme(t)
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	notified := make(chan struct{}, 1)
	go st.Forward(lctx, store.OutboxChannel, notified)
	queue := func(hold time.Duration, targets ...string) []int64 {
		t.Helper()
		var pokes []store.Poke
		for _, target := range targets {
			pokes = append(pokes, store.Poke{Kind: store.PokeAccess, Target: target})
		}
		var ids []int64
		if err := st.Write(ctx, func(tx *store.Tx) (err error) {
			ids, err = tx.Queue(ctx, "acme", pokes, hold)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	// The listener is up once an ordinary poke's notification arrives.
	eventually(t, "the listener hears a queued poke", func() bool {
		queue(0, "member:m0")
		select {
		case <-notified:
			return true
		case <-time.After(200 * time.Millisecond):
			return false
		}
	})
	if claimed, err := st.ClaimPokes(ctx, nil, 100, time.Minute); err != nil || len(claimed) == 0 {
		t.Fatalf("claim the ordinary pokes = %v, %v", claimed, err)
	}

	held := queue(time.Hour, "member:m1", "member:m2", "member:m3")
	if len(held) != 3 || !slices.IsSorted(held) {
		t.Fatalf("queued ids = %v, want three in order", held)
	}
	select {
	case <-notified:
		t.Fatal("held pokes woke the relay")
	case <-time.After(300 * time.Millisecond):
	}
	if due, _ := st.ClaimPokes(ctx, nil, 10, time.Minute); len(due) != 0 {
		t.Fatalf("held pokes claimed before their release: %+v", due)
	}

	if err := st.ReleasePokes(ctx, held[:2]); err != nil {
		t.Fatal(err)
	}
	select {
	case <-notified:
	case <-time.After(5 * time.Second):
		t.Fatal("the release did not wake the relay")
	}
	due, err := st.ClaimPokes(ctx, nil, 10, time.Minute)
	if err != nil || len(due) != 2 || due[0].ID != held[0] || due[1].ID != held[1] {
		t.Fatalf("after the release: %+v, %v; want the two released", due, err)
	}
	if err := st.ReleasePokes(ctx, held); err != nil { // the claimed two keep their lease
		t.Fatal(err)
	}
	if due, _ := st.ClaimPokes(ctx, nil, 10, time.Minute); len(due) != 1 || due[0].ID != held[2] {
		t.Fatalf("after releasing all: %+v; want only the third (the others are leased)", due)
	}

	unreleased := queue(time.Second, "member:m4")
	eventually(t, "an unreleased poke due at the end of its hold", func() bool {
		due, err := st.ClaimPokes(ctx, nil, 10, time.Minute)
		return err == nil && len(due) == 1 && due[0].ID == unreleased[0]
	})
}

// eventually retries ok every 100 ms until it holds, for at most 10 s.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10 s: %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
