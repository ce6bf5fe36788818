package store_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"

	"doorsync/access"
	"doorsync/store"
)

// The org's base, read in one statement, is what GetOrg, Mappings and
// OrgEntities read: the settings, every mapping with its
// groups in order, and every static entity (not the members and the
// grants).
func TestReadOrgBaseReadsWhatItsPartsRead(t *testing.T) {
	ctx, st := newAcme(t)
	wr := writer(st)
	v := int64(7)
	for _, w := range []store.EntityWrite{
		{Kind: access.KindLocation, ID: "l1", Body: json.RawMessage(`{"name":"London","time_zone":"Europe/London"}`), Version: &v},
		{Kind: access.KindFloor, ID: "f1", Body: json.RawMessage(`{"name":"1st","location_id":"l1"}`), Source: "officernd", SourceID: "o-f1"},
		{Kind: access.KindPlan, ID: "p1", Body: json.RawMessage(`{"name":"Hot"}`)},
		{Kind: access.KindTeam, ID: "t1", Body: json.RawMessage(`{"name":"T"}`)},
		{Kind: access.KindMember, ID: "m1", Body: json.RawMessage(`{"email":"m1@example.com"}`), Emails: []string{"m1@example.com"}},
		{Kind: access.KindMembership, ID: "ms1", Body: json.RawMessage(`{"member_id":"m1","plan_id":"p1","starts_at":"2026-01-01T00:00:00Z"}`)},
	} {
		w.OrgID = "acme"
		if _, err := wr.Entity(ctx, w); err != nil {
			t.Fatalf("%s %s: %v", w.Kind, w.ID, err)
		}
	}
	for _, m := range []store.Mapping{
		{Kind: "plans", RefID: "p1", Groups: []store.GroupRef{{SiteID: "s1", GroupID: "g2"}, {SiteID: "s1", GroupID: "g1"}}},
		{Kind: "locations", RefID: "l1", Groups: []store.GroupRef{{SiteID: "s1", GroupID: "g3"}}},
	} {
		if _, _, err := wr.Mapping(ctx, "acme", m); err != nil {
			t.Fatal(err)
		}
	}

	got, err := st.ReadOrgBase(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	org, _ := st.GetOrg(ctx, "acme")
	mappings, _ := st.Mappings(ctx, "acme")
	all, _ := st.OrgEntities(ctx, "acme")
	static := slices.DeleteFunc(all, func(e store.Entity) bool { return e.Kind == access.KindMember || e.Kind.Lifecycle() })
	if !reflect.DeepEqual(got.Org, org) {
		t.Errorf("org = %+v, want %+v", got.Org, org)
	}
	if !reflect.DeepEqual(got.Mappings, mappings) || len(mappings) != 2 {
		t.Errorf("mappings = %+v, want %+v", got.Mappings, mappings)
	}
	if len(got.Static) != 4 || len(static) != 4 {
		t.Fatalf("static = %d entities, StaticEntities %d; want the location, floor, plan and team", len(got.Static), len(static))
	}
	byID := map[string]store.Entity{}
	for _, e := range static {
		byID[e.ID] = e
	}
	for _, e := range got.Static {
		want := byID[e.ID]
		if e.Kind != want.Kind || !want.SameBody(e.Body) || !reflect.DeepEqual(e.Version, want.Version) || !e.UpdatedAt.Equal(want.UpdatedAt) ||
			e.Source != want.Source || e.SourceID != want.SourceID || e.OrgID != "acme" {
			t.Errorf("static %s = %+v, want %+v", e.ID, e, want)
		}
	}

	if _, err := st.ReadOrgBase(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("base of a missing org: %v, want ErrNotFound", err)
	}
}
