// Package archtest makes the table "Packages and what they may import" in
// docs/architecture.md executable: every package of the module must have a
// row, every row must name packages that exist, and every import of a
// package's non-test files must be allowed by its row.
//
// How a "may import" cell is read: its items are separated by commas
// (commas inside parentheses do not count). An item starts with either
//   - a backticked doorsync package, module-relative (`store`,
//     `internal/snapshot`): that package, not its sub-packages;
//   - a word of thirdParty below (pgx, Temporal, Prometheus, ...): that
//     module and its packages. Backticked names right after the word
//     narrow it to those packages under the word's sdk path: Temporal
//     `workflow`/`temporal` allows go.temporal.io/sdk/workflow and
//     go.temporal.io/sdk/temporal only;
//   - stdlib or — (nothing beyond the standard library, which every package
//     may import), or everything (no check at all).
//
// Whatever follows is description and is not checked ("Prometheus client
// (counters)" allows all of Prometheus).
//
// Imports are read with go/parser from every non-test .go file, whatever its
// build constraints, so a file built only elsewhere is checked too. A
// package with test files only (internal/e2e, this one) still needs a row.
// An allowance no import uses is logged (go test -v), not failed: a row says
// what a package may import, and keeping a permission it does not use yet is
// a choice, not drift.
package archtest

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"doorsync/internal/testenv"
)

const (
	tableDoc     = "docs/architecture.md"
	tableHeading = "## Packages and what they may import"
)

// thirdParty is the vocabulary of the "may import" cells: a word and the
// module paths it allows (with their packages). Keep it to go.mod's direct
// requirements.
var thirdParty = map[string]vocab{
	"chi":        {paths: []string{"github.com/go-chi/chi/v5"}},
	"chromedp":   {paths: []string{"github.com/chromedp/chromedp"}},
	"pgx":        {paths: []string{"github.com/jackc/pgx/v5"}},
	"tern":       {paths: []string{"github.com/jackc/tern/v2"}},
	"Prometheus": {paths: []string{"github.com/prometheus/client_golang", "github.com/prometheus/client_model"}},
	"testify":    {paths: []string{"github.com/stretchr/testify"}},
	"tally":      {paths: []string{"github.com/uber-go/tally/v4"}},
	"Temporal":   {paths: []string{"go.temporal.io/api", "go.temporal.io/sdk"}, sub: "go.temporal.io/sdk"},
	"oauth2":     {paths: []string{"golang.org/x/oauth2"}},
	"x/sync":     {paths: []string{"golang.org/x/sync"}},
	"x/time":     {paths: []string{"golang.org/x/time"}},
	"protobuf":   {paths: []string{"google.golang.org/protobuf"}},
	"yaml":       {paths: []string{"gopkg.in/yaml.v3"}},
}

type vocab struct {
	paths []string // module paths the word allows
	sub   string   // where backticked narrowings resolve; "" when the word takes none
}

// row is one line of the table.
type row struct {
	line       int
	packages   []string // module-relative, e.g. "internal/outbox"
	everything bool
	allowed    []*allowance
}

// allowance is one item of a "may import" cell.
type allowance struct {
	label    string   // as the cell says it, for messages
	internal string   // a doorsync package, module-relative; or
	paths    []string // third-party import paths, allowed with their packages
	used     bool
}

func (a *allowance) allows(module, imp string) bool {
	if a.internal != "" {
		return imp == join(module, a.internal)
	}
	return slices.ContainsFunc(a.paths, func(p string) bool { return imp == p || strings.HasPrefix(imp, p+"/") })
}

func TestPackagesKeepToTheTable(t *testing.T) {
	root := testenv.RepoRoot()
	module := modulePath(t, root)
	doc, err := os.ReadFile(filepath.Join(root, tableDoc))
	if err != nil {
		t.Fatal(err)
	}
	rows, problems := parseTable(string(doc))
	if len(rows) == 0 {
		t.Fatalf("%s: no table under %q", tableDoc, tableHeading)
	}
	pkgs, err := modulePackages(root)
	if err != nil {
		t.Fatalf("listing the module's packages: %v", err)
	}
	drift, unused := check(module, rows, pkgs)
	for _, u := range unused {
		t.Log(u)
	}
	for _, p := range append(problems, drift...) {
		t.Error(p)
	}
}

// TestCheckReportsDrift shows the check fails on each kind of drift, on a
// small table of its own (' stands for a backtick).
func TestCheckReportsDrift(t *testing.T) {
	doc := strings.ReplaceAll(tableHeading+`

| package | owns | may import |
|---|---|---|
| 'a' | a | stdlib, 'b', chi (router, middleware) |
| 'b', 'gone' | b | Temporal 'workflow' |
| 'w' | w | Kafka |
`, "'", "`")
	rows, problems := parseTable(doc)
	drift, unused := check("m", rows, map[string][]string{
		"a": {"fmt", "m/b", "m/c", "github.com/go-chi/chi/v5/middleware", "github.com/jackc/pgx/v5"},
		"b": {"go.temporal.io/sdk/workflow", "go.temporal.io/sdk/client"},
		"c": nil,
		"w": nil,
	})
	got := strings.Join(append(problems, drift...), "\n")
	for _, want := range []string{
		`docs/architecture.md:7: "may import" item "Kafka" is neither`,
		"docs/architecture.md:6: the row names `gone`, which is not a package of the module",
		"a imports m/c, which its row (docs/architecture.md:5) does not allow",
		"a imports github.com/jackc/pgx/v5, which its row (docs/architecture.md:5) does not allow: add pgx",
		"b imports go.temporal.io/sdk/client, which its row (docs/architecture.md:6) does not allow: add Temporal",
		"package c has no row",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q; got:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "\n") + 1; n != 6 {
		t.Errorf("want 6 problems, got %d:\n%s", n, got)
	}
	if len(unused) != 0 {
		t.Errorf("want every allowance used, got %q", unused)
	}
}

// Step 1: the module's path (its root is testenv.RepoRoot).

func modulePath(t *testing.T, root string) string {
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			if p, err := strconv.Unquote(strings.TrimSpace(rest)); err == nil {
				return p
			}
			return strings.TrimSpace(rest)
		}
	}
	t.Fatalf("go.mod: no module line (%v)", sc.Err())
	return ""
}

// Step 2: read the table.

var (
	backticked = regexp.MustCompile("^`([^`]+)`")
	narrowing  = regexp.MustCompile("^`[^`]+`(/`[^`]+`)*")
)

// parseTable reads the rows of the table under tableHeading, and what in
// them it cannot read.
func parseTable(doc string) (rows []row, problems []string) {
	lines := strings.Split(doc, "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.TrimSpace(l) == tableHeading })
	if start < 0 {
		return nil, nil
	}
	inTable := false
	for i := start + 1; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(l, "|") {
			if inTable || strings.HasPrefix(l, "#") {
				break
			}
			continue
		}
		if !inTable || strings.HasPrefix(l, "|---") { // the header, then the separator
			inTable = true
			continue
		}
		r, ps := parseRow(i+1, l)
		rows, problems = append(rows, r), append(problems, ps...)
	}
	return rows, problems
}

func parseRow(line int, l string) (r row, problems []string) {
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s:%d: ", tableDoc, line)+fmt.Sprintf(format, args...))
	}
	r.line = line
	cells := strings.Split(strings.Trim(l, "|"), "|")
	if len(cells) != 3 {
		bad("want 3 cells (package | owns | may import), got %d", len(cells))
		return r, problems
	}
	for _, item := range splitItems(cells[0]) {
		m := backticked.FindStringSubmatch(item)
		if m == nil || len(m[0]) != len(item) {
			bad("package %q is not one backticked package", item)
			continue
		}
		r.packages = append(r.packages, m[1])
	}
	for _, item := range splitItems(cells[2]) {
		word, rest, _ := strings.Cut(item, " ")
		if m := backticked.FindStringSubmatch(item); m != nil {
			r.allowed = append(r.allowed, &allowance{label: "`" + m[1] + "`", internal: m[1]})
			continue
		}
		switch v, known := thirdParty[word]; {
		case word == "stdlib" || word == "—":
		case word == "everything":
			r.everything = true
		case !known:
			bad("%q item %q is neither a backticked doorsync package nor a word the test knows (stdlib, —, everything, %s)",
				"may import", item, strings.Join(slices.Sorted(maps.Keys(thirdParty)), ", "))
		case narrowing.MatchString(rest):
			if v.sub == "" {
				bad("%q takes no backticked packages", word)
				continue
			}
			a := &allowance{label: word}
			for _, name := range strings.Split(strings.Trim(narrowing.FindString(rest), "`"), "`/`") {
				a.paths = append(a.paths, v.sub+"/"+name)
				a.label += " `" + name + "`"
			}
			r.allowed = append(r.allowed, a)
		default:
			r.allowed = append(r.allowed, &allowance{label: word, paths: v.paths})
		}
	}
	return r, problems
}

// splitItems splits a cell at commas outside parentheses.
func splitItems(cell string) []string {
	var items []string
	depth, from := 0, 0
	for i, c := range cell + "," {
		switch {
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			if item := strings.TrimSpace(cell[from:i]); item != "" {
				items = append(items, item)
			}
			from = i + 1
		}
	}
	return items
}

// Step 3: list the module's packages and their imports.

// modulePackages maps each package directory of the module (module-relative,
// slash-separated) to the imports of its non-test files.
func modulePackages(root string) (map[string][]string, error) {
	pkgs := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && skipDir(path, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), ".go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		if strings.HasSuffix(d.Name(), "_test.go") {
			if _, ok := pkgs[dir]; !ok {
				pkgs[dir] = nil // a package, perhaps of tests only
			}
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, spec := range f.Imports {
			imp, _ := strconv.Unquote(spec.Path.Value)
			if !slices.Contains(pkgs[dir], imp) {
				pkgs[dir] = append(pkgs[dir], imp)
			}
		}
		return nil
	})
	return pkgs, err
}

// skipDir says whether the go tool ignores the directory, or it holds another module.
func skipDir(path, name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" {
		return true
	}
	_, err := os.Stat(filepath.Join(path, "go.mod"))
	return err == nil
}

// Step 4: hold the packages to the rows.

// check returns every way the packages and the rows disagree, and the
// allowances no import uses.
func check(module string, rows []row, pkgs map[string][]string) (problems, unused []string) {
	byPackage := map[string]*row{}
	for i := range rows {
		r := &rows[i]
		for _, p := range r.packages {
			if other, dup := byPackage[p]; dup {
				problems = append(problems, fmt.Sprintf("%s:%d: `%s` has a row already, at line %d", tableDoc, r.line, p, other.line))
			}
			byPackage[p] = r
		}
		for _, p := range append(slices.Clone(r.packages), internalAllowances(r)...) {
			if _, ok := pkgs[p]; !ok {
				problems = append(problems, fmt.Sprintf("%s:%d: the row names `%s`, which is not a package of the module", tableDoc, r.line, p))
			}
		}
	}
	for _, p := range slices.Sorted(maps.Keys(pkgs)) {
		r, ok := byPackage[p]
		if !ok {
			problems = append(problems, fmt.Sprintf("package %s has no row in %s's table %q", p, tableDoc, tableHeading))
			continue
		}
		for _, imp := range slices.Sorted(slices.Values(pkgs[p])) {
			if msg := checkImport(module, p, imp, r); msg != "" {
				problems = append(problems, msg)
			}
		}
	}
	for _, r := range rows {
		for _, a := range r.allowed {
			if !a.used && !r.everything {
				unused = append(unused, fmt.Sprintf("%s:%d: %s may import %s but does not", tableDoc, r.line, strings.Join(r.packages, ", "), a.label))
			}
		}
	}
	return problems, unused
}

// checkImport says why package p may not import imp, or "" when it may.
func checkImport(module, p, imp string, r *row) string {
	if isStd(module, imp) || r.everything {
		return ""
	}
	for _, a := range r.allowed {
		if a.allows(module, imp) {
			a.used = true
			return ""
		}
	}
	fix := "no word of the test's vocabulary covers it (thirdParty in internal/archtest)"
	if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
		fix = "add `" + rel + "` to its \"may import\" cell, or drop the import"
	}
	for word, v := range thirdParty {
		if (&allowance{paths: v.paths}).allows(module, imp) {
			fix = "add " + word + " to its \"may import\" cell, or drop the import"
		}
		if name, ok := strings.CutPrefix(imp, v.sub+"/"); ok && v.sub != "" {
			name, _, _ = strings.Cut(name, "/")
			fix = "add " + word + " (or `" + name + "` to its " + word + " item) to its \"may import\" cell, or drop the import"
		}
	}
	return fmt.Sprintf("%s imports %s, which its row (%s:%d) does not allow: %s", p, imp, tableDoc, r.line, fix)
}

// isStd says whether imp is in the standard library: not the module's, and
// no dot in its first element.
func isStd(module, imp string) bool {
	if imp == module || strings.HasPrefix(imp, module+"/") {
		return false
	}
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".")
}

func internalAllowances(r *row) []string {
	var out []string
	for _, a := range r.allowed {
		if a.internal != "" {
			out = append(out, a.internal)
		}
	}
	return out
}

func join(module, rel string) string {
	if rel == "." {
		return module
	}
	return module + "/" + rel
}
