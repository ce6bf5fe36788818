package activities_test

import (
	"strings"
	"testing"
	"time"

	"doorsync/access"
	"doorsync/contract"
)

// A guest reaches ApplyAccess by their workflow key, a hash of their
// e-mail; the activity finds the e-mail in the store, creates their Salto
// KS user with it and audits under it. An unknown key fails without
// naming anyone.
func TestApplyAccessOfAHashedGuest(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	e.member("m1", "joe@example.com")
	e.put("resource", "room1", access.Resource{ID: "room1", Kind: "bookable", LocationID: "loc1"})
	e.mapTo("resources", "room1", groupB)
	e.put("booking", "b1", access.Booking{ID: "b1", ResourceID: "room1", MemberID: "m1", StartsAt: now.Add(-time.Hour),
		EndsAt: now.Add(time.Hour), Guests: []access.Contact{{Email: "Gus@Example.com", FirstName: "Gus"}}})
	res, err := e.acts.LoadLifecycle(e.ctx, contract.LoadLifecycleInput{OrgID: org, Kind: "booking", EntityID: "b1"})
	if err != nil {
		t.Fatal(err)
	}
	key := e.acts.Guests.WorkflowKey("guest:gus@example.com")
	if !strings.HasPrefix(key, "guest:") || strings.Contains(key, "gus") || res.Persons[0] != key {
		t.Fatalf("workflow key %q, persons %v", key, res.Persons)
	}

	if got := e.apply(key); got.Added != 1 {
		t.Fatalf("ApplyAccess(%s) = %+v, want one group added", key, got)
	}
	if !e.inGroup(groupB, "Gus@Example.com") {
		t.Fatal("the guest is not in the room's group")
	}
	if got := actions(e.audit("guest:gus@example.com")); strings.Join(got, " ") != "create_user add" {
		t.Fatalf("audit of the guest by e-mail = %v", got)
	}

	unknown := e.acts.Guests.WorkflowKey("guest:nobody@example.com")
	_, err = e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: unknown})
	if err == nil || strings.Contains(err.Error(), "@") {
		t.Fatalf("ApplyAccess of an unknown guest key: %v", err)
	}
}
