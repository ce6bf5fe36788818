package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"doorsync/internal/testenv"
	"doorsync/store"
)

// The store refreshes the entities table's statistics as its writes grow
// the table (after 64 creations, then each time the table doubles), so
// that the plans Postgres keeps for it are made for its real size.
func TestEntityStatisticsFollowTheTablesGrowth(t *testing.T) {
	ctx := context.Background()
	st, url := testenv.NewStore(t)
	if _, _, err := st.PutOrg(ctx, store.Org{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	conn := testenv.Conn(t, url)
	for i := range 300 {
		body := fmt.Appendf(nil, `{"id":"p%d","name":"Plan %d"}`, i, i)
		if _, err := writer(st).Entity(ctx, store.EntityWrite{OrgID: "acme", Kind: "plan", ID: fmt.Sprintf("p%d", i), Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	var analyzed int64
	var rows float64
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		err := conn.QueryRow(ctx, `select s.analyze_count, c.reltuples from pg_stat_user_tables s
			join pg_class c on c.oid = s.relid where s.relname = 'entities'`).Scan(&analyzed, &rows)
		if err != nil {
			t.Fatal(err)
		}
		if analyzed >= 2 && rows >= 128 {
			return
		}
	}
	t.Fatalf("entities analyzed %d times, last seen with %.0f rows; want at least twice, the last with 128 or more", analyzed, rows)
}
