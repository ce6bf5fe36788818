package write_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"doorsync/store"
)

func TestVersionsOnlyMoveForward(t *testing.T) {
	ctx, st := newAcme(t)
	v := func(n int64) *int64 { return &n }
	put := func(body string, version *int64) (store.WriteResult, error) {
		return writer(st).Entity(ctx, store.EntityWrite{OrgID: "acme", Kind: "plan", ID: "p1", Body: []byte(body), Version: version})
	}
	if _, err := put(`{"id":"p1","name":"A"}`, v(1)); err != nil {
		t.Fatal(err)
	}
	// A repeat with a newer version records the version and pokes nothing.
	res, err := put(`{"id":"p1","name":"A"}`, v(3))
	if err != nil || res.Changed || len(res.OutboxIDs) != 0 || *res.Entity.Version != 3 {
		t.Fatalf("repeat at v3 = %+v, %v", res, err)
	}
	if _, err := put(`{"id":"p1","name":"B"}`, v(2)); !errors.Is(err, store.ErrStale) {
		t.Fatalf("v2 after v3: err = %v, want ErrStale", err)
	}
	// A write without a version keeps the stored one.
	if res, err := put(`{"id":"p1","name":"C"}`, nil); err != nil || !res.Changed || *res.Entity.Version != 3 {
		t.Fatalf("unversioned write = %+v, %v", res, err)
	}
	if _, err := put(`{"id":"p1","name":"D"}`, v(2)); !errors.Is(err, store.ErrStale) {
		t.Fatalf("v2 after an unversioned write: err = %v, want ErrStale", err)
	}
	e, _ := st.GetEntity(ctx, "acme", "plan", "p1")
	if string(e.Body) != `{"id": "p1", "name": "C"}` {
		t.Fatalf("stored body = %s", e.Body)
	}
}

func TestDeletedEntityKeepsItsVersion(t *testing.T) {
	ctx, st := newAcme(t)
	v := func(n int64) *int64 { return &n }
	put := func(id, body string, version *int64) (store.WriteResult, error) {
		return writer(st).Entity(ctx, store.EntityWrite{OrgID: "acme", Kind: "plan", ID: id, Body: []byte(body), Version: version})
	}
	del := func(id string) {
		t.Helper()
		if _, err := writer(st).Delete(ctx, "acme", "plan", id); err != nil {
			t.Fatal(err)
		}
	}
	gone := func(id string) {
		t.Helper()
		if _, err := st.GetEntity(ctx, "acme", "plan", id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s after a refused write: err = %v, want ErrNotFound", id, err)
		}
	}
	if _, err := put("p1", `{"id":"p1","name":"A"}`, v(2)); err != nil {
		t.Fatal(err)
	}
	del("p1")
	// the same write re-delivered, or an older one, brings nothing back
	for _, tc := range []struct {
		body    string
		version int64
	}{{`{"id":"p1","name":"A"}`, 2}, {`{"id":"p1","name":"B"}`, 2}, {`{"id":"p1","name":"C"}`, 1}} {
		if _, err := put("p1", tc.body, v(tc.version)); !errors.Is(err, store.ErrDeletedVersion) || !errors.Is(err, store.ErrStale) {
			t.Errorf("v%d %s after delete: err = %v, want ErrDeletedVersion", tc.version, tc.body, err)
		}
		gone("p1")
	}
	// a newer version recreates it and clears the tombstone: deleting it
	// again records the newer version
	res, err := put("p1", `{"id":"p1","name":"D"}`, v(3))
	if err != nil || !res.Created || *res.Entity.Version != 3 {
		t.Fatalf("v3 after delete = %+v, %v", res, err)
	}
	del("p1")
	if _, err := put("p1", `{"id":"p1","name":"E"}`, v(3)); !errors.Is(err, store.ErrDeletedVersion) {
		t.Errorf("v3 after the second delete: err = %v, want ErrDeletedVersion", err)
	}
	// a write without a version carries no ordering: it recreates the
	// entity, which keeps the version it was deleted at, so a late older
	// write is still refused
	res, err = put("p1", `{"id":"p1","name":"F"}`, nil)
	if err != nil || !res.Created || res.Entity.Version == nil || *res.Entity.Version != 3 {
		t.Fatalf("unversioned write after delete = %+v, %v", res, err)
	}
	if _, err := put("p1", `{"id":"p1","name":"G"}`, v(2)); !errors.Is(err, store.ErrStale) {
		t.Errorf("v2 after the unversioned recreate: err = %v, want ErrStale", err)
	}
	// an entity deleted without ever having a version keeps no tombstone
	if _, err := put("p2", `{"id":"p2","name":"A"}`, nil); err != nil {
		t.Fatal(err)
	}
	del("p2")
	if res, err := put("p2", `{"id":"p2","name":"A"}`, v(1)); err != nil || !res.Created {
		t.Errorf("v1 of p2 after an unversioned delete = %+v, %v", res, err)
	}
}

// A refused write of a deleted membership queues no poke.
func TestLateWriteAfterDeleteQueuesNothing(t *testing.T) {
	ctx, st := newAcme(t)
	one := int64(1)
	w := store.EntityWrite{OrgID: "acme", Kind: "membership", ID: "ms1", Version: &one,
		Body: []byte(`{"id":"ms1","plan_id":"p1","member_id":"m1","starts_at":"2026-01-01T00:00:00Z"}`)}
	if _, err := writer(st).Entity(ctx, w); err != nil {
		t.Fatal(err)
	}
	if _, err := writer(st).Delete(ctx, "acme", "membership", "ms1"); err != nil {
		t.Fatal(err)
	}
	pending, err := st.PendingPokes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := writer(st).Entity(ctx, w)
	if !errors.Is(err, store.ErrStale) || len(res.OutboxIDs) != 0 {
		t.Fatalf("late v1 = %+v, %v; want ErrStale and no pokes", res, err)
	}
	if again, _ := st.PendingPokes(ctx); again != pending {
		t.Errorf("outbox grew from %d to %d pokes", pending, again)
	}
}

// Creates of the same new entity at once are ordered by version: the
// highest wins, whatever order they commit in.
func TestConcurrentCreatesKeepTheHighestVersion(t *testing.T) {
	ctx, st := newAcme(t)
	const writers, rounds = 12, 5
	for r := range rounds {
		id := fmt.Sprintf("m%d", r)
		var wg sync.WaitGroup
		errs := make([]error, writers)
		start := make(chan struct{})
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				version := int64(i + 1)
				<-start
				_, errs[i] = writer(st).Entity(ctx, store.EntityWrite{OrgID: "acme", Kind: "member", ID: id, Version: &version,
					Body: fmt.Appendf(nil, `{"id":%q,"email":"v%d@example.com"}`, id, version)})
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil && !errors.Is(err, store.ErrStale) {
				t.Errorf("%s v%d: %v", id, i+1, err)
			}
		}
		e, err := st.GetEntity(ctx, "acme", "member", id)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`"v%d@example.com"`, writers)
		if *e.Version != writers || !strings.Contains(string(e.Body), want) {
			t.Errorf("%s = v%d %s, want v%d with %s", id, *e.Version, e.Body, writers, want)
		}
	}
}
