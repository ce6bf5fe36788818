package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// store imports access for the entity kinds and the dependency
// declaration only (access/deps.go, from which its dependents' SQL is
// derived): it never builds the engine's input (internal/snapshot does).
// This keeps it so.
func TestStoreUsesOnlyKindsOfAccess(t *testing.T) {
	declaration := []string{"Kind", "SpaceKinds", "LifecycleKinds", "PersonMember",
		"Reference", "Path", "ReferencesOf", "LifecycleReferences", "LifecycleReferrers", "DependencyPaths"}
	allowed := func(name string) bool {
		return slices.Contains(declaration, name) || (strings.HasPrefix(name, "Kind") && len(name) > len("Kind"))
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "access" && !allowed(sel.Sel.Name) {
				t.Errorf("%s: store uses access.%s; it may use only kinds and the dependency declaration",
					fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}
