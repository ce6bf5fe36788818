package outbox

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"doorsync/store"
)

// Pokes of one target become one signal: an access workflow's at the
// latest instant they stand for (it evaluates there), a lifecycle
// workflow's at the earliest (its change is delivered only up to there),
// or at none when one of them stands for none (it must deliver to all).
func TestCoalesceMergesPokesOfOneTarget(t *testing.T) {
	t1 := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Minute)
	groups := coalesce([]store.Poke{
		{ID: 1, OrgID: "acme", Kind: store.PokeLifecycle, Target: "membership:ms1", At: t2},
		{ID: 2, OrgID: "acme", Kind: store.PokeAccess, Target: "member:m1", At: t1},
		{ID: 3, OrgID: "acme", Kind: store.PokeLifecycle, Target: "membership:ms1", At: t1},
		{ID: 4, OrgID: "acme", Kind: store.PokeAccess, Target: "member:m1", At: t2},
		{ID: 5, OrgID: "acme", Kind: store.PokeLifecycle, Target: "membership:ms2", At: t1},
		{ID: 6, OrgID: "acme", Kind: store.PokeLifecycle, Target: "membership:ms2"},
		{ID: 7, OrgID: "acme", Kind: store.PokeLifecycle, Target: "membership:ms2", At: t2},
	})
	if len(groups) != 3 {
		t.Fatalf("groups = %d, want 3", len(groups))
	}
	ms1, m1, ms2 := groups[0], groups[1], groups[2]
	if !slices.Equal(ms1.ids, []int64{1, 3}) || !ms1.at.Equal(t1) {
		t.Errorf("membership:ms1 = %+v, want ids 1, 3 at the earliest instant", ms1)
	}
	if !slices.Equal(m1.ids, []int64{2, 4}) || !m1.at.Equal(t2) {
		t.Errorf("member:m1 = %+v, want ids 2, 4 at the latest instant", m1)
	}
	if !slices.Equal(ms2.ids, []int64{5, 6, 7}) || !ms2.at.IsZero() {
		t.Errorf("membership:ms2 = %+v, want ids 5, 6, 7 at no instant", ms2)
	}
}

// Only Temporal refusing the BuildIds search attribute makes the relay
// start workflows without it.
func TestRefusesBuildIDs(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{serviceerror.NewInvalidArgument("BuildIds attribute can't be set in SearchAttributes"), true},
		{fmt.Errorf("start: %w", serviceerror.NewInvalidArgument("BuildIds attribute can't be set in SearchAttributes")), true},
		{serviceerror.NewInvalidArgument("search attribute OrgId is not defined"), false},
		{serviceerror.NewUnavailable("BuildIds"), false},
		{nil, false},
	} {
		if got := refusesBuildIDs(c.err); got != c.want {
			t.Errorf("refusesBuildIDs(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
