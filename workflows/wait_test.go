package workflows

import (
	"testing"
	"time"

	"doorsync/contract"
)

// A wake covers a person only if every poke and alarm folded into it
// poked them directly.
func TestWakeCoversOnlyWhatEveryContributionPoked(t *testing.T) {
	for _, tc := range []struct {
		name string
		fold func(w *wake)
		want []string
	}{
		{"nothing folded", func(w *wake) {}, nil},
		{"one direct poke", func(w *wake) {
			w.add(contract.Poke{Poked: []string{m2, m1}})
		}, []string{m1, m2}},
		{"two direct pokes", func(w *wake) {
			w.add(contract.Poke{Poked: []string{m1, m2}})
			w.add(contract.Poke{Poked: []string{m2, m3}})
		}, []string{m2}},
		{"a poke that poked no one", func(w *wake) {
			w.add(contract.Poke{Poked: []string{m1}})
			w.add(contract.Poke{Reason: "plan mapping changed"})
		}, nil},
		{"an alarm after a direct poke", func(w *wake) {
			w.add(contract.Poke{Poked: []string{m1}})
			w.ring(alarm{at: at(time.Hour), cause: "scheduled"})
		}, nil},
		{"a direct poke after an alarm", func(w *wake) {
			w.ring(alarm{at: at(time.Hour), cause: "scheduled"})
			w.add(contract.Poke{Poked: []string{m1}})
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w wake
			tc.fold(&w)
			if len(w.coveredV0()) != len(tc.want) {
				t.Fatalf("covered = %v, want %v", w.coveredV0(), tc.want)
			}
			for i := range tc.want {
				if w.coveredV0()[i] != tc.want[i] {
					t.Fatalf("covered = %v, want %v", w.coveredV0(), tc.want)
				}
			}
		})
	}
}
