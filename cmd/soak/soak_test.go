package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"doorsync/internal/testenv"
)

// TestReducedSoak runs the soak at its reduced size (about a minute, one
// kill of each kind) so `make test` keeps it true. It never restarts
// PostgreSQL: the other test packages share that server.
func TestReducedSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak takes about two minutes")
	}
	cfg := ReducedConfig()
	cfg.TemporalCLI = testenv.TemporalCLI()
	if _, err := os.Stat(cfg.TemporalCLI); err != nil {
		t.Skipf("temporal CLI at %s (run `make bin/temporal`): %v", cfg.TemporalCLI, err)
	}
	cfg.AdminDB = testenv.AdminURL()
	cfg.Doorsync = testenv.BuildDoorsync(t)
	cfg.LogDir = t.TempDir()
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	err := Run(ctx, cfg, &out)
	t.Log("\n" + out.String())
	if err != nil {
		for _, name := range []string{"api.log", "worker-1.log", "worker-2.log"} {
			if b, rerr := os.ReadFile(filepath.Join(cfg.LogDir, name)); rerr == nil {
				t.Logf("%s (last 4 KiB):\n%s", name, tail(b, 4096))
			}
		}
		t.Fatal(err)
	}
}

func tail(b []byte, n int) []byte { return b[max(0, len(b)-n):] }
