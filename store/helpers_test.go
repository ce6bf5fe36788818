package store_test

import (
	"context"
	"testing"

	"doorsync/internal/testenv"
	"doorsync/internal/write"
	"doorsync/store"
)

// newAcme returns a store on a fresh database holding the org "acme".
func newAcme(t *testing.T) (context.Context, *store.Store) { return testenv.NewOrgStore(t, "acme") }

// claimed claims the pokes ids and describes them (testenv.ClaimedPokes).
func claimed(t *testing.T, st *store.Store, ids []int64) []string {
	return testenv.ClaimedPokes(t, st, ids)
}

// writer writes through st as the API does (package write owns writes).
func writer(st *store.Store) *write.Writer { return &write.Writer{Store: st} }
