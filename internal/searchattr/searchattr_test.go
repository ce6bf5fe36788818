package searchattr_test

import (
	"context"
	"testing"

	"doorsync/internal/searchattr"
	"doorsync/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestEnsureIsIdempotentOnARegisteredNamespace(t *testing.T) {
	srv := testenv.Temporal(t)
	c := srv.Client(t)
	ctx := context.Background()
	missing, err := searchattr.Missing(ctx, c, srv.Namespace)
	if err != nil || len(missing) != 0 {
		t.Fatalf("Missing = %v, %v; want none (the dev server registers them)", missing, err)
	}
	added, err := searchattr.Ensure(ctx, c, srv.Namespace)
	if err != nil || len(added) != 0 {
		t.Fatalf("Ensure = %v, %v; want nothing added", added, err)
	}
}
