package store_test

import (
	"context"
	"testing"

	"doorsync/internal/testenv"
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
