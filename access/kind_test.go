package access

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func allKinds() []Kind { return append([]Kind{KindOrg}, SpaceKinds...) }

func TestKindsValidAndDistinct(t *testing.T) {
	seen := map[Kind]bool{}
	for _, k := range allKinds() {
		if !k.Valid() || seen[k] {
			t.Errorf("kind %q: valid %v, seen before %v", k, k.Valid(), seen[k])
		}
		seen[k] = true
		if got, ok := ParseKind(string(k)); !ok || got != k {
			t.Errorf("ParseKind(%q) = %q, %v", k, got, ok)
		}
		if k.Lifecycle() != slices.Contains(LifecycleKinds, k) {
			t.Errorf("%q.Lifecycle() = %v, LifecycleKinds disagrees", k, k.Lifecycle())
		}
	}
	for _, s := range []string{"", "day-pass", "memberships", "guest", "Member"} {
		if _, ok := ParseKind(s); ok {
			t.Errorf("ParseKind(%q) accepted", s)
		}
	}
}

// kindDeclaration is the one file that may spell a kind out.
const kindDeclaration = "access/kind.go"

// kindLiteralExemptions are the literals, by file, that look like a kind
// but name something else. Keep it short.
var kindLiteralExemptions = map[string][]string{
	// the AAD label of sealed Salto KS credentials: a fixed cryptographic
	// context (changing it unseals nothing), not an entity kind
	"internal/saltoconn/saltoconn.go": {"org:"},
	// the AAD label of a sealed webhook secret, as above
	"store/webhooks.go": {"org:"},
	// log attribute keys gathered for a later log call
	"activities/apply.go":     {"org"},
	"activities/reconcile.go": {"org"},
	// a metric's label name
	"api/metrics.go": {"org"},
	// the AAD label of a sealed platform connection, as above
	"store/platform.go": {"org:"},
	// the name of the admin's org picker's form field
	"internal/console/orgs.go": {"org"},
}

// kindLiteralExemptDirs hold code that speaks a platform's words, not
// doorsync's: OfficeRnD names its collections, fields and events "member",
// "membership", "booking", "location", "plan". The records they yield name
// doorsync kinds with the Kind constants.
var kindLiteralExemptDirs = []string{"connectors/officernd/"}

// namingCalls take names that are not kinds: a route parameter, and the
// attribute keys of a log line ("org", orgID).
var namingCalls = map[string]bool{
	"URLParam": true,
	"Debug":    true, "Info": true, "Warn": true, "Error": true,
	"DebugContext": true, "InfoContext": true, "WarnContext": true, "ErrorContext": true,
	"With": true, "Log": true,
}

// kindIn says whether a string literal's value spells a kind: the kind
// itself, a "kind:id" key, or the kind as an SQL literal ('kind', or
// 'kind:' a key prefix).
func kindIn(v string) (Kind, bool) {
	for _, k := range allKinds() {
		s := string(k)
		if v == s || strings.HasPrefix(v, s+":") || strings.Contains(v, "'"+s+"'") || strings.Contains(v, "'"+s+":") {
			return k, true
		}
	}
	return "", false
}

// TestKindLiteralsOnlyInDeclaration fails when a kind's string appears in a
// non-test Go file of the module other than its declaration: everything
// else must use the Kind constants (SQL included: see store/kinds.go).
func TestKindLiteralsOnlyInDeclaration(t *testing.T) {
	root := moduleRoot(t)
	var files int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if rel == kindDeclaration || slices.ContainsFunc(kindLiteralExemptDirs, func(dir string) bool { return strings.HasPrefix(rel, dir) }) {
			return nil
		}
		files++
		for _, f := range kindLiterals(t, path) {
			if !slices.Contains(kindLiteralExemptions[rel], f.value) {
				t.Errorf("%s:%d: %q spells kind %q: use access.Kind%s", rel, f.line, f.value, f.kind, constName(f.kind))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("scanned %d files under %s; expected the whole module", files, root)
	}
}

type kindLiteral struct {
	line  int
	value string
	kind  Kind
}

// kindLiterals returns the string literals of a Go file that spell a kind,
// leaving out struct tags, import paths and the names given to namingCalls.
func kindLiterals(t *testing.T, path string) []kindLiteral {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	skip := map[*ast.BasicLit]bool{}
	for _, imp := range file.Imports {
		skip[imp.Path] = true
	}
	var out []kindLiteral
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			if n.Tag != nil {
				skip[n.Tag] = true
			}
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && namingCalls[sel.Sel.Name] {
				for _, a := range n.Args {
					if lit, ok := a.(*ast.BasicLit); ok {
						skip[lit] = true
					}
				}
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING || skip[n] {
				return true
			}
			v, err := strconv.Unquote(n.Value)
			if err != nil {
				t.Fatalf("%s: %v", fset.Position(n.Pos()), err)
			}
			if k, ok := kindIn(v); ok {
				out = append(out, kindLiteral{fset.Position(n.Pos()).Line, v, k})
			}
		}
		return true
	})
	return out
}

func constName(k Kind) string {
	var b strings.Builder
	for part := range strings.SplitSeq(string(k), "_") {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// moduleRoot is the module's root: this package's parent directory.
func moduleRoot(t *testing.T) string {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// Holds answers for every space kind: a kind added to SpaceKinds without
// its case fails here.
func TestSnapshotHoldsEveryKind(t *testing.T) {
	s := NewSnapshot(Org{ID: "o"})
	s.Locations["x"], s.Floors["x"], s.Resources["x"] = Location{}, Floor{}, Resource{}
	s.Plans["x"], s.Teams["x"], s.Members["x"] = MembershipPlan{}, Team{}, Member{}
	s.Memberships["x"], s.Bookings["x"], s.DayPasses["x"] = Membership{}, Booking{}, DayPass{}
	for _, k := range SpaceKinds {
		if !s.Holds(k, "x") {
			t.Errorf("Holds(%s, x) = false", k)
		}
		if s.Holds(k, "y") {
			t.Errorf("Holds(%s, y) = true", k)
		}
	}
	if s.Holds(KindOrg, "x") {
		t.Error("an org is not a space entity")
	}
}

// Put decodes into the map of every space kind (Holds then sees it), and
// refuses a kind it does not know.
func TestSnapshotPutEveryKind(t *testing.T) {
	s := NewSnapshot(Org{ID: "o"})
	for _, k := range SpaceKinds {
		if err := s.Put(k, "x", []byte(`{"id":"x"}`)); err != nil {
			t.Errorf("Put(%s) = %v", k, err)
		}
		if !s.Holds(k, "x") {
			t.Errorf("after Put(%s), Holds = false", k)
		}
	}
	if err := s.Put(KindOrg, "x", []byte(`{}`)); err == nil {
		t.Error("Put(org) succeeded")
	}
}
