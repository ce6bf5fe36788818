package write_test

import (
	"slices"
	"testing"
	"time"

	"doorsync/access"
	"doorsync/internal/write"
	"doorsync/store"
)

// A membership's write delivers its own change: it pokes the persons whose
// access it changes now, and starts its lifecycle workflow, with the
// write's instant, only when its access changes later. Its deletion pokes
// its persons and nothing else.
func TestALifecycleWriteDeliversItsOwnChange(t *testing.T) {
	ctx, st := newAcme(t)
	now := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	wr := &write.Writer{Store: st, Now: func() time.Time { return now }}
	put := func(kind access.Kind, id, body string) []string {
		t.Helper()
		res, err := wr.Entity(ctx, store.EntityWrite{OrgID: "acme", Kind: kind, ID: id, Body: []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		return claimed(t, st, res.OutboxIDs)
	}
	put(access.KindMember, "m1", `{"id":"m1","email":"joe@example.com"}`)
	put(access.KindPlan, "p1", `{"id":"p1","name":"Hot desk"}`)
	if _, _, err := wr.Mapping(ctx, "acme", store.Mapping{Kind: "plans", RefID: "p1",
		Groups: []store.GroupRef{{SiteID: "s1", GroupID: "g1"}}}); err != nil {
		t.Fatal(err)
	}
	want := func(what string, got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s queued %q, want %q", what, got, want)
		}
	}

	want("a membership ending tomorrow",
		put(access.KindMembership, "ms1", `{"id":"ms1","plan_id":"p1","member_id":"m1","starts_at":"2030-01-01T00:00:00Z","ends_at":"2030-01-08T09:00:00Z"}`),
		"access member:m1 [] membership ms1 changed",
		"lifecycle membership:ms1 [2030-01-07T09:00:00Z] membership ms1 changed")
	want("the same membership open-ended",
		put(access.KindMembership, "ms1", `{"id":"ms1","plan_id":"p1","member_id":"m1","starts_at":"2030-01-01T00:00:00Z"}`),
		"access member:m1 [] membership ms1 changed")
	want("a membership starting in an hour",
		put(access.KindMembership, "ms2", `{"id":"ms2","plan_id":"p1","member_id":"m1","starts_at":"2030-01-07T10:00:00Z"}`),
		"lifecycle membership:ms2 [2030-01-07T09:00:00Z] membership ms2 changed")
	ids, err := wr.Delete(ctx, "acme", access.KindMembership, "ms1")
	if err != nil {
		t.Fatal(err)
	}
	want("deleting the membership in force", claimed(t, st, ids), "access member:m1 [] membership ms1 deleted")
}
