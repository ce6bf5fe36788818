package activities_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/saltoks/saltokstest"
	"doorsync/store"
)

func (e *env) apply(person string) contract.ApplyAccessResult {
	e.t.Helper()
	res, err := e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: person})
	if err != nil {
		e.t.Fatalf("ApplyAccess(%s): %v", person, err)
	}
	return res
}

func TestApplyGrantsIsIdempotentAndRevokes(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)

	res := e.apply("member:m1")
	if res.Added != 1 || res.Removed != 0 || res.Problem != "" {
		t.Fatalf("first apply = %+v", res)
	}
	if !e.inGroup(groupA, "joe@example.com") {
		t.Fatal("member not in the plan's group")
	}
	if got := actions(e.audit("member:m1")); !slices.Equal(got, []string{"create_user", "add"}) {
		t.Fatalf("audit = %v", got)
	}
	add := e.audit("member:m1")[0]
	var reasons []access.Reason
	json.Unmarshal(add.Reason, &reasons)
	if add.Trigger != "realtime" || len(reasons) != 1 || reasons[0].Kind != "membership" || reasons[0].ID != "ms1" ||
		reasons[0].Via != "plan" || reasons[0].Ref != "hot" {
		t.Fatalf("add audit = %+v, reasons %+v", add, reasons)
	}

	before := e.fake.Requests()
	if res := e.apply("member:m1"); res.Added != 0 || res.Removed != 0 {
		t.Fatalf("repeat apply = %+v", res)
	}
	if writes := salToWrites(before, e.fake.Requests()); writes != 0 {
		t.Fatalf("repeat apply made %d Salto KS writes", writes)
	}

	ended := now.Add(-time.Minute)
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &ended)
	if res := e.apply("member:m1"); res.Removed != 1 {
		t.Fatalf("apply after end = %+v", res)
	}
	if e.inGroup(groupA, "joe@example.com") {
		t.Fatal("member still in the group after the membership ended")
	}
	if got := actions(e.audit("member:m1")); !slices.Equal(got, []string{"create_user", "add", "remove"}) {
		t.Fatalf("audit = %v", got)
	}
	if n := len(e.fake.SiteUsers(london)); n != 2 {
		t.Errorf("site users = %d, want 2: doorsync never deletes users", n)
	}
}

func TestFutureMembershipReportsNextChange(t *testing.T) {
	e := newEnv(t)
	start := time.Now().Add(2 * time.Hour).Truncate(time.Second)
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", start, nil)
	res := e.apply("member:m1")
	if res.Added != 0 || !res.NextChange.Equal(start) {
		t.Fatalf("apply before start = %+v, want nothing added and next change %v", res, start)
	}
	if e.userID("joe@example.com") != "" {
		t.Fatal("a person was created in Salto KS before their first window opened")
	}
	// Evaluated at the start instant (a poke's At), access is granted even
	// though the clock is behind.
	res, err := e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: "member:m1", At: start})
	if err != nil || res.Added != 1 {
		t.Fatalf("apply at start = %+v, %v", res, err)
	}
}

func TestExistingSaltoUserIsAdoptedNotInvited(t *testing.T) {
	e := newEnv(t)
	e.member("m1", "staff@example.com") // seeded in the fake with this e-mail
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	e.mapTo("plans", "hot", groupA, groupB)
	e.apply("member:m1")
	if got := actions(e.audit("member:m1")); got[0] != "adopt_user" {
		t.Fatalf("audit = %v, want adopt_user first", got)
	}
	if n := len(e.fake.SiteUsers(london)); n != 1 {
		t.Fatalf("site users = %d, want the one seeded (no duplicate)", n)
	}
	for _, m := range e.fake.Emails() {
		if strings.EqualFold(m.To, "staff@example.com") {
			t.Fatalf("an invitation was sent to an adopted user: %+v", m)
		}
	}
	if !e.inGroup(groupB, "staff@example.com") {
		t.Fatal("adopted user not added")
	}
}

func TestAccessCardsBecomeTags(t *testing.T) {
	e := newEnv(t)
	e.member("m1", "joe@example.com", tagNumber)
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	e.apply("member:m1")
	if got := e.userTag("joe@example.com"); got != tagID {
		t.Fatalf("tag = %q, want %q", got, tagID)
	}
	e.member("m1", "joe@example.com") // card taken away
	e.apply("member:m1")
	if got := e.userTag("joe@example.com"); got != "" {
		t.Fatalf("tag after removing the card = %q, want none", got)
	}
	if got := actions(e.audit("member:m1")); !slices.Equal(got, []string{"create_user", "add", "assign_tag", "unassign_tag"}) {
		t.Fatalf("audit = %v", got)
	}
}

// userTag is the id of the tag the fake says email's user holds.
func (e *env) userTag(email string) string {
	uid := e.userID(email)
	for _, tag := range e.fake.State().Sites[0].Tags {
		if uid != "" && tag.UserID == uid {
			return tag.ID
		}
	}
	return ""
}

func TestNoSeatsLeftIsAProblemNotAnError(t *testing.T) {
	e := newEnv(t)
	if err := e.fake.SetSeats(london, 1); err != nil { // the seeded staff user holds it
		t.Fatal(err)
	}
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	res := e.apply("member:m1")
	if !strings.Contains(res.Problem, "no seats") || res.Added != 0 {
		t.Fatalf("apply on a full site = %+v", res)
	}
	if p, _ := e.st.PersonProblem(e.ctx, org, "member:m1"); !strings.Contains(p, "no seats") {
		t.Fatalf("problem not recorded on the person: %q", p)
	}
	e.fake.SetSeats(london, 10)
	// Still suspended in Salto KS: the problem stays until an operator frees
	// seats and resubscribes the user (or reconciliation does).
	if res := e.apply("member:m1"); res.Problem == "" {
		t.Fatalf("suspended user reported as fine: %+v", res)
	}
}

func TestSaltoFailuresAreRetryableAndHonourRetryAfter(t *testing.T) {
	e := newEnv(t)
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	e.fault(saltokstest.Fault{Method: "POST", RoutePattern: "/v1.2/sites/{site_id}/access_groups/{group_id}/users",
		Status: 429, ErrorCode: "429", Message: "slow down", RetryAfter: 7 * time.Second, Times: 100})
	_, err := e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: "member:m1"})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.NextRetryDelay() != 7*time.Second {
		t.Fatalf("429 error = %v, want an application error retrying after 7s", err)
	}
	e.fake.ClearFaults()
	e.fault(saltokstest.Fault{RoutePattern: "/v1.2/sites/{site_id}/access_groups/{group_id}/users", Status: 503, Times: 100})
	if _, err := e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: "member:m1"}); err == nil {
		t.Fatal("503 from Salto KS was not returned for a retry")
	}
	e.fake.ClearFaults()
	if res := e.apply("member:m1"); res.Added != 1 {
		t.Fatalf("apply after the outage = %+v", res)
	}
	if got := actions(e.audit("member:m1")); !slices.Equal(got, []string{"create_user", "add"}) {
		t.Fatalf("audit after retries = %v (the user must be created once)", got)
	}
}

func TestSameGroupFromTwoSourcesStaysWhenOneEnds(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	e.put("plan", "office", access.MembershipPlan{ID: "office"})
	e.mapTo("plans", "office", groupA)
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	e.membership("ms2", "m1", "office", now.Add(-time.Hour), nil)
	e.apply("member:m1")
	ended := now.Add(-time.Minute)
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &ended)
	if res := e.apply("member:m1"); res.Removed != 0 {
		t.Fatalf("apply after one source ended = %+v", res)
	}
	if !e.inGroup(groupA, "joe@example.com") {
		t.Fatal("group lost although another source still grants it")
	}
}

func TestLoadLifecycle(t *testing.T) {
	e := newEnv(t)
	start := time.Now().Add(time.Hour).Truncate(time.Second)
	end := start.Add(time.Hour)
	e.member("m1", "joe@example.com")
	e.put("resource", "room1", access.Resource{ID: "room1", Kind: "bookable", LocationID: "loc1"})
	e.mapTo("resources", "room1", groupB)
	e.put("booking", "b1", access.Booking{ID: "b1", ResourceID: "room1", MemberID: "m1", StartsAt: start, EndsAt: end,
		Guests: []access.Contact{{Email: "Guest@Example.com"}}})
	res, err := e.acts.LoadLifecycle(e.ctx, contract.LoadLifecycleInput{OrgID: org, Kind: "booking", EntityID: "b1"})
	if err != nil {
		t.Fatal(err)
	}
	guest := e.acts.Guests.WorkflowKey("guest:guest@example.com")
	want := []string{guest, "member:m1"}
	slices.Sort(want)
	if !res.Exists || !res.Changed || !slices.Equal(res.Persons, want) || !res.NextChange.Equal(start.Add(-15*time.Minute)) {
		t.Fatalf("LoadLifecycle = %+v, want persons %v and next change 15m before start", res, want)
	}
	if strings.Contains(fmt.Sprint(res), "@") {
		t.Fatalf("LoadLifecycle = %+v names a guest by e-mail", res)
	}
	// the way back: poking the persons reaches the guest's store key
	if err := e.acts.PokePersons(e.ctx, contract.PokePersonsInput{OrgID: org, Persons: res.Persons}); err != nil {
		t.Fatal(err)
	}
	pokes, err := e.st.ClaimPokes(e.ctx, nil, 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, p := range pokes {
		if p.Kind == store.PokeAccess {
			targets = append(targets, p.Target)
		}
	}
	slices.Sort(targets)
	if wantTargets := []string{"guest:guest@example.com", "member:m1"}; !slices.Equal(targets, wantTargets) {
		t.Fatalf("PokePersons queued %v, want %v", targets, wantTargets)
	}
	res, _ = e.acts.LoadLifecycle(e.ctx, contract.LoadLifecycleInput{OrgID: org, Kind: "booking", EntityID: "b1",
		Since: end.Add(14 * time.Minute), At: end.Add(15 * time.Minute)})
	if !res.Changed || !res.NextChange.IsZero() {
		t.Fatalf("across end+buffer: %+v, want changed and nothing ahead", res)
	}
	res, _ = e.acts.LoadLifecycle(e.ctx, contract.LoadLifecycleInput{OrgID: org, Kind: "booking", EntityID: "b1",
		Since: end.Add(15 * time.Minute), At: end.Add(time.Hour)})
	if res.Changed {
		t.Fatalf("after end+buffer: %+v, want nothing changed", res)
	}
	res, _ = e.acts.LoadLifecycle(e.ctx, contract.LoadLifecycleInput{OrgID: org, Kind: "booking", EntityID: "missing"})
	if res.Exists {
		t.Fatal("a missing booking exists")
	}
}

// salToWrites counts Salto KS writes (non-GET Connect API requests)
// between two request snapshots.
func salToWrites(before, after map[string]int) int {
	n := 0
	for route, count := range after {
		if strings.HasPrefix(route, "GET ") || strings.Contains(route, "/connect/") {
			continue
		}
		n += count - before[route]
	}
	return n
}

// A Salto KS user deleted by hand is forgotten and created again, instead
// of being retried forever with a user id Salto KS no longer knows.
func TestDeletedSaltoUserIsCreatedAgain(t *testing.T) {
	e := newEnv(t)
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	e.apply("member:m1")
	ids, _ := e.st.SaltoIdentities(e.ctx, org, "member:m1")
	client, _ := e.acts.Salto.Client(e.ctx, org)
	if err := client.DeleteUser(e.ctx, london, ids[0].SiteUserID); err != nil {
		t.Fatal(err)
	}
	e.mapTo("plans", "hot", groupA, groupB) // something new to add
	if _, err := e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: "member:m1"}); err == nil {
		t.Fatal("adding a deleted user succeeded")
	}
	if res := e.apply("member:m1"); res.Added != 2 {
		t.Fatalf("apply after the user was forgotten = %+v, want both groups added", res)
	}
	if !e.inGroup(groupA, "joe@example.com") || !e.inGroup(groupB, "joe@example.com") {
		t.Fatal("the re-created user is not in its groups")
	}
}
