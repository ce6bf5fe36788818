package entity_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"doorsync/access"
	"doorsync/internal/entity"
	"doorsync/store"
)

func TestEveryKindOfSpaceEntityHasABody(t *testing.T) {
	var kinds []access.Kind
	for _, k := range entity.Kinds {
		kinds = append(kinds, k.Kind)
		if entity.ByPath(k.Path) != k || entity.ByKind(k.Kind) != k {
			t.Errorf("%s is not found by its path %q or kind", k.Kind, k.Path)
		}
	}
	if !slices.Equal(kinds, access.SpaceKinds) {
		t.Errorf("kinds = %v, want access.SpaceKinds %v", kinds, access.SpaceKinds)
	}
}

// fields returns the fields an Invalid names.
func fields(t *testing.T, err error) []string {
	t.Helper()
	var v *entity.Invalid
	if !errors.As(err, &v) {
		t.Fatalf("err = %v, want *entity.Invalid", err)
	}
	var out []string
	for _, f := range v.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestPrepareChecksABodyAsPutDoes(t *testing.T) {
	for _, tc := range []struct {
		kind   access.Kind
		body   string
		fields []string // nil: valid
	}{
		{access.KindLocation, `{"name":"London","salto_site_id":"s1","time_zone":"Europe/London"}`, nil},
		{access.KindLocation, `{"name":"","time_zone":"Mars/Base"}`, []string{"name", "salto_site_id", "time_zone"}},
		{access.KindResource, `{"kind":"desk","name":"D","location_id":"l 1","buffer_before":"-1m"}`, []string{"buffer_before", "kind", "location_id"}},
		{access.KindMember, `{"email":"joe@example.com","access_cards":["04A1"],"version":3}`, nil},
		{access.KindMember, `{"email":"Joe <joe@example.com>","primary_member_id":"x1"}`, []string{"email", "primary_member_id"}},
		{access.KindMember, `{"email":"joe@example.com","Email":"ann@example.com"}`, []string{"Email"}},
		{access.KindMember, `{"email":"joe@example.com","nickname":"J"}`, []string{"nickname"}},
		{access.KindMember, `{"email":"joe@example.com","version":"new"}`, []string{"version"}},
		{access.KindMembership, `{"plan_id":"p1","starts_at":"2026-02-01","ends_at":"2026-01-01"}`, []string{"ends_at", "member_id"}},
		{access.KindBooking, `{"resource_id":"r1","booker":{"email":"a@example.com"},"guests":[{"email":"nope"}],"starts_at":"2026-01-01T10:00:00Z","ends_at":"2026-01-01T09:00:00Z"}`,
			[]string{"ends_at", "guests[0].email"}},
		{access.KindDayPass, `{"member_id":"m1","location_id":"l1","passes":0,"valid_from":"2026-01-01","valid_until":"2026-01-31"}`, []string{"passes"}},
	} {
		w, err := entity.Prepare("acme", tc.kind, "x1", []byte(tc.body))
		if tc.fields == nil {
			if err != nil || w.Kind != tc.kind || w.ID != "x1" || w.OrgID != "acme" {
				t.Errorf("%s %s = %+v, %v", tc.kind, tc.body, w, err)
			}
			continue
		}
		if got := fields(t, err); !slices.Equal(got, tc.fields) {
			t.Errorf("%s %s: fields = %v, want %v", tc.kind, tc.body, got, tc.fields)
		}
	}
}

// A platform's record is checked as a PUT is, but the operator-owned
// fields are not its to set: a location needs no site.
func TestPrepareSourcedLeavesTheOperatorsFieldsOut(t *testing.T) {
	w, err := entity.PrepareSourced("acme", access.KindLocation, "l1", []byte(`{"name":"London","version":9}`), "officernd", "loc-1")
	if err != nil || w.Source != "officernd" || w.SourceID != "loc-1" || *w.Version != 9 {
		t.Fatalf("sourced location = %+v, %v", w, err)
	}
	_, err = entity.PrepareSourced("acme", access.KindLocation, "l1", []byte(`{"name":""}`), "officernd", "loc-1")
	if got := fields(t, err); !slices.Equal(got, []string{"name"}) {
		t.Fatalf("fields = %v, want [name]", got)
	}
}

func TestKeepOwnedKeepsTheStoredFields(t *testing.T) {
	stored := &store.Entity{Kind: access.KindResource, ID: "r1",
		Body: json.RawMessage(`{"id":"r1","kind":"bookable","name":"Room","location_id":"l1","buffer_before":900000000000}`)}
	got, err := entity.KeepOwned(access.KindResource, stored,
		json.RawMessage(`{"id":"r1","kind":"bookable","name":"Room 1","location_id":"l1","buffer_after":60000000000}`))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(got, &m)
	if m["buffer_before"] != float64(900000000000) || m["buffer_after"] != nil || m["name"] != "Room 1" {
		t.Fatalf("kept = %s", got)
	}
	plan := json.RawMessage(`{"id":"p1","name":"Hot desk"}`)
	if got, _ := entity.KeepOwned(access.KindPlan, nil, plan); string(got) != string(plan) {
		t.Fatalf("a plan, which has no operator-owned fields, became %s", got)
	}
}
