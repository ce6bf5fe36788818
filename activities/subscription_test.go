package activities_test

import (
	"slices"
	"testing"
	"time"

	"doorsync/contract"
	"doorsync/saltoks"
	"doorsync/store"
)

// changeSettings changes the org's settings with change.
func (e *env) changeSettings(change func(*store.OrgSettings)) {
	e.t.Helper()
	o, err := e.st.GetOrg(e.ctx, org)
	if err != nil {
		e.t.Fatal(err)
	}
	change(&o.Settings)
	if _, _, err := e.st.PutOrg(e.ctx, o); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) setPolicy(policy string) {
	e.t.Helper()
	e.changeSettings(func(s *store.OrgSettings) { s.NoAccessPolicy = policy })
}

func (e *env) subscription(email string) string {
	for _, u := range e.fake.SiteUsers(london) {
		if u.Email == email {
			return u.SubscriptionState
		}
	}
	return ""
}

// With no_access_policy "suspend", a user doorsync created is suspended
// once they have no access left and resubscribed when access returns; a
// user doorsync adopted is never suspended.
func TestSuspendPolicy(t *testing.T) {
	e := newEnv(t)
	e.setPolicy("suspend")
	now := time.Now()
	e.member("m1", "joe@example.com")
	e.member("staff", "staff@example.com") // adopted, not created
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	e.membership("ms2", "staff", "hot", now.Add(-time.Hour), nil)
	e.apply("member:m1")
	e.apply("member:staff")

	ended := now.Add(-time.Minute)
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &ended)
	e.membership("ms2", "staff", "hot", now.Add(-time.Hour), &ended)
	e.apply("member:m1")
	e.apply("member:staff")
	// The user is suspended, not deleted: the fake still lists them.
	if got := e.subscription("joe@example.com"); got != saltoks.SubscriptionSuspended {
		t.Fatalf("created user without access: subscription %q, want suspended", got)
	}
	if got := e.subscription("staff@example.com"); got != saltoks.SubscriptionSubscribed {
		t.Fatalf("adopted user: subscription %q, want it left subscribed", got)
	}

	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	if res := e.apply("member:m1"); res.Added != 1 || res.Problem != "" {
		t.Fatalf("apply when access returns = %+v", res)
	}
	if got := e.subscription("joe@example.com"); got != saltoks.SubscriptionSubscribed {
		t.Fatalf("subscription after access returned = %q", got)
	}
	got := actions(e.audit("member:m1"))
	want := []string{"create_user", "add", "remove", "suspend_user", "suspend_user", "add"}
	if !slices.Equal(got, want) {
		t.Fatalf("audit = %v, want %v", got, want)
	}

	// With "keep", nothing happens to the user.
	e.setPolicy("keep")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &ended)
	e.apply("member:m1")
	if got := e.subscription("joe@example.com"); got != saltoks.SubscriptionSubscribed {
		t.Fatalf("with keep: subscription %q, want subscribed", got)
	}
}

func (e *env) setGuard(g store.RemovalGuard) {
	e.t.Helper()
	e.changeSettings(func(s *store.OrgSettings) { s.RemovalGuard = g })
}

// pendingHold is the group's pending hold (fatal if none).
func (e *env) pendingHold(group string) store.Hold {
	e.t.Helper()
	h, err := e.st.PendingHold(e.ctx, org, london, group)
	if err != nil {
		e.t.Fatalf("pending hold of %s: %v", group, err)
	}
	return h
}

// Under no_access_policy "suspend", a person whose removal the
// mass-removal guard holds keeps their user (and group) until the hold is
// approved and the removal made: suspending them would revoke behind the
// guard's back. Approved, the removal is made and the user suspended.
func TestSuspendPolicyRespectsTheGuard(t *testing.T) {
	e := newEnv(t)
	e.setPolicy("suspend")
	e.setGuard(store.RemovalGuard{MaxFraction: 0.2, MinCount: 1}) // any removal trips it
	now := time.Now()
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	e.apply("member:m1")

	ended := now.Add(-time.Minute)
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &ended)
	if res := e.apply("member:m1"); res.Removed != 0 {
		t.Fatalf("apply with the removal held = %+v", res)
	}
	hold := e.pendingHold(groupA)
	if !e.inGroup(groupA, "joe@example.com") {
		t.Fatal("the held removal was made")
	}
	if got := e.subscription("joe@example.com"); got != saltoks.SubscriptionSubscribed {
		t.Fatalf("held person: subscription %q, want still subscribed", got)
	}
	e.apply("member:m1") // again, still held: nothing changes
	if got := e.subscription("joe@example.com"); got != saltoks.SubscriptionSubscribed {
		t.Fatalf("held person, second apply: subscription %q", got)
	}

	if _, err := e.st.DecideHold(e.ctx, org, hold.ID, store.HoldDecision{Status: store.HoldApproved, Actor: "admin"}); err != nil {
		t.Fatal(err)
	}
	if res := e.apply("member:m1"); res.Removed != 1 {
		t.Fatalf("apply after approval = %+v", res)
	}
	if e.inGroup(groupA, "joe@example.com") {
		t.Fatal("still in the group after approval")
	}
	if got := e.subscription("joe@example.com"); got != saltoks.SubscriptionSuspended {
		t.Fatalf("after the approved removal: subscription %q, want suspended", got)
	}
	got := actions(e.audit("member:m1"))
	want := []string{"create_user", "add", "remove", "remove", "suspend_user"} // held, then made
	if !slices.Equal(got, want) {
		t.Fatalf("audit = %v, want %v", got, want)
	}
}

// An approved hold applied by ApplyHold pokes the persons it removed when
// the org suspends users left without access, so their workflows suspend.
func TestApplyHoldPokesRemovedPersonsToSuspend(t *testing.T) {
	e := newEnv(t)
	e.setPolicy("suspend")
	e.setGuard(store.RemovalGuard{MaxFraction: 0.2, MinCount: 1})
	now := time.Now()
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	e.apply("member:m1")
	ended := now.Add(-time.Minute)
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &ended)
	e.apply("member:m1")
	hold := e.pendingHold(groupA)
	if _, err := e.st.DecideHold(e.ctx, org, hold.ID, store.HoldDecision{Status: store.HoldApproved, Actor: "admin"}); err != nil {
		t.Fatal(err)
	}
	before, err := e.st.PendingPokes(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.acts.ApplyHold(e.ctx, contract.ApplyHoldInput{OrgID: org, HoldID: hold.ID})
	if err != nil || res.Removed != 1 {
		t.Fatalf("ApplyHold = %+v, %v", res, err)
	}
	after, err := e.st.PendingPokes(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before+1 {
		t.Fatalf("pokes queued by ApplyHold = %d, want 1", after-before)
	}
	e.apply("member:m1") // what the poke runs
	if got := e.subscription("joe@example.com"); got != saltoks.SubscriptionSuspended {
		t.Fatalf("after the hold was applied: subscription %q, want suspended", got)
	}
}
