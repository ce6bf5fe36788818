package e2e_test

import (
	"slices"
	"testing"
	"time"
)

// A location re-PUT on another Salto KS site takes back what its mappings
// granted on the old site, and grants nothing on the new one until a
// mapping names a group there.
func TestLocationMovedToAnotherSiteRevokesItsMappingsGroup(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.put("/plans/bare", map[string]any{"name": "No mapping"})
	s.put("/resources/desk1", map[string]any{"kind": "assignable", "name": "Desk 1", "location_id": "lon"})
	s.mapGroups("locations", "lon", gFront)
	s.put("/members/m1", member("m1", "joe@example.com"))
	s.put("/memberships/desk", map[string]any{"plan_id": "bare", "member_id": "m1", "resource_id": "desk1",
		"starts_at": rfc(time.Now().Add(-time.Hour))})
	s.waitIn(gFront, "joe@example.com")

	s.put("/locations/lon", map[string]any{"name": "London", "time_zone": "Europe/London", "salto_site_id": paris})
	s.waitOut(gFront, "joe@example.com")
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if users := s.fake.SiteUsers(paris); len(users) != 0 || len(s.fake.GroupMembers(paris, gParis)) != 0 {
			t.Fatalf("the Paris site got users %v, group members %v", users, s.fake.GroupMembers(paris, gParis))
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A mapping naming a group on the new site grants it there.
	s.put("/mappings/locations/lon", map[string]any{"access_groups": []map[string]string{{"site_id": paris, "group_id": gParis}}})
	s.eventually(60*time.Second, "joe@example.com added to the Paris front door", func() bool {
		for _, u := range s.fake.SiteUsers(paris) {
			if u.Email == "joe@example.com" && slices.Contains(s.fake.GroupMembers(paris, gParis), u.UserID) {
				return true
			}
		}
		return false
	})
	s.stays(time.Second, gFront, "joe@example.com", false)
}
