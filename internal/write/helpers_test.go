package write_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"doorsync/internal/testenv"
	"doorsync/internal/write"
	"doorsync/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

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

// writer writes through st on the real clock.
func writer(st *store.Store) *write.Writer { return &write.Writer{Store: st} }

// claimed claims the pokes ids and describes them as "kind target [at]
// reason" ("[]" for no instant), sorted.
func claimed(t *testing.T, st *store.Store, ids []int64) []string {
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
