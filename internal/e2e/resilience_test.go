package e2e_test

import (
	"strings"
	"testing"
	"time"

	"doorsync/internal/testenv"
	"doorsync/saltoks/saltokstest"
)

// 8. A member who already exists in Salto KS (seeded with the same e-mail)
// is adopted, not duplicated; access cards are assigned as tags.
func TestAdoptionAndTags(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.mapGroups("plans", "hot", gMembers, gFront)
	s.put("/members/staff", member("staff", "Staff@Example.com", map[string]any{"access_cards": []string{"04A1B2C3"}}))
	s.put("/memberships/ms", map[string]any{"plan_id": "hot", "member_id": "staff", "starts_at": rfc(time.Now().Add(-time.Hour))})
	s.waitIn(gFront, "staff@example.com")
	if n := len(s.fake.SiteUsers(london)); n != 1 {
		t.Fatalf("site users = %d, want 1: the seeded user adopted, not duplicated", n)
	}
	if s.userID("staff@example.com") != staffUser {
		t.Fatal("adopted a different user")
	}
	s.eventually(10*time.Second, "tag assigned", func() bool {
		for _, tag := range s.fake.State().Sites[0].Tags {
			if tag.ID == tag1 && tag.UserID == staffUser {
				return true
			}
		}
		return false
	})
	// Explain, and so the console's person page, names the tag.
	s.eventually(10*time.Second, "the tag in explain", func() bool {
		return containsJSON(s.call(200, "GET", s.orgPath()+"/members/staff/access", s.key, nil), `"tag_number":"04A1B2C3"`)
	})
	for _, e := range s.fake.Emails() {
		if strings.EqualFold(e.To, "staff@example.com") {
			t.Fatalf("an adopted user was sent an invitation: %+v", e)
		}
	}
}

// 9. Salto KS returning 503 or 429 for a while delays but never loses an add
// or a remove.
func TestSaltoOutageDelaysButNeverLoses(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.put("/members/m1", member("m1", "joe@example.com"))
	groupUsers := "/v1.2/sites/{site_id}/access_groups/{group_id}/users"
	s.fake.AddFault(saltokstest.Fault{RoutePattern: groupUsers, Method: "POST", Status: 503, ErrorCode: "503", Message: "down", Times: 3})
	s.put("/memberships/ms", map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": rfc(time.Now().Add(-time.Hour))})
	s.eventually(30*time.Second, "added after three 503s", func() bool { return s.inGroup(gMembers, "joe@example.com") })

	s.fake.AddFault(saltokstest.Fault{RoutePattern: "/v1.2/sites/{site_id}/access_groups/{group_id}/users/{user_id}",
		Method: "DELETE", Status: 429, ErrorCode: "429", Message: "slow down", RetryAfter: time.Second, Times: 2})
	s.del("/memberships/ms")
	s.eventually(30*time.Second, "removed after two 429s", func() bool { return !s.inGroup(gMembers, "joe@example.com") })
	if faults := s.fake.Faults(); len(faults) != 0 {
		t.Fatalf("faults not all consumed: %+v", faults)
	}
}

// 9. A worker stopped mid-way resumes on the next one.
func TestWorkerStoppedMidwayResumes(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.put("/members/m1", member("m1", "joe@example.com"))
	s.fake.AddFault(saltokstest.Fault{RoutePattern: "/v1.2/sites/{site_id}/access_groups/{group_id}/users", Method: "POST",
		Latency: 3 * time.Second, Times: 1})
	s.put("/memberships/ms", map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": rfc(time.Now().Add(-time.Hour))})
	s.eventually(10*time.Second, "user created", func() bool { return s.userID("joe@example.com") != "" })
	s.stopWorker() // while the group add hangs
	s.startWorker()
	s.waitIn(gMembers, "joe@example.com")
}

// 9. Stale and duplicate events change nothing.
func TestStaleAndDuplicateEvents(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.put("/members/m1", member("m1", "joe@example.com"))
	active := map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": rfc(time.Now().Add(-time.Hour)), "version": 2}
	s.put("/memberships/ms", active)
	s.waitIn(gMembers, "joe@example.com")

	ended := map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": rfc(time.Now().Add(-time.Hour)),
		"ends_at": rfc(time.Now().Add(-time.Minute)), "version": 1}
	s.call(409, "PUT", s.orgPath()+"/memberships/ms", s.key, ended)
	before := s.fake.Requests()
	s.call(200, "PUT", s.orgPath()+"/memberships/ms", s.key, active) // duplicate
	s.stays(2*time.Second, gMembers, "joe@example.com", true)
	if n := writes(before, s.fake.Requests()); n != 0 {
		t.Fatalf("stale and duplicate events made %d Salto KS writes", n)
	}
}

// A change accepted while Temporal is down is applied once it is back: the
// outbox keeps the poke.
func TestOutboxSurvivesTemporalOutage(t *testing.T) {
	srv := testenv.NewDevServer(t)
	s := newStack(t, stackOptions{server: srv})
	s.put("/members/m1", member("m1", "joe@example.com"))
	s.stopWorker()
	srv.Stop()
	s.put("/memberships/ms", map[string]any{"plan_id": "hot", "member_id": "m1", "starts_at": rfc(time.Now().Add(-time.Hour))})
	if n, _ := s.st.PendingPokes(s.ctx); n == 0 {
		t.Fatal("no poke waiting in the outbox while Temporal is down")
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	s.startWorker()
	s.eventually(60*time.Second, "applied after Temporal came back", func() bool { return s.inGroup(gMembers, "joe@example.com") })
}

func writes(before, after map[string]int) int {
	n := 0
	for route, count := range after {
		if !strings.HasPrefix(route, "GET ") && !strings.Contains(route, "/connect/") {
			n += count - before[route]
		}
	}
	return n
}
