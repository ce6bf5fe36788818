package e2e_test

import (
	"testing"
	"time"
)

// 1. An active membership on a mapped plan puts the member in the plan's
// groups; moving ends_at into the past or DELETE removes them; a future
// membership adds them only when it starts.
func TestMembershipLifecycle(t *testing.T) {
	s := newStack(t, stackOptions{})
	now := time.Now()
	s.put("/members/m1", member("m1", "joe@example.com"))
	s.put("/memberships/ms1", map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": rfc(now.Add(-time.Hour))})
	s.waitIn(gMembers, "joe@example.com")

	s.put("/memberships/ms1", map[string]any{"plan_id": "hot", "member_id": "m1",
		"starts_at": rfc(now.Add(-time.Hour)), "ends_at": rfc(now.Add(-time.Minute))})
	s.waitOut(gMembers, "joe@example.com")

	s.put("/memberships/ms1", map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": rfc(now.Add(-time.Hour))})
	s.waitIn(gMembers, "joe@example.com")
	s.del("/memberships/ms1")
	s.waitOut(gMembers, "joe@example.com")

	start := time.Now().Add(3 * time.Second)
	s.put("/members/m2", member("m2", "ann@example.com"))
	s.put("/memberships/ms2", map[string]any{"plan_id": "hot", "member_id": "m2", "starts_at": rfc(start)})
	s.stays(time.Until(start)-300*time.Millisecond, gMembers, "ann@example.com", false)
	s.waitIn(gMembers, "ann@example.com")
	if s.userID("ann@example.com") == "" {
		t.Fatal("no Salto KS user for the member")
	}
}

// 2. A team membership without member reaches every team member, including
// one who joins the team later, and not one who leaves.
func TestTeamMembership(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.put("/teams/t1", map[string]any{"name": "Acme Ltd"})
	s.put("/members/a", member("a", "a@example.com", map[string]any{"team_id": "t1"}))
	s.put("/members/b", member("b", "b@example.com", map[string]any{"team_id": "t1"}))
	s.put("/memberships/team", map[string]any{"plan_id": "hot", "team_id": "t1", "starts_at": rfc(time.Now().Add(-time.Hour))})
	s.waitIn(gMembers, "a@example.com")
	s.waitIn(gMembers, "b@example.com")

	s.put("/members/c", member("c", "c@example.com", map[string]any{"team_id": "t1"}))
	s.waitIn(gMembers, "c@example.com")
	s.put("/members/b", member("b", "b@example.com"))
	s.waitOut(gMembers, "b@example.com")
	s.stays(time.Second, gMembers, "a@example.com", true)
}

// 3. A co-member gets the primary member's groups.
func TestCoMember(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.put("/members/p", member("p", "primary@example.com"))
	s.put("/members/co", member("co", "co@example.com", map[string]any{"primary_member_id": "p"}))
	s.put("/memberships/ms", map[string]any{"plan_id": "hot", "member_id": "p", "starts_at": rfc(time.Now().Add(-time.Hour))})
	s.waitIn(gMembers, "primary@example.com")
	s.waitIn(gMembers, "co@example.com")
	s.del("/memberships/ms")
	s.waitOut(gMembers, "co@example.com")
}

// 4. Location, floor and desk mappings apply to a membership assigned to
// the desk; 7. the same group granted by two sources stays when one ends.
func TestDeskMappingsAndOverlappingSources(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.put("/floors/f1", map[string]any{"location_id": "lon", "name": "First"})
	s.put("/resources/desk1", map[string]any{"kind": "assignable", "name": "Desk 1", "location_id": "lon", "floor_id": "f1"})
	s.mapGroups("locations", "lon", gFront)
	s.mapGroups("floors", "f1", gFloor)
	s.mapGroups("resources", "desk1", gDesk)
	s.put("/plans/office", map[string]any{"name": "Office"})
	s.mapGroups("plans", "office", gFront)

	s.put("/members/m1", member("m1", "joe@example.com"))
	s.put("/memberships/desk", map[string]any{"plan_id": "hot", "member_id": "m1", "resource_id": "desk1",
		"starts_at": rfc(time.Now().Add(-time.Hour))})
	s.put("/memberships/office", map[string]any{"plan_id": "office", "member_id": "m1", "starts_at": rfc(time.Now().Add(-time.Hour))})
	for _, g := range []string{gMembers, gFront, gFloor, gDesk} {
		s.waitIn(g, "joe@example.com")
	}
	s.del("/memberships/desk")
	for _, g := range []string{gMembers, gFloor, gDesk} {
		s.waitOut(g, "joe@example.com")
	}
	s.stays(time.Second, gFront, "joe@example.com", true)

	// Removing a group from a mapping revokes it.
	s.mapGroups("plans", "office")
	s.waitOut(gFront, "joe@example.com")
}
