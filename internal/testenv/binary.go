package testenv

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// BuildDoorsync builds the doorsync binary (without the race detector)
// into the test's temporary directory, for tests that run it as separate
// processes, and returns its path.
func BuildDoorsync(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "doorsync")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/doorsync")
	cmd.Dir = RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testenv: go build doorsync: %v\n%s", err, out)
	}
	return bin
}
