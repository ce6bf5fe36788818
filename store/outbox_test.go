package store_test

import (
	"context"
	"fmt"
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

// A membership written with a FindReach pokes the persons it gives access to in
// the same transaction and tells its lifecycle poke so; the lifecycle
// workflow is started only when the membership's access changes later.
// Its deletion pokes its persons and only a running lifecycle.
func TestLifecycleWritePokesItsPersonsDirectly(t *testing.T) {
	ctx, st := newAcme(t)
	var seenStored []string // what each FindReach saw stored
	write := func(id, body string, reach store.Reach) []string {
		t.Helper()
		res, err := st.PutEntity(ctx, store.EntityWrite{OrgID: "acme", Kind: "membership", ID: id, Body: []byte(body),
			FindReach: func(ctx context.Context, tx *store.Store, stored *store.Entity) (store.Reach, error) {
				seen := "none"
				if stored != nil {
					seen = string(stored.Body)
				}
				seenStored = append(seenStored, seen)
				return reach, nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		return claimed(t, st, res.OutboxIDs)
	}
	t1 := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	got := write("ms1", `{"id":"ms1","member_id":"m1"}`, store.Reach{At: t1, Persons: []string{"member:m1", "member:m2"}, Scheduled: true})
	want := []string{"access member:m1 [] membership ms1 changed", "access member:m2 [] membership ms1 changed",
		"lifecycle membership:ms1 [2030-01-07T09:00:00Z] membership ms1 changed"}
	if !slices.Equal(got, want) {
		t.Fatalf("pokes of the write = %q, want %q", got, want)
	}

	got = write("ms1", `{"id":"ms1","member_id":"m2"}`, store.Reach{At: t1})
	if len(got) != 0 {
		t.Fatalf("pokes of a write that schedules nothing and reaches no one = %q, want none", got)
	}

	got = write("ms2", `{"id":"ms2"}`, store.Reach{Persons: []string{"member:m3"}})
	want = []string{"access member:m3 [] membership ms2 changed"}
	if !slices.Equal(got, want) {
		t.Fatalf("pokes of a new entity that schedules nothing = %q, want %q: its lifecycle workflow has no time to keep", got, want)
	}
	if want := []string{"none", `{"id": "ms1", "member_id": "m1"}`, "none"}; !slices.Equal(seenStored, want) {
		t.Errorf("FindReach saw %q stored, want %q", seenStored, want)
	}

	ids, err := st.DeleteEntity(ctx, "acme", "membership", "ms1", func(ctx context.Context, tx *store.Store, stored store.Entity) ([]string, error) {
		return []string{"member:m2"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"access member:m2 [] membership ms1 deleted"}
	if got := claimed(t, st, ids); !slices.Equal(got, want) {
		t.Fatalf("pokes of the delete = %q, want %q", got, want)
	}
}

// claimed claims the pokes ids and describes them.
func claimed(t *testing.T, st *store.Store, ids []int64) []string {
	t.Helper()
	pokes, err := st.ClaimPokes(context.Background(), ids, 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return describePokes(pokes)
}

// describePokes renders pokes as "kind target [at] reason" ("[]" for no
// instant), sorted.
func describePokes(pokes []store.Poke) []string {
	out := make([]string, len(pokes))
	for i, p := range pokes {
		at := ""
		if !p.At.IsZero() {
			at = p.At.UTC().Format(time.RFC3339)
		}
		out[i] = fmt.Sprintf("%s %s [%s] %s", p.Kind, p.Target, at, p.Reason)
	}
	slices.Sort(out)
	return out
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
