package outbox

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"doorsync/store"
)

// Pokes of one target become one signal at the latest instant, covering
// the persons they poked directly only when they all poked the same.
func TestCoalesceMergesPokesOfOneTarget(t *testing.T) {
	t1 := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	groups := coalesce([]store.Poke{
		{ID: 1, OrgID: "acme", Kind: store.PokeLifecycle, Target: "membership:ms1", Poked: []string{"member:m1", "member:m2"}},
		{ID: 2, OrgID: "acme", Kind: store.PokeAccess, Target: "member:m1", At: t1},
		{ID: 3, OrgID: "acme", Kind: store.PokeLifecycle, Target: "membership:ms1", At: t1, Poked: []string{"member:m1", "member:m2"}},
		{ID: 4, OrgID: "acme", Kind: store.PokeAccess, Target: "member:m1"},
		{ID: 5, OrgID: "acme", Kind: store.PokeLifecycle, Target: "membership:ms2", Poked: []string{"member:m3"}},
		{ID: 6, OrgID: "acme", Kind: store.PokeLifecycle, Target: "membership:ms2"},
	})
	if len(groups) != 3 {
		t.Fatalf("groups = %d, want 3", len(groups))
	}
	ms1, m1, ms2 := groups[0], groups[1], groups[2]
	if !slices.Equal(ms1.ids, []int64{1, 3}) || !ms1.at.Equal(t1) || !slices.Equal(ms1.poked, []string{"member:m1", "member:m2"}) {
		t.Errorf("membership:ms1 = %+v", ms1)
	}
	if !slices.Equal(m1.ids, []int64{2, 4}) || !m1.at.Equal(t1) || m1.poked != nil {
		t.Errorf("member:m1 = %+v", m1)
	}
	if !slices.Equal(ms2.ids, []int64{5, 6}) || ms2.poked != nil {
		t.Errorf("membership:ms2 = %+v: pokes that poked different persons cover no one", ms2)
	}
}

// A poke that may only reach a running lifecycle workflow joins the other
// pokes of that workflow; the group starts it if any of them may.
func TestCoalesceStartsOnlyWhenAPokeMay(t *testing.T) {
	groups := coalesce([]store.Poke{
		{ID: 1, OrgID: "acme", Kind: store.PokeLifecycleIfRunning, Target: "membership:ms1"},
		{ID: 2, OrgID: "acme", Kind: store.PokeLifecycleIfRunning, Target: "membership:ms2"},
		{ID: 3, OrgID: "acme", Kind: store.PokeLifecycle, Target: "membership:ms1"},
		{ID: 4, OrgID: "acme", Kind: store.PokeAccess, Target: "member:m1"},
	})
	if len(groups) != 3 {
		t.Fatalf("groups = %d, want 3", len(groups))
	}
	for i, want := range []struct {
		ids   []int64
		start bool
	}{{[]int64{1, 3}, true}, {[]int64{2}, false}, {[]int64{4}, true}} {
		if g := groups[i]; !slices.Equal(g.ids, want.ids) || g.start != want.start {
			t.Errorf("group %d = ids %v start %v, want %v %v", i, g.ids, g.start, want.ids, want.start)
		}
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
