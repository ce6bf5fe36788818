package store_test

import (
	"context"
	"testing"
	"time"

	"doorsync/access"
	"doorsync/internal/testenv"
	"doorsync/store"
)

// One sync at a time: a run holding the org's sync renews it; another
// takes it only by force or once the lease has lapsed; release frees it
// for its holder only.
func TestPlatformSyncClaims(t *testing.T) {
	ctx, st := newAcme(t)
	claim := func(run string, lease time.Duration, force bool) bool {
		t.Helper()
		ok, err := st.ClaimPlatformSync(ctx, "acme", run, lease, force)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim("r1", time.Hour, false) {
		t.Fatal("a run could not take a free sync")
	}
	if !claim("r1", time.Hour, false) {
		t.Fatal("a run could not renew its sync")
	}
	if claim("r2", time.Hour, false) {
		t.Fatal("a second run took a sync held within its lease")
	}
	if !claim("r2", time.Hour, true) {
		t.Fatal("a forced claim did not take the sync")
	}
	if claim("r1", time.Hour, false) {
		t.Fatal("the run that lost the sync took it back")
	}
	time.Sleep(20 * time.Millisecond)
	if !claim("r3", 10*time.Millisecond, false) {
		t.Fatal("a lapsed lease was not free to take")
	}
	if err := st.ReleasePlatformSync(ctx, "acme", "r2"); err != nil {
		t.Fatal(err)
	}
	if claim("r4", time.Hour, false) {
		t.Fatal("releasing as a run that no longer holds the sync freed it")
	}
	if err := st.ReleasePlatformSync(ctx, "acme", "r3"); err != nil {
		t.Fatal(err)
	}
	if !claim("r4", time.Hour, false) {
		t.Fatal("a released sync was not free")
	}
}

// The sweep's marks: what a run did not see of a platform's entities of a
// kind, its counts, and forgetting the run.
func TestPlatformSeenMarks(t *testing.T) {
	ctx := context.Background()
	st, url := testenv.NewStore(t)
	if _, _, err := st.PutOrg(ctx, store.Org{ID: "acme", Name: "acme"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"m1", "m2", "m3"} {
		if _, err := writer(st).Entity(ctx, store.EntityWrite{OrgID: "acme", Kind: access.KindMember, ID: id,
			Body: []byte(`{"id":"` + id + `","email":"` + id + `@example.com"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	// m1 and m2 came from the platform, m3 through the API.
	ids := []store.EntityRef{{Kind: access.KindMember, ID: "m1"}, {Kind: access.KindMember, ID: "m2"}}
	for _, r := range ids {
		if _, err := testenv.Conn(t, url).Exec(ctx, `update entities set source = 'officernd' where org_id = 'acme' and kind = $1 and id = $2`,
			string(r.Kind), r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.MarkPlatformSeen(ctx, "acme", "run1", ids[:1]); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkPlatformSeen(ctx, "acme", "run1", ids[:1]); err != nil {
		t.Fatalf("marking twice: %v", err)
	}
	unseen, err := st.UnseenPlatformEntities(ctx, "acme", "run1", "officernd", access.KindMember)
	if err != nil || len(unseen) != 1 || unseen[0] != "m2" {
		t.Fatalf("unseen = %v, %v; want m2 (m3 is not the platform's)", unseen, err)
	}
	if n, _ := st.CountPlatformEntities(ctx, "acme", "officernd", access.KindMember); n != 2 {
		t.Fatalf("count = %d, want 2", n)
	}
	counts, err := st.PlatformSeenCounts(ctx, "acme", "run1")
	if err != nil || counts["member"] != 1 {
		t.Fatalf("seen counts = %v, %v", counts, err)
	}
	from, err := st.FromPlatform(ctx, "acme", "officernd", []store.EntityRef{{Kind: access.KindMember, ID: "m2"}, {Kind: access.KindMember, ID: "m3"}})
	if err != nil || len(from) != 1 || from[0].ID != "m2" {
		t.Fatalf("from platform = %v, %v; want m2", from, err)
	}
	if err := st.ForgetPlatformRun(ctx, "acme", "run1", 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if counts, _ := st.PlatformSeenCounts(ctx, "acme", "run1"); len(counts) != 0 {
		t.Fatalf("marks left after forgetting the run: %v", counts)
	}
}
