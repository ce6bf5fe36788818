package activities_test

import (
	"slices"
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

// A guest whose e-mail is a member's shares the member's Salto KS user:
// when the guest's booking ends, the user stays in a group the member
// still holds, and only the guest's row goes, with its audit entry.
func TestAGuestSharingAMembersUserLeavesItInTheGroup(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	e.member("m2", "ann@example.com")
	e.put("resource", "room1", access.Resource{ID: "room1", Kind: "bookable", LocationID: "loc1"})
	e.mapTo("resources", "room1", groupA)
	booking := access.Booking{ID: "b1", ResourceID: "room1", MemberID: "m2", StartsAt: now.Add(-time.Hour),
		EndsAt: now.Add(time.Hour), Guests: []access.Contact{{Email: "joe@example.com", FirstName: "Joe"}}}
	e.put("booking", "b1", booking)
	if _, err := e.acts.LoadLifecycle(e.ctx, contract.LoadLifecycleInput{OrgID: org, Kind: access.KindBooking, EntityID: "b1"}); err != nil {
		t.Fatal(err) // names the guest to workflows
	}
	guest := e.acts.Guests.WorkflowKey("guest:joe@example.com")
	e.apply("member:m1")
	e.apply(guest)
	if rows := e.applied("guest:joe@example.com"); len(rows) != 1 || !rows[0].Confirmed || rows[0].UserID != e.userID("joe@example.com") {
		t.Fatalf("the guest's rows = %+v, want group A on the member's user", rows)
	}

	booking.StartsAt, booking.EndsAt = now.Add(-3*time.Hour), now.Add(-time.Hour) // past its buffers too
	e.put("booking", "b1", booking)
	if res := e.apply(guest); res.Removed != 1 {
		t.Fatalf("the guest's apply after the booking = %+v, want its row removed", res)
	}
	if !e.inGroup(groupA, "joe@example.com") {
		t.Fatal("the member's user left the group the member still holds")
	}
	if rows := e.applied("guest:joe@example.com"); len(rows) != 0 {
		t.Fatalf("the guest's rows = %+v, want none", rows)
	}
	if got := actions(e.audit("guest:joe@example.com")); !slices.Contains(got, "remove") {
		t.Fatalf("the guest's audit = %v, want its removal", got)
	}
	if rows := e.applied("member:m1"); len(rows) != 1 {
		t.Fatalf("the member's rows = %+v, want group A kept", rows)
	}
}
