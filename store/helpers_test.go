package store_test

import (
	"context"
	"testing"

	"doorsync/internal/testenv"
	"doorsync/internal/write"
	"doorsync/store"
)

// newAcme returns a store on a fresh database holding the org "acme".
func newAcme(t *testing.T) (context.Context, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, _ := testenv.NewStore(t)
	if _, _, err := st.PutOrg(ctx, store.Org{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	return ctx, st
}

// writer writes through st as the API does (package write owns writes).
func writer(st *store.Store) *write.Writer { return &write.Writer{Store: st} }
