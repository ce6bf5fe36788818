package store_test

import (
	"errors"
	"testing"

	"doorsync/store"
)

func TestPersonProblemSetAndCleared(t *testing.T) {
	ctx, st := newAcme(t)
	check := func(want string) {
		t.Helper()
		got, err := st.PersonProblem(ctx, "acme", "member:m1")
		if err != nil || got != want {
			t.Fatalf("problem = %q, %v; want %q", got, err, want)
		}
	}
	steps := []string{"", "no seats", "no seats", "card unknown", "", ""}
	for _, p := range steps {
		if err := st.SetPersonProblem(ctx, "acme", "member:m1", p); err != nil {
			t.Fatal(err)
		}
		check(p)
	}
}

func TestLastAuditOfAPersonInAGroup(t *testing.T) {
	ctx, st := newAcme(t)
	add := func(e store.AuditEntry) {
		t.Helper()
		e.Trigger, e.Result = "realtime", "ok"
		if err := st.AddAudit(ctx, "acme", e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.LastAudit(ctx, "acme", "member:m1", "s1", "g1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LastAudit with no entries: %v, want ErrNotFound", err)
	}
	add(store.AuditEntry{Action: "create_user", Person: "member:m1", SiteID: "s1"})
	add(store.AuditEntry{Action: "add", Person: "member:m1", SiteID: "s1", GroupID: "g1", Reason: []byte(`[{"id":"ms1"}]`)})
	add(store.AuditEntry{Action: "remove", Person: "member:m1", SiteID: "s1", GroupID: "g1"})
	add(store.AuditEntry{Action: "add", Person: "member:m2", SiteID: "s1", GroupID: "g1"})
	add(store.AuditEntry{Action: "add", Person: "member:m1", SiteID: "s1", GroupID: "g2"})

	if e, err := st.LastAudit(ctx, "acme", "member:m1", "s1", "g1"); err != nil || e.Action != "remove" {
		t.Fatalf("last entry = %+v, %v; want the remove", e, err)
	}
	e, err := st.LastAudit(ctx, "acme", "member:m1", "s1", "g1", "add")
	if err != nil || e.Action != "add" || e.GroupID != "g1" || string(e.Reason) != `[{"id": "ms1"}]` {
		t.Fatalf("last add = %+v (reason %s), %v", e, e.Reason, err)
	}
	if e, err := st.LastAudit(ctx, "acme", "member:m1", "s1", "", "create_user", "adopt_user"); err != nil || e.Action != "create_user" {
		t.Fatalf("last site-level entry = %+v, %v", e, err)
	}
	if _, err := st.LastAudit(ctx, "acme", "member:m1", "s1", "g1", "suspend_user"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LastAudit of an action never taken: %v, want ErrNotFound", err)
	}
}
