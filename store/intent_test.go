package store_test

import (
	"errors"
	"slices"
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

// RecordMemberRemoved forgets each person's row in the group, audits a
// landed intent's add before the removal, and records nothing unless it
// records all of it.
func TestRecordMemberRemovedIsAllOrNothing(t *testing.T) {
	ctx, st := newAcme(t)
	removal := store.AuditEntry{Action: "remove", Person: "member:m1", SiteID: "s", GroupID: "g", SaltoUserID: "u1",
		Trigger: "reconcile", Result: "ok"}
	recovered := func(person string) store.AuditEntry {
		a := removal
		a.Action, a.Person = "add", person
		return a
	}
	m1 := store.AppliedGroup{Person: "member:m1", SiteID: "s", GroupID: "g", UserID: "u1"}
	g1 := store.AppliedGroup{Person: "guest:g1", SiteID: "s", GroupID: "g", UserID: "u1"}
	if err := st.RecordApplied(ctx, "acme", m1, store.AuditEntry{Action: "add", Person: "member:m1", Trigger: "realtime", Result: "ok"}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordIntent(ctx, "acme", g1); err != nil {
		t.Fatal(err)
	}
	persons := []string{"member:m1", "guest:g1"}

	bad := removal
	bad.Reason = []byte("{not json") // the audit cannot be written: nothing may be
	if err := st.RecordMemberRemoved(ctx, "acme", store.MemberRemoval{SiteID: "s", GroupID: "g", Persons: persons, Landed: true,
		Audit: bad, RecoveredAdd: recovered}); err == nil {
		t.Fatal("RecordMemberRemoved with an audit entry that cannot be written succeeded")
	}
	for _, p := range persons {
		if rows, err := st.AppliedGroups(ctx, "acme", p); err != nil || len(rows) != 1 {
			t.Fatalf("%s after the failed record: %+v, %v; want its row kept", p, rows, err)
		}
	}

	if err := st.RecordMemberRemoved(ctx, "acme", store.MemberRemoval{SiteID: "s", GroupID: "g", Persons: persons, Landed: true,
		Audit: removal, RecoveredAdd: recovered}); err != nil {
		t.Fatal(err)
	}
	for _, p := range persons {
		if rows, err := st.AppliedGroups(ctx, "acme", p); err != nil || len(rows) != 0 {
			t.Fatalf("%s after the removal: %+v, %v; want no row", p, rows, err)
		}
	}
	entries, err := st.Audit(ctx, "acme", store.AuditFilter{GroupID: "g", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Action+" "+e.Person)
	}
	want := []string{"remove member:m1", "add guest:g1"} // newest first; m1's row was confirmed: no add of its own
	if !slices.Equal(got, want) {
		t.Fatalf("audit = %q, want %q", got, want)
	}
}

// A removal Salto KS answered with 404 records the removal of a row
// doorsync believed confirmed, and of a user no row names (reconciliation
// found it there), but nothing when every row was an intent: an add that
// never landed changed nothing.
func TestRecordMemberRemovedAfterA404(t *testing.T) {
	ctx, st := newAcme(t)
	audited := func(group string) int {
		t.Helper()
		entries, err := st.Audit(ctx, "acme", store.AuditFilter{GroupID: group, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	removal := func(group string, persons ...string) store.MemberRemoval {
		return store.MemberRemoval{SiteID: "s", GroupID: group, Persons: persons,
			Audit: store.AuditEntry{Action: "remove", SiteID: "s", GroupID: group, SaltoUserID: "u1", Trigger: "realtime", Result: "ok"},
			RecoveredAdd: func(p string) store.AuditEntry {
				return store.AuditEntry{Action: "add", Person: p, GroupID: group, Trigger: "realtime", Result: "ok"}
			}}
	}
	if err := st.RecordIntent(ctx, "acme", store.AppliedGroup{Person: "member:m1", SiteID: "s", GroupID: "intent", UserID: "u1"}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordApplied(ctx, "acme", store.AppliedGroup{Person: "member:m1", SiteID: "s", GroupID: "confirmed", UserID: "u1"},
		store.AuditEntry{Action: "add", Trigger: "realtime", Result: "ok"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		group   string
		persons []string
		want    int
	}{
		{"intent", []string{"member:m1"}, 0},
		{"confirmed", []string{"member:m1"}, 1},
		{"stranger", nil, 1},
	} {
		if err := st.RecordMemberRemoved(ctx, "acme", removal(tc.group, tc.persons...)); err != nil {
			t.Fatal(err)
		}
		if got := audited(tc.group); got != tc.want {
			t.Errorf("%s: %d audit entries after a 404, want %d", tc.group, got, tc.want)
		}
	}
	if rows, err := st.AppliedGroups(ctx, "acme", "member:m1"); err != nil || len(rows) != 0 {
		t.Fatalf("rows after the removals: %+v, %v; want none", rows, err)
	}
}
