package activities_test

import (
	"context"
	"testing"
	"time"

	"doorsync/internal/testenv"
)

// A removal records when it fell due: the end of the window that closed
// (for the metrics' revocation lateness). A removal no window's end
// caused (the membership was deleted), or whose window closed before the
// person was put in the group (an end written after the fact), records
// none.
func TestRemovalRecordsWhenItWasDue(t *testing.T) {
	st, url := testenv.NewStore(t)
	e := newEnvOn(t, seed, st)
	now := time.Now()
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	e.apply("member:m1")
	backdate := func() { // as if added when the membership started
		t.Helper()
		if _, err := testenv.Conn(t, url).Exec(context.Background(), `update applied_access set applied_at = now() - interval '1 hour'`); err != nil {
			t.Fatal(err)
		}
	}
	backdate()
	ended := now.Add(-time.Minute)
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &ended)
	if res := e.apply("member:m1"); res.Removed != 1 {
		t.Fatalf("apply after end = %+v", res)
	}
	remove := e.audit("member:m1")[0]
	if remove.Action != "remove" || remove.DueAt.Sub(ended).Abs() > time.Second {
		t.Fatalf("removal = %s due %v, want remove due at the membership's end %v", remove.Action, remove.DueAt, ended)
	}

	e.member("m2", "ann@example.com")
	e.membership("ms2", "m2", "hot", now.Add(-time.Hour), nil)
	e.apply("member:m2")
	backdate()
	if _, err := e.writer().Delete(e.ctx, org, "membership", "ms2"); err != nil {
		t.Fatal(err)
	}
	if res := e.apply("member:m2"); res.Removed != 1 {
		t.Fatalf("apply after delete = %+v", res)
	}
	if remove := e.audit("member:m2")[0]; remove.Action != "remove" || !remove.DueAt.IsZero() {
		t.Fatalf("removal after a delete = %s due %v, want remove with no due instant", remove.Action, remove.DueAt)
	}
}

func TestRemovalOfAnEndWrittenAfterTheFactHasNoDueInstant(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	e.apply("member:m1") // added now, after the end written next
	ended := now.Add(-time.Minute)
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &ended)
	if res := e.apply("member:m1"); res.Removed != 1 {
		t.Fatalf("apply after end = %+v", res)
	}
	if remove := e.audit("member:m1")[0]; remove.Action != "remove" || !remove.DueAt.IsZero() {
		t.Fatalf("removal = %s due %v, want remove with no due instant", remove.Action, remove.DueAt)
	}
}
