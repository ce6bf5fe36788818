package store_test

import (
	"slices"
	"testing"
	"time"

	"doorsync/access"
	"doorsync/store"
)

// A member write pokes the member's access workflow exactly when it can
// matter: something grants them access or something is applied for them.
func TestMemberWritePokesOnlyWhenConcerned(t *testing.T) {
	ctx, st := newAcme(t)
	put := func(kind access.Kind, id, body string) []string {
		t.Helper()
		res, err := writer(st).Entity(ctx, store.EntityWrite{OrgID: "acme", Kind: kind, ID: id, Body: []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		pokes, err := st.ClaimPokes(ctx, res.OutboxIDs, len(res.OutboxIDs)+1, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var targets []string
		for _, p := range pokes {
			targets = append(targets, p.Kind+" "+p.Target)
		}
		slices.Sort(targets)
		return targets
	}
	want := func(got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Fatalf("pokes = %q, want %q", got, want)
		}
	}

	// nothing grants a new member anything yet
	want(put("member", "m1", `{"id":"m1","email":"a@x.com"}`))
	// a membership naming them (whose plan is mapped to nothing, so it
	// reaches no one yet and has nothing ahead), then the member is poked
	want(put("membership", "ms1", `{"id":"ms1","plan_id":"p","member_id":"m1"}`))
	want(put("member", "m1", `{"id":"m1","email":"a@x.com","access_cards":["1"]}`), "access member:m1")

	// a team-wide membership reaches whoever joins the team
	want(put("member", "m2", `{"id":"m2","email":"b@x.com"}`))
	put("membership", "ms-team", `{"id":"ms-team","plan_id":"p","team_id":"t1"}`)
	// (and starts its lifecycle workflow, which may have had nothing to
	// keep time for while its team was empty)
	want(put("member", "m2", `{"id":"m2","email":"b@x.com","team_id":"t1"}`), "access member:m2", "lifecycle membership:ms-team")
	want(put("member", "m3", `{"id":"m3","email":"c@x.com","team_id":"t2"}`))

	// a co-member gets their primary member's access
	want(put("member", "m4", `{"id":"m4","email":"d@x.com","primary_member_id":"m3"}`), "access member:m4")
	// and is poked when the primary member changes
	want(put("member", "m3", `{"id":"m3","email":"c@x.com","team_id":"t3"}`), "access member:m4")

	// something applied must be reconsidered (e.g. leaving the team)
	err := st.RecordApplied(ctx, "acme", store.AppliedGroup{Person: "member:m5", SiteID: "s", GroupID: "g", UserID: "u"},
		store.AuditEntry{Action: "add", Person: "member:m5", Trigger: "realtime", Result: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	want(put("member", "m5", `{"id":"m5","email":"e@x.com"}`), "access member:m5")
}

// A team's write pokes its team-wide memberships' lifecycle workflows and
// the members (and their co-members) who hold access: a deleted team
// reaches no one, and a lifecycle workflow that ended no longer remembers
// whom it reached.
func TestTeamWritePokesItsMembersWhoHoldAccess(t *testing.T) {
	ctx, st := newAcme(t)
	put := func(kind access.Kind, id, body string) {
		t.Helper()
		if _, err := writer(st).Entity(ctx, store.EntityWrite{OrgID: "acme", Kind: kind, ID: id, Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	put("team", "t1", `{"id":"t1","name":"Acme"}`)
	put("membership", "ms-team", `{"id":"ms-team","plan_id":"p","team_id":"t1"}`)
	put("member", "m1", `{"id":"m1","email":"a@x.com","team_id":"t1"}`)
	put("member", "m2", `{"id":"m2","email":"b@x.com","team_id":"t1"}`)
	put("member", "co", `{"id":"co","email":"c@x.com","primary_member_id":"m1"}`)
	put("member", "other", `{"id":"other","email":"d@x.com","team_id":"t2"}`)
	for _, p := range []string{"member:m1", "member:co", "member:other"} { // m2 holds nothing
		err := st.RecordApplied(ctx, "acme", store.AppliedGroup{Person: p, SiteID: "s", GroupID: "g", UserID: "u-" + p},
			store.AuditEntry{Action: "add", Person: p, Trigger: "realtime", Result: "ok"})
		if err != nil {
			t.Fatal(err)
		}
	}

	ids, err := writer(st).Delete(ctx, "acme", "team", "t1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"access member:co [] team t1 changed", "access member:m1 [] team t1 changed",
		"lifecycle membership:ms-team [] team t1 changed"}
	if got := claimed(t, st, ids); !slices.Equal(got, want) {
		t.Fatalf("pokes of the team's deletion = %q, want %q", got, want)
	}
}

// A location's site decides what the mappings of the location, its
// floors, its resources and its day passes grant, so a location write
// (a move to another site too) pokes the lifecycle workflow of every
// membership on its resources or on resources on its floors, every
// booking of its rooms and every day pass of the location.
func TestLocationWritePokesEverythingItsSiteDecides(t *testing.T) {
	ctx, st := newAcme(t)
	put := func(kind access.Kind, id, body string) []int64 {
		t.Helper()
		res, err := writer(st).Entity(ctx, store.EntityWrite{OrgID: "acme", Kind: kind, ID: id, Body: []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		return res.OutboxIDs
	}
	put("location", "lon", `{"id":"lon","name":"London","salto_site_id":"s1"}`)
	put("floor", "lon-1", `{"id":"lon-1","location_id":"lon","name":"1"}`)
	put("resource", "desk-1", `{"id":"desk-1","kind":"assignable","name":"D1","location_id":"lon"}`)
	put("resource", "desk-2", `{"id":"desk-2","kind":"assignable","name":"D2","location_id":"nyc","floor_id":"lon-1"}`)
	put("resource", "desk-3", `{"id":"desk-3","kind":"assignable","name":"D3","location_id":"nyc"}`)
	put("resource", "room-1", `{"id":"room-1","kind":"bookable","name":"R1","location_id":"lon"}`)
	put("membership", "ms-desk", `{"id":"ms-desk","plan_id":"p","member_id":"m1","resource_id":"desk-1"}`)
	put("membership", "ms-floor", `{"id":"ms-floor","plan_id":"p","member_id":"m1","resource_id":"desk-2"}`)
	put("membership", "ms-other", `{"id":"ms-other","plan_id":"p","member_id":"m1","resource_id":"desk-3"}`)
	put("booking", "b1", `{"id":"b1","resource_id":"room-1","member_id":"m1"}`)
	put("day_pass", "dp1", `{"id":"dp1","member_id":"m1","location_id":"lon","passes":1}`)
	put("day_pass", "dp2", `{"id":"dp2","member_id":"m1","location_id":"nyc","passes":1}`)

	const reason = "location lon changed"
	want := []string{"lifecycle booking:b1 [] " + reason, "lifecycle day_pass:dp1 [] " + reason,
		"lifecycle membership:ms-desk [] " + reason, "lifecycle membership:ms-floor [] " + reason}
	ids := put("location", "lon", `{"id":"lon","name":"London","salto_site_id":"s2"}`)
	if got := claimed(t, st, ids); !slices.Equal(got, want) {
		t.Errorf("pokes of the location's move to another site = %q, want %q", got, want)
	}
	ids, err := writer(st).Delete(ctx, "acme", "location", "lon")
	if err != nil {
		t.Fatal(err)
	}
	if got := claimed(t, st, ids); !slices.Equal(got, want) {
		t.Errorf("pokes of the location's deletion = %q, want %q", got, want)
	}
}
