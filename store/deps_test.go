package store_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"doorsync/access"
	"doorsync/internal/snapshot"
	"doorsync/internal/testenv"
	"doorsync/migrations"
	"doorsync/store"
)

// dependencySeed is an org with an entity of every kind and a source
// reaching along every dependency path, plus the near misses: a room on a
// floor of another location (bookings ignore floors), a desk whose floor
// is in another location than the desk, references that dangle.
var dependencySeed = []struct {
	kind access.Kind
	id   string
	body string
}{
	{access.KindLocation, "lon", `{"id":"lon","salto_site_id":"s1"}`},
	{access.KindLocation, "nyc", `{"id":"nyc","salto_site_id":"s2"}`},
	{access.KindFloor, "lon-1", `{"id":"lon-1","location_id":"lon"}`},
	{access.KindFloor, "nyc-1", `{"id":"nyc-1","location_id":"nyc"}`},
	{access.KindFloor, "lost-1", `{"id":"lost-1","location_id":"ghost"}`},
	{access.KindResource, "desk-a", `{"id":"desk-a","kind":"assignable","location_id":"lon","floor_id":"lon-1"}`},
	{access.KindResource, "desk-b", `{"id":"desk-b","kind":"assignable","location_id":"nyc","floor_id":"lon-1"}`},
	{access.KindResource, "desk-c", `{"id":"desk-c","kind":"assignable","location_id":"lon"}`},
	{access.KindResource, "desk-d", `{"id":"desk-d","kind":"assignable","location_id":"ghost","floor_id":"lost-1"}`},
	{access.KindResource, "room-a", `{"id":"room-a","kind":"bookable","location_id":"nyc","floor_id":"lon-1"}`},
	{access.KindResource, "room-b", `{"id":"room-b","kind":"bookable","location_id":"lon","floor_id":"nyc-1"}`},
	{access.KindPlan, "p1", `{"id":"p1"}`},
	{access.KindPlan, "p2", `{"id":"p2"}`},
	{access.KindTeam, "t1", `{"id":"t1"}`},
	{access.KindTeam, "t2", `{"id":"t2"}`},
	{access.KindMember, "m1", `{"id":"m1","email":"a@x.com","team_id":"t1"}`},
	{access.KindMember, "m2", `{"id":"m2","email":"b@x.com","primary_member_id":"m1"}`},
	{access.KindMember, "m3", `{"id":"m3","email":"c@x.com","team_id":"t2"}`},
	{access.KindMembership, "ms1", `{"id":"ms1","plan_id":"p1","member_id":"m1","resource_id":"desk-a","starts_at":"2026-01-01"}`},
	{access.KindMembership, "ms2", `{"id":"ms2","plan_id":"p2","team_id":"t1","resource_id":"desk-b","starts_at":"2026-01-01"}`},
	{access.KindMembership, "ms3", `{"id":"ms3","plan_id":"p1","member_id":"m3","team_id":"t2","resource_id":"desk-c","starts_at":"2026-01-01"}`},
	{access.KindMembership, "ms4", `{"id":"ms4","plan_id":"p2","member_id":"m2","resource_id":"ghost","starts_at":"2026-01-01"}`},
	{access.KindMembership, "ms5", `{"id":"ms5","plan_id":"ghost","team_id":"t2","resource_id":"desk-d","starts_at":"2026-01-01"}`},
	{access.KindBooking, "b1", `{"id":"b1","resource_id":"room-a","member_id":"m1","starts_at":"2026-03-01T10:00:00Z","ends_at":"2026-03-01T11:00:00Z"}`},
	{access.KindBooking, "b2", `{"id":"b2","resource_id":"room-b","booker":{"email":"g@x.com"},"starts_at":"2026-03-01T10:00:00Z","ends_at":"2026-03-01T11:00:00Z"}`},
	{access.KindBooking, "b3", `{"id":"b3","resource_id":"ghost","member_id":"m3","starts_at":"2026-03-01T10:00:00Z","ends_at":"2026-03-01T11:00:00Z"}`},
	{access.KindDayPass, "dp1", `{"id":"dp1","member_id":"m3","location_id":"lon","passes":2,"valid_from":"2026-01-01"}`},
	{access.KindDayPass, "dp2", `{"id":"dp2","team_id":"t1","location_id":"nyc","passes":2,"valid_from":"2026-01-01"}`},
	{access.KindDayPass, "dp3", `{"id":"dp3","member_id":"m1","team_id":"t2","location_id":"ghost","passes":2,"valid_from":"2026-01-01"}`},
}

// For every entity of every kind (and an unknown id of every kind that is
// not a lifecycle kind), the lifecycle workflows a write pokes
// (dependentPokes) are exactly the lifecycle entities access.Dependents
// names on the same data: the store's SQL and the declaration it is
// generated from agree. A kind the declaration adds without store support
// (or without the snapshot loader's) fails here.
func TestDependentsMatchTheDeclaration(t *testing.T) {
	ctx, st := newAcme(t)
	for _, e := range dependencySeed {
		if _, err := writer(st).Entity(ctx, store.EntityWrite{OrgID: "acme", Kind: e.kind, ID: e.id, Body: []byte(e.body)}); err != nil {
			t.Fatalf("%s %s: %v", e.kind, e.id, err)
		}
	}
	snap, err := snapshot.Loader{Store: st}.Org(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	checkSeedCoversEveryPath(t, ctx, st)

	compared := 0
	for _, kind := range access.SpaceKinds {
		ids := []string{"ghost"}
		if kind.Lifecycle() {
			ids = nil // the store pokes a lifecycle entity's own workflow without looking it up
		}
		for _, e := range dependencySeed {
			if e.kind == kind {
				ids = append(ids, e.id)
			}
		}
		for _, id := range ids {
			var want []string
			for _, d := range access.Dependents(snap, kind, id) {
				want = append(want, store.LifecycleTarget(d.Kind, d.ID))
			}
			slices.Sort(want)
			got, err := st.DependentTargets(ctx, "acme", kind, id)
			if err != nil {
				t.Fatalf("%s %s: %v", kind, id, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("a change of %s %s pokes %q; the declaration names %q", kind, id, got, want)
			}
			compared += len(want)
		}
	}
	if compared < 30 {
		t.Errorf("only %d dependents compared; the seed should reach more", compared)
	}
}

// checkSeedCoversEveryPath fails unless every kind has an entity in the
// seed and, for every dependency path, some lifecycle entity reaches an
// existing entity along it (walking the stored bodies, not the engine).
func checkSeedCoversEveryPath(t *testing.T, ctx context.Context, st *store.Store) {
	t.Helper()
	rows, err := st.OrgEntities(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[access.Kind]map[string]map[string]any{}
	for _, r := range rows {
		var b map[string]any
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatal(err)
		}
		if bodies[r.Kind] == nil {
			bodies[r.Kind] = map[string]map[string]any{}
		}
		bodies[r.Kind][r.ID] = b
	}
	for _, kind := range access.SpaceKinds {
		if len(bodies[kind]) == 0 {
			t.Errorf("the seed has no %s", kind)
		}
		for _, p := range access.DependencyPaths(kind) {
			covered := false
			for _, b := range bodies[p.Source()] {
				for _, r := range p {
					id, _ := b[r.Field].(string)
					if b = bodies[r.To][id]; b == nil {
						break
					}
				}
				covered = covered || b != nil
			}
			if !covered {
				t.Errorf("no %s in the seed reaches a %s along %s", p.Source(), kind, p)
			}
		}
	}
}

// Every declared reference has its generated column in the entities table
// (the store's SQL and indexes read the columns, never the bodies), so a
// reference added without its migration fails here.
func TestEveryReferenceHasAColumn(t *testing.T) {
	_, url := testenv.NewStore(t)
	conn := testenv.Conn(t, url)
	rows, err := conn.Query(context.Background(), `select column_name, coalesce(generation_expression, '')
		from information_schema.columns where table_name = 'entities' and is_generated = 'ALWAYS'`)
	if err != nil {
		t.Fatal(err)
	}
	generated := map[string]string{}
	for rows.Next() {
		var name, expr string
		if err := rows.Scan(&name, &expr); err != nil {
			t.Fatal(err)
		}
		generated[name] = expr
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, r := range access.References() {
		expr, ok := generated[r.Field]
		if !ok || !strings.Contains(expr, "body ->> '"+r.Field+"'") {
			t.Errorf("%s: entities has no column %s generated from body->>'%s' (got %q)", r, r.Field, r.Field, expr)
		}
	}
}

// The team queries, derived from the declaration, still spell the kinds a
// whole team may hold as entities_team_grants_idx's predicate does, word
// for word, so they keep matching the partial index.
func TestTeamQueriesSpellTheIndexPredicate(t *testing.T) {
	sql, err := fs.ReadFile(migrations.FS, "005_team_grants_index.sql")
	if err != nil {
		t.Fatal(err)
	}
	kinds := "kind in " + store.SQLKinds(access.LifecycleReferrers(access.KindTeam))
	if want := "where " + kinds + " and team_id is not null"; !strings.Contains(string(sql), want) {
		t.Errorf("migration 005 does not contain %q: the index no longer matches the kinds a team may hold", want)
	}
	for name, q := range store.TeamQueries {
		if !strings.Contains(q, kinds) {
			t.Errorf("the %s query does not say %q:\n%s", name, kinds, q)
		}
	}
}
