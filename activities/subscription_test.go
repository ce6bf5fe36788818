package activities_test

import (
	"slices"
	"testing"
	"time"

	"doorsync/saltoks"
)

func (e *env) setPolicy(policy string) {
	e.t.Helper()
	org, err := e.st.GetOrg(e.ctx, org)
	if err != nil {
		e.t.Fatal(err)
	}
	org.Settings.NoAccessPolicy = policy
	if _, _, err := e.st.PutOrg(e.ctx, org); err != nil {
		e.t.Fatal(err)
	}
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
