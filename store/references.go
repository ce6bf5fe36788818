package store

import (
	"fmt"
	"slices"

	"doorsync/access"
)

// What the store takes from access's dependency declaration (access/deps.go)
// beyond the dependency paths: the columns of the references it queries by
// name, grouped as its SQL needs them.

// A member's references that decide whom a source reaches: its team and
// its primary member (access's declaration has exactly one of each).
var (
	memberTeamColumn    = soleReference(access.KindMember, access.KindTeam)
	memberPrimaryColumn = soleReference(access.KindMember, access.KindMember)
)

// soleReference is the field of kind from's one reference to kind to.
func soleReference(from, to access.Kind) string {
	var fields []string
	for _, r := range access.ReferencesOf(from) {
		if r.To == to {
			fields = append(fields, r.Field)
		}
	}
	if len(fields) != 1 {
		panic(fmt.Sprintf("store: %s has %d references to %s; the member queries expect one", from, len(fields), to))
	}
	return fields[0]
}

// columnKinds is a column and the kinds that reference through it.
type columnKinds struct {
	column string
	kinds  []access.Kind
}

// byColumn groups references by field, in order.
func byColumn(refs []access.Reference) []columnKinds {
	var out []columnKinds
	for _, r := range refs {
		i := slices.IndexFunc(out, func(c columnKinds) bool { return c.column == r.Field })
		if i < 0 {
			out = append(out, columnKinds{column: r.Field})
			i = len(out) - 1
		}
		out[i].kinds = append(out[i].kinds, r.From)
	}
	return out
}

// fieldsOf are the fields of refs, in order.
func fieldsOf(refs []access.Reference) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Field
	}
	return out
}

// distinct is ss without repeats, in order.
func distinct(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
