package access

import "slices"

// Diff compares desired and actual group sets and returns the groups to add
// (desired, not actual) and to remove (actual, not desired), each sorted by
// CompareGroups without duplicates. The inputs are not modified. Applying
// the diff to actual yields exactly the set desired.
func Diff(desired, actual []GroupRef) (add, remove []GroupRef) {
	want := SortGroups(slices.Clone(desired))
	have := SortGroups(slices.Clone(actual))
	i, j := 0, 0
	for i < len(want) || j < len(have) {
		switch c := compareAt(want, i, have, j); {
		case c < 0:
			add = append(add, want[i])
			i++
		case c > 0:
			remove = append(remove, have[j])
			j++
		default:
			i, j = i+1, j+1
		}
	}
	return add, remove
}

// compareAt compares a[i] with b[j], treating a slice's end as greater
// than any group.
func compareAt(a []GroupRef, i int, b []GroupRef, j int) int {
	switch {
	case i == len(a):
		return 1
	case j == len(b):
		return -1
	}
	return CompareGroups(a[i], b[j])
}
