package testenv

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"doorsync/migrations"
	"doorsync/store"
)

// AdminURL is the maintenance database tests create their databases from:
// TEST_DATABASE_URL, else the local server's "postgres" database.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// templateLock serialises template builds across test processes.
const templateLock = int64(0x646f6f7273796e63) // "doorsync"

// NewDatabase creates a fresh database holding the current schema and
// returns its URL. It is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		unavailable(t, "postgres at %s: %v", redact(AdminURL()), err)
	}
	defer admin.Close(context.Background())

	tpl, err := ensureTemplate(ctx, admin)
	if err != nil {
		t.Fatalf("testenv: schema template: %v", err)
	}
	name := UniqueName()
	if err := createFromTemplate(ctx, admin, name, tpl); err != nil {
		t.Fatalf("testenv: create database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(name) })
	return withDatabase(AdminURL(), name)
}

// NewStore opens a Store on a fresh database.
func NewStore(t testing.TB) (*store.Store, string) {
	t.Helper()
	url := NewDatabase(t)
	s, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("testenv: open store: %v", err)
	}
	t.Cleanup(s.Close)
	return s, url
}

// Conn is a plain connection to the database at url (for what the store
// does not offer: raw rows, statistics), closed with the test.
func Conn(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("testenv: connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// ensureTemplate builds, once per schema version, a migrated database that
// tests clone; cloning is far faster than migrating every time.
func ensureTemplate(ctx context.Context, admin *pgx.Conn) (string, error) {
	name := "doorsync_tpl_" + migrationsHash()
	if _, err := admin.Exec(ctx, "select pg_advisory_lock($1)", templateLock); err != nil {
		return "", err
	}
	defer admin.Exec(context.Background(), "select pg_advisory_unlock($1)", templateLock)
	var exists bool
	if err := admin.QueryRow(ctx, "select exists(select 1 from pg_database where datname=$1)", name).Scan(&exists); err != nil || exists {
		return name, err
	}
	building := name + "_build"
	admin.Exec(ctx, "drop database if exists "+pgx.Identifier{building}.Sanitize())
	if _, err := admin.Exec(ctx, "create database "+pgx.Identifier{building}.Sanitize()); err != nil {
		return "", err
	}
	if _, err := store.Migrate(ctx, withDatabase(AdminURL(), building), -1); err != nil {
		return "", err
	}
	_, err := admin.Exec(ctx, fmt.Sprintf("alter database %s rename to %s",
		pgx.Identifier{building}.Sanitize(), pgx.Identifier{name}.Sanitize()))
	return name, err
}

// createFromTemplate clones tpl, retrying while another session briefly
// holds the template (Postgres refuses to copy a database in use).
func createFromTemplate(ctx context.Context, admin *pgx.Conn, name, tpl string) error {
	sql := fmt.Sprintf("create database %s template %s", pgx.Identifier{name}.Sanitize(), pgx.Identifier{tpl}.Sanitize())
	for {
		_, err := admin.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" { // object_in_use
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// URLFor is the URL of database name on the test server.
func URLFor(name string) string { return withDatabase(AdminURL(), name) }

// UniqueName returns a database name no other test uses.
func UniqueName() string { return "doorsync_test_" + randomHex(6) }

// DropDatabase drops database name if it exists, ending its sessions.
func DropDatabase(name string) { dropDatabase(name) }

func dropDatabase(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return
	}
	defer admin.Close(ctx)
	admin.Exec(ctx, "drop database if exists "+pgx.Identifier{name}.Sanitize()+" with (force)")
}

func migrationsHash() string {
	h := sha256.New()
	fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(migrations.FS, path)
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// withDatabase returns url with its database name replaced.
func withDatabase(url, name string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return url
	}
	q := ""
	if i := strings.Index(url, "?"); i >= 0 {
		q = url[i:]
	}
	user := cfg.User
	if cfg.Password != "" {
		user += ":" + cfg.Password
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s%s", user, cfg.Host, cfg.Port, name, q)
}

func redact(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "(unparsable url)"
	}
	return fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
