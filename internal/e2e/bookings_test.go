package e2e_test

import (
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"doorsync/access"
	"doorsync/contract"
)

// 5. A booking adds booker and guests at start − before and removes them at
// end + after; rescheduling moves both; cancelling revokes now.
func TestBookingWindowWithGuests(t *testing.T) {
	s := newBookingStack(t)

	start := time.Now().Add(5 * time.Second)
	end := start.Add(2 * time.Second)
	booking := map[string]any{"resource_id": "room1", "member_id": "m1", "starts_at": rfc(start), "ends_at": rfc(end),
		"guests": []map[string]any{{"email": "guest@example.com", "first_name": "Gus", "last_name": "Guest"}}}
	s.put("/bookings/b1", booking)

	opens := start.Add(-2 * time.Second)
	s.stays(time.Until(opens)-300*time.Millisecond, gRoom, "booker@example.com", false)
	s.waitIn(gRoom, "booker@example.com")
	s.waitIn(gRoom, "guest@example.com")
	if late := time.Since(opens); late > 3*time.Second {
		t.Errorf("access opened %v after start − buffer", late)
	}
	closes := end.Add(2 * time.Second)
	s.stays(time.Until(closes)-300*time.Millisecond, gRoom, "guest@example.com", true)
	s.waitOut(gRoom, "guest@example.com")
	s.waitOut(gRoom, "booker@example.com")

	// Rescheduling into the window opens it now; cancelling revokes now.
	start = time.Now().Add(time.Second)
	booking["starts_at"], booking["ends_at"] = rfc(start), rfc(start.Add(time.Hour))
	s.put("/bookings/b1", booking)
	s.waitIn(gRoom, "guest@example.com")
	later := time.Now().Add(time.Hour)
	booking["starts_at"], booking["ends_at"] = rfc(later), rfc(later.Add(time.Hour))
	s.put("/bookings/b1", booking)
	s.waitOut(gRoom, "guest@example.com")
	booking["starts_at"], booking["ends_at"] = rfc(time.Now()), rfc(time.Now().Add(time.Hour))
	s.put("/bookings/b1", booking)
	s.waitIn(gRoom, "booker@example.com")
	s.del("/bookings/b1")
	s.waitOut(gRoom, "booker@example.com")
	s.waitOut(gRoom, "guest@example.com")
}

// 6. A day-pass bundle grants access; using the last pass ends it at the end
// of that local day; valid_until ends it.
func TestDayPass(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.mapGroups("day-passes", "lon", gDayPass)
	s.put("/members/m1", member("m1", "day@example.com"))
	until := time.Now().Add(4 * time.Second)
	s.put("/day-passes/dp1", map[string]any{"member_id": "m1", "location_id": "lon", "passes": 1,
		"valid_from": rfc(time.Now().Add(-time.Hour)), "valid_until": rfc(until)})
	s.waitIn(gDayPass, "day@example.com")

	london, _ := time.LoadLocation("Europe/London")
	today := time.Now().In(london).Format("2006-01-02")
	got := s.call(200, "POST", s.orgPath()+"/day-passes/dp1/uses", s.key, map[string]any{"use_id": "u1", "date": today})
	if got["remaining"] != 0.0 {
		t.Fatalf("remaining = %v, want 0", got["remaining"])
	}
	s.call(409, "POST", s.orgPath()+"/day-passes/dp1/uses", s.key, map[string]any{"use_id": "u2", "date": today})
	s.call(200, "POST", s.orgPath()+"/day-passes/dp1/uses", s.key, map[string]any{"use_id": "u1", "date": today})
	s.stays(time.Until(until)-300*time.Millisecond, gDayPass, "day@example.com", true)
	s.waitOut(gDayPass, "day@example.com") // valid_until comes before the end of the day

	// With a later valid_until, the last use ends access at the end of the
	// local day, as explained access shows.
	s.put("/day-passes/dp2", map[string]any{"member_id": "m1", "location_id": "lon", "passes": 1,
		"valid_from": rfc(time.Now().Add(-time.Hour)), "valid_until": rfc(time.Now().Add(72 * time.Hour))})
	s.waitIn(gDayPass, "day@example.com")
	s.call(200, "POST", s.orgPath()+"/day-passes/dp2/uses", s.key, map[string]any{"use_id": "u3", "date": today})
	endOfDay := time.Date(time.Now().In(london).Year(), time.Now().In(london).Month(), time.Now().In(london).Day()+1, 0, 0, 0, 0, london)
	ex := s.call(200, "GET", s.orgPath()+"/members/m1/access", s.key, nil)
	groups := ex["groups"].([]any)
	if len(groups) != 1 {
		t.Fatalf("explained groups = %v", groups)
	}
	untilStr, _ := groups[0].(map[string]any)["until"].(string)
	gotUntil, err := time.Parse(time.RFC3339, untilStr)
	if err != nil || !gotUntil.Equal(endOfDay) {
		t.Fatalf("day pass access until %q, want the end of the local day %v", untilStr, endOfDay)
	}
}

// 5. Rescheduling moves both instants: a booking moved later opens at the
// new start − before, not the old one, and closes at the new end + after.
func TestBookingRescheduledLater(t *testing.T) {
	s := newBookingStack(t)

	oldStart := time.Now().Add(8 * time.Second)
	booking := map[string]any{"resource_id": "room1", "member_id": "m1", "starts_at": rfc(oldStart), "ends_at": rfc(oldStart.Add(3 * time.Second)),
		"guests": []map[string]any{{"email": "guest@example.com", "first_name": "Gus", "last_name": "Guest"}}}
	s.put("/bookings/b1", booking)
	s.waitTimer(access.KindBooking, "b1") // the old window is planned
	start := oldStart.Add(12 * time.Second)
	end := start.Add(3 * time.Second)
	booking["starts_at"], booking["ends_at"] = rfc(start), rfc(end)
	s.put("/bookings/b1", booking)

	// Out through the old window and a few seconds beyond it.
	s.stays(time.Until(oldStart.Add(5*time.Second)), gRoom, "guest@example.com", false)
	s.accessWindow(start.Add(-2*time.Second), end.Add(2*time.Second), "booker@example.com", "guest@example.com")
}

// 5. A booking moved earlier opens and closes at its new instants, and
// nothing happens at the old ones.
func TestBookingRescheduledEarlier(t *testing.T) {
	s := newBookingStack(t)

	oldStart := time.Now().Add(22 * time.Second)
	booking := map[string]any{"resource_id": "room1", "member_id": "m1", "starts_at": rfc(oldStart), "ends_at": rfc(oldStart.Add(time.Hour)),
		"guests": []map[string]any{{"email": "guest@example.com", "first_name": "Gus", "last_name": "Guest"}}}
	s.put("/bookings/b1", booking)
	s.waitTimer(access.KindBooking, "b1") // the old window is planned
	start := time.Now().Add(6 * time.Second)
	end := start.Add(3 * time.Second)
	booking["starts_at"], booking["ends_at"] = rfc(start), rfc(end)
	s.put("/bookings/b1", booking)

	s.accessWindow(start.Add(-2*time.Second), end.Add(2*time.Second), "booker@example.com", "guest@example.com")
	// Out through the old opening (old start − before) and a few seconds beyond it.
	s.stays(time.Until(oldStart.Add(3*time.Second)), gRoom, "booker@example.com", false)
}

// waitTimer waits until the lifecycle workflow of entity (kind, id) has
// planned its next wake: its history holds a started timer.
func (s *stack) waitTimer(kind access.Kind, id string) {
	s.t.Helper()
	workflowID := contract.LifecycleWorkflowID(s.org, kind, id)
	s.eventually(30*time.Second, workflowID+" started a timer", func() bool {
		it := s.temporal.GetWorkflowHistory(s.ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return false
			}
			if e.GetEventType() == enumspb.EVENT_TYPE_TIMER_STARTED {
				return true
			}
		}
		return false
	})
}

// accessWindow checks that emails are in gRoom from opens until closes
// (give or take the time a change takes to reach Salto KS): out until
// shortly before opens, in within a few seconds after it, in until
// shortly before closes, and out within a few seconds after it.
func (s *stack) accessWindow(opens, closes time.Time, emails ...string) {
	s.t.Helper()
	const early, late = 300 * time.Millisecond, 4 * time.Second
	s.stays(time.Until(opens)-early, gRoom, emails[0], false)
	for _, e := range emails {
		s.eventually(time.Until(opens.Add(late)), e+" added to the room at "+rfc(opens), func() bool { return s.inGroup(gRoom, e) })
	}
	s.stays(time.Until(closes)-early, gRoom, emails[0], true)
	for _, e := range emails {
		s.eventually(time.Until(closes.Add(late)), e+" removed from the room at "+rfc(closes), func() bool { return !s.inGroup(gRoom, e) })
	}
}

// Changing the org's booking buffers reaches bookings under way at once:
// a shorter buffer after closes the door at the new end + after, not at
// the old one.
func TestOrgBufferChangeReachesBookings(t *testing.T) {
	settings := map[string]any{"name": "Acme", "time_zone": "Europe/London", "booking_buffer_before": "2s", "booking_buffer_after": "60s"}
	s := newStack(t, stackOptions{orgSettings: settings})
	s.put("/resources/room1", map[string]any{"kind": "bookable", "name": "Room 1", "location_id": "lon"})
	s.mapGroups("resources", "room1", gRoom)
	s.put("/members/m1", member("m1", "booker@example.com"))

	start := time.Now().Add(4 * time.Second)
	end := start.Add(8 * time.Second)
	s.put("/bookings/b1", map[string]any{"resource_id": "room1", "member_id": "m1", "starts_at": rfc(start), "ends_at": rfc(end),
		"guests": []map[string]any{{"email": "guest@example.com", "first_name": "Gus", "last_name": "Guest"}}})
	s.waitIn(gRoom, "booker@example.com")
	s.waitIn(gRoom, "guest@example.com")

	settings["booking_buffer_after"] = "2s"
	s.call(200, "PUT", s.orgPath(), adminToken, settings)
	// The old close is a minute later; the new one comes well before.
	s.accessWindow(start.Add(-2*time.Second), end.Add(2*time.Second), "booker@example.com", "guest@example.com")
}

// newBookingStack is a stack with 2 s booking buffers, bookable room1
// mapped to gRoom, and member m1 (booker@example.com).
func newBookingStack(t *testing.T) *stack {
	t.Helper()
	s := newStack(t, stackOptions{orgSettings: map[string]any{"booking_buffer_before": "2s", "booking_buffer_after": "2s"}})
	s.put("/resources/room1", map[string]any{"kind": "bookable", "name": "Room 1", "location_id": "lon"})
	s.mapGroups("resources", "room1", gRoom)
	s.put("/members/m1", member("m1", "booker@example.com"))
	return s
}
