package store_test

import (
	"errors"
	"testing"

	"doorsync/store"
)

// An intent is an unconfirmed row that never downgrades a confirmed one,
// is confirmed by RecordApplied, is dropped only while unconfirmed, and is
// refused once the org's deletion began.
func TestIntentLifecycle(t *testing.T) {
	ctx, st := newAcme(t)
	audit := store.AuditEntry{Action: "add", Trigger: "realtime", Result: "ok"}
	confirmed := func(person string) (bool, int) {
		t.Helper()
		rows, err := st.AppliedGroups(ctx, "acme", person)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			return false, 0
		}
		return rows[0].Confirmed, len(rows)
	}
	m1 := store.AppliedGroup{Person: "member:m1", SiteID: "s", GroupID: "g", UserID: "u1"}
	if err := st.RecordIntent(ctx, "acme", m1); err != nil {
		t.Fatal(err)
	}
	if ok, n := confirmed("member:m1"); ok || n != 1 {
		t.Fatalf("after RecordIntent: confirmed %v, %d rows; want one unconfirmed", ok, n)
	}
	if err := st.RecordApplied(ctx, "acme", m1, audit); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordIntent(ctx, "acme", m1); err != nil {
		t.Fatal(err)
	}
	if err := st.DropIntent(ctx, "acme", m1); err != nil {
		t.Fatal(err)
	}
	if ok, n := confirmed("member:m1"); !ok || n != 1 {
		t.Fatalf("a confirmed row after RecordIntent and DropIntent: confirmed %v, %d rows; want it kept confirmed", ok, n)
	}

	m2 := store.AppliedGroup{Person: "member:m2", SiteID: "s", GroupID: "g", UserID: "u2"}
	if err := st.RecordIntent(ctx, "acme", m2); err != nil {
		t.Fatal(err)
	}
	if err := st.DropIntent(ctx, "acme", m2); err != nil {
		t.Fatal(err)
	}
	if _, n := confirmed("member:m2"); n != 0 {
		t.Fatalf("an unconfirmed row survived DropIntent")
	}

	if _, err := st.BeginOrgDeletion(ctx, "acme", true); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordIntent(ctx, "acme", m2); !errors.Is(err, store.ErrOrgDeleting) {
		t.Fatalf("RecordIntent while deleting = %v, want ErrOrgDeleting", err)
	}
}
