// Package buildid names the doorsync build a worker runs: the build id of
// its version of Temporal's doorsync worker deployment
// (docs/architecture.md, D42).
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
	f, err := os.Open(path)
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
