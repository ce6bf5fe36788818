package store_test

import (
	"slices"
	"testing"
	"time"

	"doorsync/store"
)

// A member write pokes the member's access workflow exactly when it can
// matter: something grants them access or something is applied for them.
func TestMemberWritePokesOnlyWhenConcerned(t *testing.T) {
	ctx, st := newAcme(t)
	put := func(kind, id, body string) []string {
		t.Helper()
		res, err := st.PutEntity(ctx, store.EntityWrite{OrgID: "acme", Kind: kind, ID: id, Body: []byte(body)})
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
	// a membership naming them: the lifecycle is poked, then the member too
	want(put("membership", "ms1", `{"id":"ms1","plan_id":"p","member_id":"m1"}`), "lifecycle membership:ms1")
	want(put("member", "m1", `{"id":"m1","email":"a@x.com","access_cards":["1"]}`), "access member:m1")

	// a team-wide membership reaches whoever joins the team
	want(put("member", "m2", `{"id":"m2","email":"b@x.com"}`))
	put("membership", "ms-team", `{"id":"ms-team","plan_id":"p","team_id":"t1"}`)
	want(put("member", "m2", `{"id":"m2","email":"b@x.com","team_id":"t1"}`), "access member:m2")
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
