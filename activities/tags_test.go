package activities_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"doorsync/contract"
	"doorsync/store"
)

// The tag tests' Salto KS: London as in the base seed, with more tags (one
// held by another user, one by the adoptable staff user) and an adoptable
// user with no tag, and a Paris site with a tag of its own.
const (
	paris        = "5a170001-0000-4000-8000-000000000002"
	groupParis   = "6a000002-0001-4000-8000-000000000001"
	staffUser    = "9a0e0001-0001-4000-8000-000000000001"
	otherUser    = "9a0e0001-0001-4000-8000-000000000002"
	annUser      = "9a0e0001-0001-4000-8000-000000000003"
	tag2Number   = "04A1B2C4"
	tag2ID       = "7a900001-0001-4000-8000-000000000002"
	heldNumber   = "0BADC0DE"
	heldID       = "7a900001-0001-4000-8000-000000000003"
	staffNumber  = "05AFF000"
	staffTagID   = "7a900001-0001-4000-8000-000000000004"
	parisNumber  = "0FA41500"
	parisTagID   = "7a900002-0001-4000-8000-000000000001"
	unknownCard  = "FFFF0000"
	tagTestsSeed = `{"clients":[{"client_id":"doorsync","client_secret":"secret","users":[{"username":"sys@example.com","password":"pw"}]}],
 "sites":[{"id":"` + london + `","name":"London","time_zone":"Europe/London","seats":50,
   "users":[{"site_user_id":"5e0e0001-0001-4000-8000-000000000001","user_id":"` + staffUser + `",
             "email":"staff@example.com","first_name":"Staff","last_name":"Member"},
            {"site_user_id":"5e0e0001-0001-4000-8000-000000000002","user_id":"` + otherUser + `",
             "email":"other@example.com","first_name":"Other","last_name":"Person"},
            {"site_user_id":"5e0e0001-0001-4000-8000-000000000003","user_id":"` + annUser + `",
             "email":"ann@example.com","first_name":"Ann","last_name":"Adopted"}],
   "tags":[{"id":"` + tagID + `","tag_number":"` + tagNumber + `"},
           {"id":"` + tag2ID + `","tag_number":"` + tag2Number + `"},
           {"id":"` + heldID + `","tag_number":"` + heldNumber + `","user_id":"` + otherUser + `"},
           {"id":"` + staffTagID + `","tag_number":"` + staffNumber + `","user_id":"` + staffUser + `"}],
   "access_groups":[{"id":"` + groupA + `","name":"Members","user_ids":["` + staffUser + `"]},
                    {"id":"` + groupB + `","name":"Room"}]},
  {"id":"` + paris + `","name":"Paris","time_zone":"Europe/Paris","seats":50,
   "tags":[{"id":"` + parisTagID + `","tag_number":"` + parisNumber + `"}],
   "access_groups":[{"id":"` + groupParis + `","name":"Front door"}]}]}`
)

func newTagEnv(t *testing.T) *env {
	t.Helper()
	return newEnvSeed(t, tagTestsSeed)
}

// holder is the platform user id holding a tag ("" if none).
func (e *env) holder(siteID, tag string) string {
	e.t.Helper()
	for _, s := range e.fake.State().Sites {
		for _, tg := range s.Tags {
			if s.ID == siteID && tg.ID == tag {
				return tg.UserID
			}
		}
	}
	e.t.Fatalf("no tag %s on site %s", tag, siteID)
	return ""
}

// applyOK runs ApplyAccess n times; each must succeed (no retry).
func (e *env) applyOK(person string, n int) string {
	e.t.Helper()
	problem := ""
	for range n {
		res, err := e.applyErr(person)
		if err != nil {
			e.t.Fatalf("ApplyAccess(%s) failed (it would be retried forever): %v", person, err)
		}
		problem = res.Problem
	}
	return problem
}

// tagEntries are the person's assign_tag and unassign_tag entries, oldest
// first.
func (e *env) tagEntries(person string) []store.AuditEntry {
	var out []store.AuditEntry
	entries := e.audit(person)
	for i := len(entries) - 1; i >= 0; i-- {
		if a := entries[i].Action; a == "assign_tag" || a == "unassign_tag" {
			out = append(out, entries[i])
		}
	}
	return out
}

func (e *env) wantOneTagError(person, card, problem string) {
	e.t.Helper()
	errs := e.errorEntries(person)
	if len(errs) != 1 || errs[0].Action != "assign_tag" || errs[0].Error != problem || !strings.Contains(string(errs[0].Reason), card) {
		e.t.Fatalf("error entries = %+v, want one assign_tag error naming %s with the problem %q", errs, card, problem)
	}
}

// An adopted member whose access cards name a tag another Salto KS user
// holds is not given it: that is their problem (one audit error however
// often it is retried), their groups are applied, and once the other user
// no longer holds the tag it is assigned and the problem clears.
func TestAdoptedUserIsNotGivenAnotherUsersTag(t *testing.T) {
	e := newTagEnv(t)
	e.member("m1", "ann@example.com", heldNumber)
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	problem := e.applyOK("member:m1", 3)
	if !strings.Contains(problem, heldNumber) || !strings.Contains(problem, "another Salto KS user") {
		t.Fatalf("problem = %q, want the card held by another user", problem)
	}
	if got := actions(e.audit("member:m1")); got[0] != "adopt_user" {
		t.Fatalf("audit = %v, want the user adopted", got)
	}
	if !e.inGroup(groupA, "ann@example.com") {
		t.Fatal("groups not applied")
	}
	if h := e.holder(london, heldID); h != otherUser {
		t.Fatalf("the tag went to %s, want it left with its holder", h)
	}
	if p := e.problem("member:m1"); p != problem {
		t.Fatalf("recorded problem = %q, want %q", p, problem)
	}
	e.wantOneTagError("member:m1", heldNumber, problem)

	if err := e.fake.SetTagDirect(london, otherUser, ""); err != nil { // the other user gives it back
		t.Fatal(err)
	}
	if p := e.applyOK("member:m1", 1); p != "" || e.problem("member:m1") != "" {
		t.Fatalf("problem after the fix = %q / %q, want none", p, e.problem("member:m1"))
	}
	if h := e.holder(london, heldID); h != annUser {
		t.Fatalf("tag holder after the fix = %q, want the member", h)
	}
	if got := e.tagEntries("member:m1"); len(got) != 2 || got[1].Result != "ok" || got[1].Action != "assign_tag" {
		t.Fatalf("tag entries = %+v, want the error then the assignment", got)
	}
}

// A card number Salto KS does not know is the person's problem; their
// groups are applied and the run succeeds (it is not retried forever).
func TestUnknownAccessCardIsAProblemNotAFailure(t *testing.T) {
	e := newTagEnv(t)
	e.member("m1", "joe@example.com", unknownCard)
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	problem := e.applyOK("member:m1", 3)
	if !strings.Contains(problem, unknownCard) || !strings.Contains(problem, "not a tag") {
		t.Fatalf("problem = %q, want the unknown card", problem)
	}
	if !e.inGroup(groupA, "joe@example.com") {
		t.Fatal("groups not applied")
	}
	e.wantOneTagError("member:m1", unknownCard, problem)

	e.member("m1", "joe@example.com", tagNumber) // the platform corrects the card
	if p := e.applyOK("member:m1", 1); p != "" || e.problem("member:m1") != "" {
		t.Fatalf("problem after the fix = %q, want none", p)
	}
	if e.holder(london, tagID) != e.userID("joe@example.com") {
		t.Fatal("the corrected card is not assigned")
	}
}

// Every access card is assigned, each on the site that knows it; a site
// that knows two of them gives the user the first (Salto KS holds one tag
// per user there) and the other is a problem.
func TestEveryAccessCardIsAssigned(t *testing.T) {
	e := newTagEnv(t)
	if _, _, err := e.writer().Mapping(e.ctx, org, store.Mapping{Kind: "plans", RefID: "hot",
		Groups: []store.GroupRef{{SiteID: london, GroupID: groupA}, {SiteID: paris, GroupID: groupParis}}}); err != nil {
		t.Fatal(err)
	}
	e.member("m1", "joe@example.com", tagNumber, parisNumber)
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	if p := e.applyOK("member:m1", 1); p != "" {
		t.Fatalf("problem = %q", p)
	}
	joe := e.userID("joe@example.com")
	if e.holder(london, tagID) != joe || e.holder(paris, parisTagID) != joe {
		t.Fatalf("holders: London %q, Paris %q; want both cards assigned to %s",
			e.holder(london, tagID), e.holder(paris, parisTagID), joe)
	}

	e.member("m1", "joe@example.com", tagNumber, parisNumber, tag2Number)
	problem := e.applyOK("member:m1", 2)
	if !strings.Contains(problem, tag2Number) || !strings.Contains(problem, "one tag") {
		t.Fatalf("problem = %q, want the second London card named", problem)
	}
	if e.holder(london, tagID) != joe || e.holder(london, tag2ID) != "" || e.holder(paris, parisTagID) != joe {
		t.Fatal("the cards already assigned changed")
	}
	e.wantOneTagError("member:m1", tag2Number, problem)
}

// A card taken away is unassigned only when doorsync assigned its tag and
// the user still holds it: a tag an operator gave by hand stays.
func TestRemovedCardIsUnassignedOnlyIfDoorsyncAssignedIt(t *testing.T) {
	e := newTagEnv(t)
	e.member("m1", "joe@example.com", tagNumber)
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	e.applyOK("member:m1", 1)
	joe := e.userID("joe@example.com")
	if e.holder(london, tagID) != joe {
		t.Fatal("card not assigned")
	}
	e.member("m1", "joe@example.com", tag2Number) // the assigned card is replaced
	e.applyOK("member:m1", 1)
	if e.holder(london, tagID) != "" || e.holder(london, tag2ID) != joe {
		t.Fatalf("holders after the first card went: %q, %q; want it free and the second card assigned",
			e.holder(london, tagID), e.holder(london, tag2ID))
	}

	if err := e.fake.SetTagDirect(london, joe, tagID); err != nil { // an operator swaps it by hand
		t.Fatal(err)
	}
	e.member("m1", "joe@example.com") // no card left
	if p := e.applyOK("member:m1", 2); p != "" {
		t.Fatalf("problem = %q", p)
	}
	if e.holder(london, tagID) != joe {
		t.Fatal("doorsync unassigned a tag given by hand")
	}
	got := e.tagEntries("member:m1")
	if n := len(got); n != 2 || got[0].Action != "assign_tag" || got[1].Action != "assign_tag" {
		t.Fatalf("tag entries = %+v, want the two assignments only", got)
	}
}

// An adopted user's own tag is never replaced or unassigned, even when it
// is one of the member's cards and the card is later taken away.
func TestAdoptedUsersOwnTagIsNeverUnassigned(t *testing.T) {
	e := newTagEnv(t)
	e.member("staff", "staff@example.com", staffNumber)
	e.membership("ms1", "staff", "hot", time.Now().Add(-time.Hour), nil)
	if p := e.applyOK("member:staff", 1); p != "" {
		t.Fatalf("problem = %q, want none: they hold their card", p)
	}
	e.member("staff", "staff@example.com")
	e.applyOK("member:staff", 1)
	if e.holder(london, staffTagID) != staffUser {
		t.Fatal("doorsync unassigned the adopted user's own tag")
	}

	e.member("staff", "staff@example.com", tagNumber)
	problem := e.applyOK("member:staff", 2)
	if !strings.Contains(problem, tagNumber) || !strings.Contains(problem, "did not assign") {
		t.Fatalf("problem = %q, want the card not assigned over their own tag", problem)
	}
	if e.holder(london, staffTagID) != staffUser || e.holder(london, tagID) != "" {
		t.Fatal("doorsync replaced the adopted user's own tag")
	}
	e.wantOneTagError("member:staff", tagNumber, problem)
	if got := e.tagEntries("member:staff"); len(got) != 1 {
		t.Fatalf("tag entries = %+v, want only the error", got)
	}
}

// Under no_access_policy "suspend", a member with no access left loses the
// tags doorsync assigned, not their own; they get them back with access.
func TestSuspendPolicyUnassignsOnlyDoorsyncsTags(t *testing.T) {
	e := newTagEnv(t)
	e.setPolicy("suspend")
	now := time.Now()
	e.member("m1", "joe@example.com", tagNumber)
	e.member("staff", "staff@example.com", staffNumber)
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	e.membership("ms2", "staff", "hot", now.Add(-time.Hour), nil)
	e.applyOK("member:m1", 1)
	e.applyOK("member:staff", 1)
	joe := e.userID("joe@example.com")

	ended := now.Add(-time.Minute)
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &ended)
	e.membership("ms2", "staff", "hot", now.Add(-time.Hour), &ended)
	e.applyOK("member:m1", 1)
	e.applyOK("member:staff", 1)
	if e.holder(london, tagID) != "" {
		t.Fatal("the tag doorsync assigned stayed with a member who has no access left")
	}
	if e.holder(london, staffTagID) != staffUser {
		t.Fatal("doorsync unassigned an adopted user's own tag")
	}
	var got []string
	for _, a := range e.tagEntries("member:m1") {
		got = append(got, a.Action+" "+a.Result)
	}
	if !slices.Equal(got, []string{"assign_tag ok", "unassign_tag ok"}) {
		t.Fatalf("tag entries = %v", got)
	}

	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	e.applyOK("member:m1", 1)
	if e.holder(london, tagID) != joe {
		t.Fatal("the tag did not come back with access")
	}
}

// A reconciliation hands every person with a problem back to their access
// workflow: a tag given back in Salto KS is then assigned and the problem
// clears, with no change on the platform.
func TestReconciliationLooksAgainAtProblems(t *testing.T) {
	e := newTagEnv(t)
	e.member("m1", "ann@example.com", heldNumber)
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	if p := e.applyOK("member:m1", 1); p == "" {
		t.Fatal("want the held card as a problem")
	}
	if err := e.fake.SetTagDirect(london, otherUser, ""); err != nil {
		t.Fatal(err)
	}
	e.drainPokes()
	if _, err := e.acts.ReconcileOrg(e.ctx, contract.ReconcileOrgInput{OrgID: org, RunID: "run1", Trigger: "manual"}); err != nil {
		t.Fatal(err)
	}
	if got := e.drainPokes(); !slices.Contains(got, "member:m1") {
		t.Fatalf("reconcile poked %v, want the person with a problem", got)
	}
	if p := e.applyOK("member:m1", 1); p != "" || e.holder(london, heldID) != annUser {
		t.Fatalf("after the poke: problem %q, holder %q", p, e.holder(london, heldID))
	}
}

// drainPokes claims and deletes every queued poke, returning their targets.
func (e *env) drainPokes() []string {
	e.t.Helper()
	pokes, err := e.st.ClaimPokes(e.ctx, nil, 1000, time.Minute)
	if err != nil {
		e.t.Fatal(err)
	}
	var targets []string
	var ids []int64
	for _, p := range pokes {
		targets = append(targets, p.Target)
		ids = append(ids, p.ID)
	}
	if err := e.st.DeletePokes(e.ctx, ids); err != nil {
		e.t.Fatal(err)
	}
	return targets
}

// A member without access cards whom doorsync gave no tag has nothing to
// place or take back: applying their access does not read their Salto KS
// user for it. Given a card, the user is read and the card assigned.
func TestCardlessMemberIsNotReadForTags(t *testing.T) {
	e := newTagEnv(t)
	const getUser = "GET /v1.2/sites/{site_id}/users/{site_user_id}"
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	e.fake.ResetRequests()
	e.applyOK("member:m1", 2)
	if n := e.fake.Requests()[getUser]; n != 0 {
		t.Errorf("%d reads of the cardless member's user, want none", n)
	}
	e.member("m1", "joe@example.com", tagNumber)
	e.applyOK("member:m1", 1)
	if n := e.fake.Requests()[getUser]; n == 0 || e.holder(london, tagID) != e.userID("joe@example.com") {
		t.Errorf("given a card: %d reads, holder %q; want the user read and the card assigned", n, e.holder(london, tagID))
	}
}
