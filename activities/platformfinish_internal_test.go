package activities

import (
	"testing"

	"doorsync/access"
)

// The kinds a run swept say anew whether they are held; the others keep
// their hold.
func TestMergeHeld(t *testing.T) {
	member := "member: 5 of 5 missing from officernd, deletions held by the mass-removal guard"
	membership := "membership: 3 of 5 missing from officernd, deletions held by the mass-removal guard"
	tests := []struct {
		name, before string
		swept        []access.Kind
		held         []string
		want         string
	}{
		{"nothing held, nothing holds", "", []access.Kind{access.KindMember}, nil, ""},
		{"a new hold", "", []access.Kind{access.KindMember}, []string{member}, member},
		{"two holds, sorted", "", []access.Kind{access.KindMembership, access.KindMember}, []string{membership, member}, member + "; " + membership},
		{"an incremental run keeps a hold it did not sweep", member, []access.Kind{access.KindMembership}, nil, member},
		{"a sweep clears its kind's hold", member + "; " + membership, []access.Kind{access.KindMember}, nil, membership},
		{"a run that swept nothing changes nothing", member, nil, nil, member},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mergeHeld(tt.before, tt.swept, tt.held); got != tt.want {
				t.Errorf("mergeHeld = %q, want %q", got, tt.want)
			}
		})
	}
}
