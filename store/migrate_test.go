package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"doorsync/internal/testenv"
	"doorsync/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestMigrateUpDownUp(t *testing.T) {
	ctx := context.Background()
	url := testenv.NewDatabase(t) // already at the latest version

	st, err := store.Status(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if st.Latest == 0 || st.Current != st.Latest {
		t.Fatalf("fresh database status = %+v, want current = latest > 0", st)
	}

	down, err := store.Migrate(ctx, url, 0)
	if err != nil {
		t.Fatalf("migrate down: %v", err)
	}
	if down.Current != 0 {
		t.Fatalf("after down, current = %d, want 0", down.Current)
	}
	if n := countUserTables(t, url); n != 1 { // only tern's schema_version
		t.Fatalf("after down, %d tables remain, want only schema_version", n)
	}

	up, err := store.Migrate(ctx, url, -1)
	if err != nil {
		t.Fatalf("migrate up again: %v", err)
	}
	if up.Current != st.Latest {
		t.Fatalf("after up, current = %d, want %d", up.Current, st.Latest)
	}
	if n := countUserTables(t, url); n < 2 {
		t.Fatalf("after up, %d tables, want the schema back", n)
	}
}

func TestEnsureDatabaseCreatesOnce(t *testing.T) {
	ctx := context.Background()
	name := testenv.UniqueName()
	url := testenv.URLFor(name)
	t.Cleanup(func() { testenv.DropDatabase(name) })

	created, err := store.EnsureDatabase(ctx, url)
	if err != nil || !created {
		t.Fatalf("first EnsureDatabase = %v, %v; want created", created, err)
	}
	created, err = store.EnsureDatabase(ctx, url)
	if err != nil || created {
		t.Fatalf("second EnsureDatabase = %v, %v; want existing", created, err)
	}
	if _, err := store.Migrate(ctx, url, -1); err != nil {
		t.Fatalf("migrate the new database: %v", err)
	}
}

func countUserTables(t *testing.T, url string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	err = conn.QueryRow(context.Background(),
		"select count(*) from information_schema.tables where table_schema = 'public'").Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
