package access

import (
	"cmp"
	"slices"
	"time"
)

// evalBooking grants a booking's bookable resource groups to the booker and
// every guest, from start − buffer_before to end + buffer_after: those on
// the site of the resource's location.
func (e *evaluator) evalBooking(id string, b Booking) {
	e.begin()
	r, ok := e.s.Resources[b.ResourceID]
	resourceOK := e.resolve(KindBooking, id, "resource_id", b.ResourceID, ok)
	e.resolve(KindBooking, id, "member_id", b.MemberID, has(e.s.Members, b.MemberID))
	if b.Cancelled {
		return
	}
	if resourceOK && r.Kind != ResourceBookable {
		e.problem(KindBooking, id, ProblemResourceKind, "resource "+b.ResourceID+" is not bookable")
		resourceOK = false
	}
	w, ok := e.bookingWindow(id, b, r)
	if !ok || !resourceOK {
		return
	}
	e.addBookingPeople(id, b)
	e.addSitePath(ViaBookableResource, b.ResourceID, e.siteOf(r.LocationID), e.s.Mappings.Resources[b.ResourceID])
	e.emit(KindBooking, id, w)
}

// bookingWindow is [starts_at − before, ends_at + after).
func (e *evaluator) bookingWindow(id string, b Booking, r Resource) (window, bool) {
	if b.StartsAt.IsZero() || b.EndsAt.IsZero() {
		e.problem(KindBooking, id, ProblemMissingTime, "starts_at and ends_at are required")
		return window{}, false
	}
	if _, ok := e.checkedWindow(KindBooking, id, b.StartsAt.UTC(), b.EndsAt.UTC()); !ok {
		return window{}, false
	}
	before := buffer(r.BufferBefore, e.s.Org.BookingBufferBefore)
	after := buffer(r.BufferAfter, e.s.Org.BookingBufferAfter)
	return window{from: b.StartsAt.Add(-before).UTC(), until: b.EndsAt.Add(after).UTC()}, true
}

// buffer picks the resource's buffer, else the org's, else the default; a
// negative buffer counts as zero.
func buffer(resource, org *time.Duration) time.Duration {
	d := DefaultBookingBuffer
	switch {
	case resource != nil:
		d = *resource
	case org != nil:
		d = *org
	}
	return max(d, 0)
}

// addBookingPeople adds the booker (a member and its co-members, or a
// non-member guest) and the guests, guests sorted by e-mail without
// duplicates.
func (e *evaluator) addBookingPeople(id string, b Booking) {
	if has(e.s.Members, b.MemberID) {
		e.addMember(b.MemberID, "")
	}
	first := len(e.who)
	if b.MemberID == "" && b.Booker != nil {
		e.addGuest(id, b.Booker.Email)
	}
	for _, g := range b.Guests {
		e.addGuest(id, g.Email)
	}
	e.sortGuests(first)
}

// addGuest adds a guest by e-mail; one without an e-mail is reported.
func (e *evaluator) addGuest(id, email string) {
	p := GuestRef(email)
	if p.ID == "" {
		e.problem(KindBooking, id, ProblemMissingEmail, "a booker or guest has no e-mail")
		return
	}
	e.who = append(e.who, recipient{person: p})
}

// sortGuests sorts the guests added from index first by e-mail and drops
// duplicates.
func (e *evaluator) sortGuests(first int) {
	guests := e.who[first:]
	slices.SortFunc(guests, func(a, b recipient) int { return cmp.Compare(a.person.ID, b.person.ID) })
	e.who = append(e.who[:first], slices.Compact(guests)...)
}
