package store_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"doorsync/internal/testenv"
	"doorsync/store"
)

// TestPlatformSyncStateLivesWithTheConnection: the sync's state round-
// trips, a reconnection starts it afresh, and without a connection there
// is none to read or record (a sync that outlived its connection).
func TestPlatformSyncStateLivesWithTheConnection(t *testing.T) {
	ctx, st := testenv.NewOrgStore(t, "acme")
	conn := store.PlatformConnection{OrgID: "acme", Platform: "officernd", ConfigEnc: "sealed"}
	if err := st.PutPlatformConnection(ctx, conn); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	want := store.PlatformSync{LastSyncAt: &at, LastError: "HTTP 503", Counts: map[string]int{"member": 3},
		Watermarks: map[string]time.Time{"members": at.Add(-time.Minute)}, Held: "the platform answered no members"}
	if err := st.RecordPlatformSync(ctx, "acme", want); err != nil {
		t.Fatal(err)
	}
	got, err := st.PlatformSyncState(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	got.LastSyncAt = utc(got.LastSyncAt)
	for k, v := range got.Watermarks {
		got.Watermarks[k] = v.UTC()
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PlatformSyncState = %+v, want %+v", got, want)
	}

	before, _ := st.GetPlatformConnection(ctx, "acme")
	if err := st.PutPlatformConnection(ctx, conn); err != nil {
		t.Fatal(err)
	}
	after, _ := st.GetPlatformConnection(ctx, "acme")
	if after.Generation <= before.Generation || after.Sync.LastSyncAt != nil || len(after.Sync.Watermarks) != 0 || after.Sync.Held != "" {
		t.Errorf("a reconnection kept the old state: %+v (generation %d after %d)", after.Sync, after.Generation, before.Generation)
	}

	if err := st.DeletePlatformConnection(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PlatformSyncState(ctx, "acme"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PlatformSyncState without a connection: %v, want ErrNotFound", err)
	}
	if err := st.RecordPlatformSync(ctx, "acme", want); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RecordPlatformSync without a connection: %v, want ErrNotFound", err)
	}
}

// TestPlatformConnectionGoesWithItsOrg: a deleting org takes no
// connection, and deleting the org deletes it.
func TestPlatformConnectionGoesWithItsOrg(t *testing.T) {
	ctx, st := testenv.NewOrgStore(t, "acme")
	conn := store.PlatformConnection{OrgID: "acme", Platform: "nexudus", ConfigEnc: "sealed"}
	if err := st.PutPlatformConnection(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if _, err := st.BeginOrgDeletion(ctx, "acme", true); err != nil {
		t.Fatal(err)
	}
	if err := st.PutPlatformConnection(ctx, conn); !errors.Is(err, store.ErrOrgDeleting) {
		t.Errorf("connecting a deleting org: %v, want ErrOrgDeleting", err)
	}
	if _, err := st.DeleteOrgData(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetPlatformConnection(ctx, "acme"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the connection outlived its org: %v", err)
	}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
