package access

import (
	"testing"
	"time"
)

func TestBookings(t *testing.T) {
	booking := func(b Booking) func(*Snapshot) {
		return func(s *Snapshot) {
			if b.ResourceID == "" {
				b.ResourceID = "room-1"
			}
			b.StartsAt, b.EndsAt = ts("2026-03-29T10:00:00+01:00"), ts("2026-03-29T11:00:00+01:00")
			s.Bookings["b1"] = b
		}
	}
	runEvalCases(t, []evalCase{
		{
			name:   "member booker, default 15 minute buffers",
			change: booking(Booking{MemberID: "m3"}),
			want:   []string{"member:m3 site-lon/room-1 2026-03-29T08:45:00Z..2026-03-29T10:15:00Z booking:b1 bookable_resource:room-1"},
		},
		{
			name: "org buffers apply",
			change: func(s *Snapshot) {
				booking(Booking{MemberID: "m3"})(s)
				s.Org.BookingBufferBefore, s.Org.BookingBufferAfter = dur(30*time.Minute), dur(0)
			},
			want: []string{"member:m3 site-lon/room-1 2026-03-29T08:30:00Z..2026-03-29T10:00:00Z booking:b1 bookable_resource:room-1"},
		},
		{
			name: "resource buffers override the org's, side by side",
			change: func(s *Snapshot) {
				booking(Booking{MemberID: "m3"})(s)
				s.Org.BookingBufferBefore, s.Org.BookingBufferAfter = dur(30*time.Minute), dur(30*time.Minute)
				r := s.Resources["room-1"]
				r.BufferBefore = dur(5 * time.Minute)
				s.Resources["room-1"] = r
			},
			want: []string{"member:m3 site-lon/room-1 2026-03-29T08:55:00Z..2026-03-29T10:30:00Z booking:b1 bookable_resource:room-1"},
		},
		{
			name: "negative buffer counts as zero and is reported",
			change: func(s *Snapshot) {
				booking(Booking{MemberID: "m3"})(s)
				s.Org.BookingBufferAfter = dur(-time.Hour)
			},
			want:         []string{"member:m3 site-lon/room-1 2026-03-29T08:45:00Z..2026-03-29T10:00:00Z booking:b1 bookable_resource:room-1"},
			wantProblems: []string{"org:org1:negative_buffer"},
		},
		{
			name: "non-member booker and guests are guests by lower-cased e-mail, deduplicated and sorted",
			change: booking(Booking{
				Booker: &Contact{Email: " Zed@Example.com "},
				Guests: []Contact{{Email: "joe@example.com"}, {Email: "JOE@example.com"}, {Email: "zed@example.com"}, {Email: "ann@example.com"}},
			}),
			want: []string{
				"guest:ann@example.com site-lon/room-1 2026-03-29T08:45:00Z..2026-03-29T10:15:00Z booking:b1 bookable_resource:room-1",
				"guest:joe@example.com site-lon/room-1 2026-03-29T08:45:00Z..2026-03-29T10:15:00Z booking:b1 bookable_resource:room-1",
				"guest:zed@example.com site-lon/room-1 2026-03-29T08:45:00Z..2026-03-29T10:15:00Z booking:b1 bookable_resource:room-1",
			},
		},
		{
			name: "member booker wins over a booker contact; co-members follow; a guest with a member's e-mail stays a guest",
			change: func(s *Snapshot) {
				booking(Booking{MemberID: "m1", Booker: &Contact{Email: "other@example.com"}, Guests: []Contact{{Email: "bob@example.com"}, {}}})(s)
				s.Members["c1"] = Member{PrimaryMemberID: "m1"}
			},
			want: []string{
				"member:m1 site-lon/room-1 2026-03-29T08:45:00Z..2026-03-29T10:15:00Z booking:b1 bookable_resource:room-1",
				"member:c1 site-lon/room-1 2026-03-29T08:45:00Z..2026-03-29T10:15:00Z booking:b1 bookable_resource:room-1 [co_member]",
				"guest:bob@example.com site-lon/room-1 2026-03-29T08:45:00Z..2026-03-29T10:15:00Z booking:b1 bookable_resource:room-1",
			},
			wantProblems: []string{"booking:b1:missing_email"},
		},
		{
			name:   "unknown member booker: guests still get access",
			change: booking(Booking{MemberID: "ghost", Guests: []Contact{{Email: "joe@example.com"}}}),
			want: []string{
				"guest:joe@example.com site-lon/room-1 2026-03-29T08:45:00Z..2026-03-29T10:15:00Z booking:b1 bookable_resource:room-1",
			},
			wantUnresolved: []string{"booking:b1.member_id->ghost"},
		},
		{
			name:   "cancelled booking grants nothing",
			change: booking(Booking{MemberID: "m3", Cancelled: true}),
		},
		{
			name:           "unknown resource grants nothing",
			change:         booking(Booking{MemberID: "m3", ResourceID: "room-99"}),
			wantUnresolved: []string{"booking:b1.resource_id->room-99"},
		},
		{
			name:         "an assignable resource cannot be booked",
			change:       booking(Booking{MemberID: "m3", ResourceID: "desk-1"}),
			wantProblems: []string{"booking:b1:resource_kind"},
		},
		{
			name: "a booking grants only the room's groups, not its floor's or location's",
			change: func(s *Snapshot) {
				s.Bookings["b1"] = Booking{ResourceID: "room-a", MemberID: "m3",
					StartsAt: ts("2026-11-01T01:30:00-04:00"), EndsAt: ts("2026-11-01T01:30:00-05:00")}
			},
			want: []string{"member:m3 site-nyc/room-a 2026-11-01T05:15:00Z..2026-11-01T06:45:00Z booking:b1 bookable_resource:room-a"},
		},
		{
			name: "ends before it starts",
			change: func(s *Snapshot) {
				s.Bookings["b1"] = Booking{ResourceID: "room-1", MemberID: "m3", StartsAt: ts("2026-01-01T11:00:00Z"), EndsAt: ts("2026-01-01T10:00:00Z")}
				s.Bookings["b2"] = Booking{ResourceID: "room-1", MemberID: "m3", StartsAt: ts("2026-01-01T11:00:00Z")}
			},
			wantProblems: []string{"booking:b1:ends_before_start", "booking:b2:missing_time"},
		},
	})
}
