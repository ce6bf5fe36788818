package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"doorsync/internal/testenv"
)

// `make help` lists every phony target of the Makefile with the
// description of its `## target: description` comment.
func TestMakeHelpListsEveryTarget(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	mf, err := os.ReadFile(testenv.RepoRoot() + "/Makefile")
	if err != nil {
		t.Fatal(err)
	}
	phony := regexp.MustCompile(`(?m)^\.PHONY:(.*)$`).FindSubmatch(mf)
	if phony == nil {
		t.Fatal("the Makefile has no .PHONY line")
	}
	cmd := exec.Command("make", "-s", "--no-print-directory", "help")
	cmd.Dir = testenv.RepoRoot()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make help: %v\n%s", err, out)
	}
	for _, target := range strings.Fields(string(phony[1])) {
		line := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(target) + ` +(\S.*)$`).FindSubmatch(out)
		if line == nil {
			t.Errorf("make help does not list %q (give it a `## %s: description` comment):\n%s", target, target, out)
		}
	}
}
