package testenv_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"doorsync/internal/testenv"
)

// TestMissingPostgresFailsUnderCI re-runs this test binary with Postgres
// pointed at a closed port: under CI=true the test must fail, elsewhere skip.
func TestMissingPostgresFailsUnderCI(t *testing.T) {
	for _, tc := range []struct {
		ci       string
		wantFail bool
		wantText string
	}{
		{ci: "true", wantFail: true, wantText: "required test dependency missing"},
		{ci: "", wantFail: false, wantText: "SKIP"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperNeedsPostgres$", "-test.v")
		cmd.Env = append(os.Environ(), "CI="+tc.ci, "DOORSYNC_HELPER=1",
			"TEST_DATABASE_URL=postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2")
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tc.wantFail {
			t.Errorf("CI=%q: failed = %v, want %v\n%s", tc.ci, failed, tc.wantFail, out)
		}
		if !strings.Contains(string(out), tc.wantText) {
			t.Errorf("CI=%q: output lacks %q:\n%s", tc.ci, tc.wantText, out)
		}
	}
}

func TestHelperNeedsPostgres(t *testing.T) {
	if os.Getenv("DOORSYNC_HELPER") != "1" {
		t.Skip("helper process only")
	}
	testenv.NewDatabase(t)
}
