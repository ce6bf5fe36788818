// Package buildid names the doorsync build a worker runs, for Temporal's
// build ids, and the search attribute value Temporal derives from it.
//
// The worker reports ID as its build id; the outbox relay starts workflows
// with the BuildIds search attribute Temporal would otherwise add to them
// at their first completed workflow task. With the value already there,
// the server finds nothing to change and skips a second visibility write
// for every workflow started (docs/architecture.md, D10). A workflow whose
// first task another build completes is updated by the server as usual,
// so a mismatch costs only that write.
package buildid

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"runtime/debug"
	"sync"
)

// ID is this binary's build id: its VCS revision when the build recorded
// one, else a digest of the executable, else its module version.
var ID = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if ok {
		if rev := setting(info, "vcs.revision"); rev != "" {
			if setting(info, "vcs.modified") == "true" {
				if sum := executableDigest(); sum != "" {
					return "doorsync@" + rev + "+" + sum
				}
			}
			return "doorsync@" + rev
		}
	}
	if sum := executableDigest(); sum != "" {
		return "doorsync@" + sum
	}
	if ok {
		return "doorsync@" + info.Main.Version
	}
	return "doorsync"
})

// SearchAttribute is the value of Temporal's BuildIds search attribute on
// a workflow whose tasks, not versioned, this build has completed.
func SearchAttribute() []string {
	return []string{"unversioned", "unversioned:" + ID()}
}

func setting(info *debug.BuildInfo, key string) string {
	for _, s := range info.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// executableDigest is a short digest of the running executable, or "".
func executableDigest() string {
	path, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(path) //nolint:gosec // the running executable
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
