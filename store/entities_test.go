package store_test

import (
	"errors"
	"testing"

	"doorsync/store"
)

func TestVersionsOnlyMoveForward(t *testing.T) {
	ctx, st := newAcme(t)
	v := func(n int64) *int64 { return &n }
	put := func(body string, version *int64) (store.WriteResult, error) {
		return st.PutEntity(ctx, store.EntityWrite{OrgID: "acme", Kind: "plan", ID: "p1", Body: []byte(body), Version: version})
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
