package store_test

import (
	"context"
	"testing"
	"time"

	"doorsync/access"
	"doorsync/internal/testenv"
	"doorsync/store"
)

// Listing 10,000 members a page at a time, and searching them, reads an
// org's kind at most once per page: fast without a trigram index.
func TestListEntitiesOfTenThousandMembers(t *testing.T) {
	ctx := context.Background()
	st, url := testenv.NewStore(t)
	if _, _, err := st.PutOrg(ctx, store.Org{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	conn := testenv.Conn(t, url)
	if _, err := conn.Exec(ctx, `insert into entities (org_id, kind, id, body, emails)
		select 'acme', 'member', 'm' || lpad(i::text, 5, '0'),
			jsonb_build_object('id', 'm' || lpad(i::text, 5, '0'), 'email', 'p' || i || '@example.com',
				'first_name', 'First' || i, 'last_name', 'Last' || i),
			array['p' || i || '@example.com']
		from generate_series(1, 10000) as i`); err != nil {
		t.Fatal(err)
	}
	if err := st.AnalyzeEntities(ctx); err != nil {
		t.Fatal(err)
	}
	list := func(q store.EntityQuery) ([]store.Entity, time.Duration) {
		t.Helper()
		start := time.Now()
		es, err := st.ListEntities(ctx, "acme", q)
		if err != nil {
			t.Fatal(err)
		}
		return es, time.Since(start)
	}
	es, took := list(store.EntityQuery{Kind: access.KindMember, After: "m05000", Limit: 101})
	if len(es) != 101 || es[0].ID != "m05001" || es[100].ID != "m05101" {
		t.Fatalf("page = %d entities from %s", len(es), es[0].ID)
	}
	// Generous bounds (two shared cores): a scan of 10,000 rows is a few
	// milliseconds; a quadratic or per-row plan would be seconds.
	if took > time.Second {
		t.Errorf("a page took %v", took)
	}
	es, took = list(store.EntityQuery{Kind: access.KindMember, Limit: 101, Search: "LAST9999"})
	if len(es) != 1 || es[0].ID != "m09999" || took > time.Second {
		t.Errorf("search = %d entities in %v", len(es), took)
	}
	es, _ = list(store.EntityQuery{Kind: access.KindMember, Limit: 101, Search: "p123@"})
	if len(es) != 1 || es[0].ID != "m00123" {
		t.Errorf("search by e-mail = %v", es)
	}
}
