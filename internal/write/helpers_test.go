package write_test

import (
	"context"
	"testing"

	"doorsync/internal/testenv"
	"doorsync/internal/write"
	"doorsync/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// newAcme returns a store on a fresh database holding the org "acme".
func newAcme(t *testing.T) (context.Context, *store.Store) { return testenv.NewOrgStore(t, "acme") }

// writer writes through st on the real clock.
func writer(st *store.Store) *write.Writer { return &write.Writer{Store: st} }

// claimed claims the pokes ids and describes them (testenv.ClaimedPokes).
func claimed(t *testing.T, st *store.Store, ids []int64) []string {
	return testenv.ClaimedPokes(t, st, ids)
}
