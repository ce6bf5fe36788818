package saltokstest

import (
	"slices"
	"testing"
)

// values keeps insertion order through adds (which extend the cached
// order), replacements and deletions (which rebuild it).
func TestOrderedAddsExtendTheCachedOrder(t *testing.T) {
	o := newOrdered[string]()
	check := func(want ...string) {
		t.Helper()
		if got := o.values(); !slices.Equal(got, want) {
			t.Fatalf("values = %q, want %q", got, want)
		}
	}
	o.put("a", "A")
	o.put("b", "B")
	check("A", "B")
	held := o.values()
	o.put("c", "C")
	check("A", "B", "C")
	if !slices.Equal(held, []string{"A", "B"}) {
		t.Fatalf("a slice read earlier changed: %q", held)
	}
	o.put("b", "B2")
	check("A", "B2", "C")
	o.del("a")
	o.put("a", "A2")
	check("B2", "C", "A2")
}
