package testenv

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"doorsync/store"
)

// NewOrgStore opens a Store on a fresh database holding the org id.
func NewOrgStore(t testing.TB, id string) (context.Context, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, _ := NewStore(t)
	if _, _, err := st.PutOrg(ctx, store.Org{ID: id, Name: id}); err != nil {
		t.Fatal(err)
	}
	return ctx, st
}

// ClaimedPokes claims the pokes ids (at most 100) and describes them as
// "kind target [at] reason" ("[]" for no instant), sorted.
func ClaimedPokes(t testing.TB, st *store.Store, ids []int64) []string {
	t.Helper()
	pokes, err := st.ClaimPokes(context.Background(), ids, 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
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
