package write_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"doorsync/access"
	"doorsync/connectors"
	"doorsync/internal/entity"
	"doorsync/internal/snapshot"
	"doorsync/store"
)

// rec is a record of the fake platform object "ornd-<id>".
func rec(kind access.Kind, id, body string) connectors.Record {
	return connectors.Record{Kind: kind, ID: id, Body: json.RawMessage(body), SourceID: "ornd-" + id}
}

func TestARecordIsWrittenAsItsPutWithItsSource(t *testing.T) {
	ctx, st := newAcme(t)
	wr := writer(st)
	plan := rec(access.KindPlan, "p1", `{"name":"Hot desk","version":2}`)

	res, err := wr.Record(ctx, "acme", connectors.OfficeRnD, plan)
	if err != nil || !res.Created || res.Entity.Source != "officernd" || res.Entity.SourceID != "ornd-p1" {
		t.Fatalf("create = %+v, %v", res, err)
	}
	if ids, err := st.SourcedIDs(ctx, "acme", "officernd", access.KindPlan); err != nil || !slices.Equal(ids, []string{"p1"}) {
		t.Fatalf("SourcedIDs = %v, %v", ids, err)
	}
	if ids, _ := st.SourcedIDs(ctx, "acme", "nexudus", access.KindPlan); len(ids) != 0 {
		t.Fatalf("nexudus's plans = %v, want none", ids)
	}

	// A repeat changes nothing and pokes nothing.
	if res, err := wr.Record(ctx, "acme", connectors.OfficeRnD, plan); err != nil || res.Changed || len(res.OutboxIDs) != 0 {
		t.Fatalf("repeat = %+v, %v", res, err)
	}
	// An older version is stale, for the sync to count as skipped.
	older := rec(access.KindPlan, "p1", `{"name":"Old name","version":1}`)
	if _, err := wr.Record(ctx, "acme", connectors.OfficeRnD, older); !errors.Is(err, store.ErrStale) {
		t.Fatalf("older version: err = %v, want ErrStale", err)
	}
	// So is a record of an entity the operator deleted, until the platform
	// changes it again.
	if _, err := wr.Delete(ctx, "acme", access.KindPlan, "p1"); err != nil {
		t.Fatal(err)
	}
	if _, err := wr.Record(ctx, "acme", connectors.OfficeRnD, plan); !errors.Is(err, store.ErrStale) || !errors.Is(err, store.ErrDeletedVersion) {
		t.Fatalf("deleted at its version: err = %v, want ErrStale and ErrDeletedVersion", err)
	}
	if _, err := wr.Record(ctx, "acme", connectors.OfficeRnD, rec(access.KindPlan, "p1", `{"name":"Hot desk","version":3}`)); err != nil {
		t.Fatalf("a newer version after the delete: %v", err)
	}
}

func TestABadRecordIsInvalidAndStoresNothing(t *testing.T) {
	ctx, st := newAcme(t)
	for name, body := range map[string]string{
		"no e-mail":     `{"first_name":"Joe","version":1}`,
		"unknown field": `{"email":"joe@example.com","nickname":"J","version":1}`,
		"wrong type":    `{"email":"joe@example.com","version":"yesterday"}`,
		"not JSON":      `{"email":`,
		"id mismatch":   `{"id":"m2","email":"joe@example.com"}`,
	} {
		_, err := writer(st).Record(ctx, "acme", connectors.Nexudus, rec(access.KindMember, "m1", body))
		var invalid *entity.Invalid
		if !errors.As(err, &invalid) || len(invalid.Fields) == 0 {
			t.Errorf("%s: err = %v, want *entity.Invalid", name, err)
		}
	}
	if _, err := st.GetEntity(ctx, "acme", access.KindMember, "m1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused record was stored: %v", err)
	}
}

// A platform takes over an entity written through the API when it lists
// the same one; an API write of a platform's entity keeps its source (the
// platform still has it, and its sync may still remove it).
func TestSourcesAreClaimedAndKept(t *testing.T) {
	ctx, st := newAcme(t)
	wr := writer(st)
	put := func(body string) store.Entity {
		t.Helper()
		w, err := entity.Prepare("acme", access.KindTeam, "t1", []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		res, err := wr.Entity(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		return res.Entity
	}
	if e := put(`{"name":"Acme Ltd"}`); e.Source != "" {
		t.Fatalf("an API write has source %q", e.Source)
	}
	res, err := wr.Record(ctx, "acme", connectors.OfficeRnD, rec(access.KindTeam, "t1", `{"name":"Acme Ltd","version":5}`))
	if err != nil || res.Changed || res.Entity.Source != "officernd" || res.Entity.SourceID != "ornd-t1" {
		t.Fatalf("the platform's repeat = %+v, %v; want its source claimed, nothing changed", res, err)
	}
	if e := put(`{"name":"Acme Limited"}`); e.Source != "officernd" || e.SourceID != "ornd-t1" || *e.Version != 5 {
		t.Fatalf("after an API write: %+v, want the source and version kept", e)
	}
}

// The operator owns a location's Salto KS site and a resource's buffers:
// a PATCH sets them, a platform's writes keep them whatever they say, and
// an API PUT replaces them as it always did.
func TestOperatorOwnedFieldsSurviveAPlatformWrite(t *testing.T) {
	ctx, st := newAcme(t)
	wr := writer(st)
	record := func(kind access.Kind, id, body string) store.Entity {
		t.Helper()
		res, err := wr.Record(ctx, "acme", connectors.OfficeRnD, rec(kind, id, body))
		if err != nil {
			t.Fatal(err)
		}
		return res.Entity
	}
	field := func(e store.Entity, name string) any {
		var m map[string]any
		if err := json.Unmarshal(e.Body, &m); err != nil {
			t.Fatal(err)
		}
		return m[name]
	}

	// A platform's location has no site until the operator gives it one,
	// even when the record names one.
	l := record(access.KindLocation, "l1", `{"name":"London","salto_site_id":"from-the-platform","version":1}`)
	if site := field(l, "salto_site_id"); site != nil {
		t.Fatalf("a platform's new location has site %v, want none", site)
	}
	res, err := wr.PatchOwned(ctx, "acme", access.KindLocation, "l1", []byte(`{"salto_site_id":"s1"}`))
	if err != nil || !res.Changed || field(res.Entity, "salto_site_id") != "s1" || *res.Entity.Version != 1 || res.Entity.Source != "officernd" {
		t.Fatalf("patch = %+v, %v", res, err)
	}
	l = record(access.KindLocation, "l1", `{"name":"London Bridge","salto_site_id":"from-the-platform","version":2}`)
	if field(l, "salto_site_id") != "s1" || field(l, "name") != "London Bridge" {
		t.Fatalf("after the platform's change: %s, want its name and the operator's site", l.Body)
	}

	record(access.KindResource, "r1", `{"kind":"bookable","name":"Room 1","location_id":"l1","version":1}`)
	if _, err := wr.PatchOwned(ctx, "acme", access.KindResource, "r1", []byte(`{"buffer_before":"15m","buffer_after":"5m"}`)); err != nil {
		t.Fatal(err)
	}
	r := record(access.KindResource, "r1", `{"kind":"bookable","name":"Room One","location_id":"l1","buffer_before":"1h","version":2}`)
	if field(r, "buffer_before") != float64(15*60e9) || field(r, "buffer_after") != float64(5*60e9) || field(r, "name") != "Room One" {
		t.Fatalf("after the platform's change: %s, want the operator's buffers", r.Body)
	}
	// A repeat of the platform's record is still a repeat.
	if res, err := wr.Record(ctx, "acme", connectors.OfficeRnD, rec(access.KindResource, "r1",
		`{"kind":"bookable","name":"Room One","location_id":"l1","version":2}`)); err != nil || res.Changed {
		t.Fatalf("repeat = %+v, %v", res, err)
	}

	// An API PUT replaces them, as it always did.
	w, err := entity.Prepare("acme", access.KindLocation, "l1", []byte(`{"name":"London","salto_site_id":"s2"}`))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := wr.Entity(ctx, w); err != nil || field(res.Entity, "salto_site_id") != "s2" {
		t.Fatalf("PUT = %+v, %v", res, err)
	}
}

func TestAPatchIsCheckedAsPutChecksItsFields(t *testing.T) {
	ctx, st := newAcme(t)
	wr := writer(st)
	if _, err := wr.Record(ctx, "acme", connectors.OfficeRnD, rec(access.KindLocation, "l1", `{"name":"London"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := wr.Record(ctx, "acme", connectors.OfficeRnD, rec(access.KindResource, "r1", `{"kind":"bookable","name":"Room","location_id":"l1"}`)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind         access.Kind
		id, patch    string
		fields       []string
		notFound     bool
		notPatchable bool
	}{
		{kind: access.KindLocation, id: "l1", patch: `{"salto_site_id":""}`, fields: []string{"salto_site_id"}},
		{kind: access.KindLocation, id: "l1", patch: `{"salto_site_id":"s1","name":"Other"}`, fields: []string{"name"}},
		{kind: access.KindLocation, id: "l1", patch: `{"salto_site_id":null}`, fields: []string{"salto_site_id"}},
		{kind: access.KindLocation, id: "l1", patch: `[]`, fields: []string{""}},
		{kind: access.KindResource, id: "r1", patch: `{"buffer_before":"25h","buffer_after":"soon"}`, fields: []string{"buffer_after", "buffer_before"}},
		{kind: access.KindResource, id: "r1", patch: `{"buffer_before":"1m","Buffer_Before":"2m"}`, fields: []string{"Buffer_Before"}},
		{kind: access.KindLocation, id: "nowhere", patch: `{"salto_site_id":"s1"}`, notFound: true},
	} {
		_, err := wr.PatchOwned(ctx, "acme", tc.kind, tc.id, []byte(tc.patch))
		if tc.notFound {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", tc.patch, err)
			}
			continue
		}
		var invalid *entity.Invalid
		if !errors.As(err, &invalid) {
			t.Errorf("%s: err = %v, want *entity.Invalid", tc.patch, err)
			continue
		}
		var got []string
		for _, f := range invalid.Fields {
			got = append(got, f.Field)
		}
		if !slices.Equal(got, tc.fields) {
			t.Errorf("%s: fields = %v (%v), want %v", tc.patch, got, invalid, tc.fields)
		}
	}
}

// A location a platform has but the operator has not given a site grants
// nothing through location-bound mappings; once it has one, it does.
func TestASitelessLocationGrantsNothing(t *testing.T) {
	ctx, st := newAcme(t)
	wr := writer(st)
	for _, r := range []connectors.Record{
		rec(access.KindLocation, "l1", `{"name":"London"}`),
		rec(access.KindResource, "d1", `{"kind":"assignable","name":"Desk 1","location_id":"l1"}`),
		rec(access.KindPlan, "p1", `{"name":"Fixed desk"}`),
		rec(access.KindMember, "m1", `{"email":"joe@example.com"}`),
		rec(access.KindMembership, "ms1", `{"plan_id":"p1","member_id":"m1","resource_id":"d1","starts_at":"2020-01-01"}`),
	} {
		if _, err := wr.Record(ctx, "acme", connectors.OfficeRnD, r); err != nil {
			t.Fatalf("%s %s: %v", r.Kind, r.ID, err)
		}
	}
	if _, _, err := wr.Mapping(ctx, "acme", store.Mapping{Kind: "locations", RefID: "l1",
		Groups: []store.GroupRef{{SiteID: "s1", GroupID: "g1"}}}); err != nil {
		t.Fatal(err)
	}
	groups := func() []access.GroupRef {
		t.Helper()
		s, err := snapshot.Loader{Store: st}.Org(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		var out []access.GroupRef
		for _, g := range access.Grants(s) {
			out = append(out, g.Group)
		}
		return out
	}
	if got := groups(); len(got) != 0 {
		t.Fatalf("a siteless location grants %v, want nothing", got)
	}
	res, err := wr.PatchOwned(ctx, "acme", access.KindLocation, "l1", []byte(`{"salto_site_id":"s1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if pokes := claimed(t, st, res.OutboxIDs); len(pokes) == 0 {
		t.Error("giving the location its site poked nothing; what depends on it must be re-evaluated")
	}
	if got := groups(); !slices.Equal(got, []access.GroupRef{{SiteID: "s1", GroupID: "g1"}}) {
		t.Fatalf("with its site it grants %v, want s1/g1", got)
	}
}

// A record read after doorsync last wrote the entity is the platform's
// state then, even where its version did not move (a booking's visitor
// left, and only the visitor's time had made the version): it is written,
// at the version after the stored one. A read from before that write is
// still refused, so a slow page cannot undo a newer webhook.
func TestAReadAfterTheLastWriteSupersedesItsVersion(t *testing.T) {
	ctx, st := newAcme(t)
	wr := writer(st)
	first := rec(access.KindPlan, "p1", `{"name":"Hot desk","version":5}`)
	if _, err := wr.Record(ctx, "acme", connectors.OfficeRnD, first); err != nil {
		t.Fatal(err)
	}

	before := rec(access.KindPlan, "p1", `{"name":"Read before the write","version":5}`)
	before.ReadAt = time.Now().Add(-time.Minute)
	if _, err := wr.Record(ctx, "acme", connectors.OfficeRnD, before); !errors.Is(err, store.ErrStale) {
		t.Fatalf("a read from before the stored write: err = %v, want ErrStale", err)
	}

	after := rec(access.KindPlan, "p1", `{"name":"Read after the write","version":4}`)
	after.ReadAt = time.Now()
	res, err := wr.Record(ctx, "acme", connectors.OfficeRnD, after)
	if err != nil || !res.Changed || res.Entity.Version == nil || *res.Entity.Version != 6 {
		t.Fatalf("a read after the stored write = %+v, %v; want written at version 6", res, err)
	}
	var body struct{ Name string }
	if err := json.Unmarshal(res.Entity.Body, &body); err != nil || body.Name != "Read after the write" {
		t.Fatalf("stored body = %s", res.Entity.Body)
	}
}
