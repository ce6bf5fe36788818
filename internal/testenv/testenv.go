// Package testenv gives tests the real parts doorsync runs on: a fresh
// PostgreSQL database per test and a Temporal dev server per test package.
// When CI=true a missing part fails the test; elsewhere it skips it, so a
// laptop without Postgres can still run the unit tests.
package testenv

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Main runs a package's tests and then stops whatever testenv started for
// them (the Temporal dev server). Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	stopSharedTemporal()
	os.Exit(code)
}

// unavailable fails the test under CI and skips it elsewhere.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("required test dependency missing (CI=true): "+format, args...)
	}
	t.Skipf("skipping, dependency missing: "+format, args...)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	return port
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// RepoRoot is the directory holding go.mod.
func RepoRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
