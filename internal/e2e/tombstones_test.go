package e2e_test

import (
	"testing"
	"time"
)

// A membership's PUT re-delivered after its DELETE (platforms retry
// webhooks and deliver them out of order) is refused and grants nothing:
// the member stays out of the group.
func TestLateWriteAfterDeleteGrantsNothing(t *testing.T) {
	s := newStack(t, stackOptions{})
	ms := map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": rfc(time.Now().Add(-time.Hour)), "version": 1}
	s.put("/members/m1", member("m1", "joe@example.com"))
	s.put("/memberships/ms1", ms)
	s.waitIn(gMembers, "joe@example.com")
	s.del("/memberships/ms1")
	s.waitOut(gMembers, "joe@example.com")

	if status, raw := s.do("PUT", s.orgPath()+"/memberships/ms1", s.key, ms); status != 409 {
		t.Errorf("late PUT v1 = %d, want 409: %s", status, raw)
	}
	s.stays(3*time.Second, gMembers, "joe@example.com", false)
}
