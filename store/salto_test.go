package store_test

import (
	"context"
	"testing"
	"time"

	"doorsync/internal/testenv"
	"doorsync/store"
)

// A success clears a recorded error at once, but moves last_success_at
// only when it is a minute old: every ApplyAccess reports a success, and
// the org has one connection row.
func TestSaltoSuccessIsAHeartbeat(t *testing.T) {
	ctx := context.Background()
	st, url := testenv.NewStore(t)
	if _, _, err := st.PutOrg(ctx, store.Org{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSaltoConnection(ctx, store.SaltoConnection{OrgID: "acme", Mode: "password"}); err != nil {
		t.Fatal(err)
	}
	conn := testenv.Conn(t, url)
	get := func() store.SaltoConnection {
		t.Helper()
		c, err := st.GetSaltoConnection(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	mark := func(msg string) {
		t.Helper()
		if err := st.MarkSaltoResult(ctx, "acme", msg); err != nil {
			t.Fatal(err)
		}
	}
	ageSuccess := func(d time.Duration) time.Time {
		t.Helper()
		var at time.Time
		err := conn.QueryRow(ctx, `update salto_connections set last_success_at = now() - $1::interval
			where org_id = 'acme' returning last_success_at`, d).Scan(&at)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}

	recent := ageSuccess(30 * time.Second)
	mark("")
	if c := get(); !c.LastSuccessAt.Equal(recent) {
		t.Errorf("a success 30 s after the last moved last_success_at: %v, was %v", c.LastSuccessAt, recent)
	}

	old := ageSuccess(2 * time.Minute)
	mark("")
	if c := get(); !c.LastSuccessAt.After(old.Add(time.Minute)) {
		t.Errorf("a success 2 min after the last left last_success_at at %v", c.LastSuccessAt)
	}

	recent = ageSuccess(10 * time.Second)
	mark("token refresh refused")
	if c := get(); c.LastError != "token refresh refused" || c.LastErrorAt == nil {
		t.Fatalf("error not recorded: %+v", c)
	}
	mark("")
	if c := get(); c.LastError != "" || c.LastErrorAt != nil || !c.LastSuccessAt.After(recent) {
		t.Errorf("a success did not clear the error at once: %+v", c)
	}
}
