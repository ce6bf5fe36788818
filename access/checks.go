package access

import "time"

// checkEntities reports the unresolved references and problems of the
// entities that grant nothing themselves: the org, locations, floors,
// resources and members.
func (e *evaluator) checkEntities() {
	e.checkZone(KindOrg, e.s.Org.ID, e.s.Org.TimeZone)
	e.checkBuffers(KindOrg, e.s.Org.ID, e.s.Org.BookingBufferBefore, e.s.Org.BookingBufferAfter)
	for _, id := range allIDs(e.s.Locations) {
		e.checkZone(KindLocation, id, e.s.Locations[id].TimeZone)
	}
	for _, id := range allIDs(e.s.Floors) {
		e.checkFloor(id, e.s.Floors[id])
	}
	for _, id := range allIDs(e.s.Resources) {
		e.checkResource(id, e.s.Resources[id])
	}
	for _, id := range allIDs(e.s.Members) {
		e.checkMember(id, e.s.Members[id])
	}
}

// checkZone reports a time zone that is set but invalid.
func (e *evaluator) checkZone(entity Kind, id, name string) {
	if name != "" && e.zones.lookup(name) == nil {
		e.problem(entity, id, ProblemTimeZone, "unknown time zone "+name)
	}
}

// checkBuffers reports negative booking buffers.
func (e *evaluator) checkBuffers(entity Kind, id string, before, after *time.Duration) {
	for _, d := range []*time.Duration{before, after} {
		if d != nil && *d < 0 {
			e.problem(entity, id, ProblemNegativeBuffer, "booking buffer "+d.String()+" is negative; zero is used")
		}
	}
}

func (e *evaluator) checkFloor(id string, f Floor) {
	e.resolve(KindFloor, id, "location_id", f.LocationID, has(e.s.Locations, f.LocationID))
}

func (e *evaluator) checkResource(id string, r Resource) {
	e.resolve(KindResource, id, "location_id", r.LocationID, has(e.s.Locations, r.LocationID))
	e.resolve(KindResource, id, "floor_id", r.FloorID, has(e.s.Floors, r.FloorID))
	if r.Kind != ResourceAssignable && r.Kind != ResourceBookable {
		e.problem(KindResource, id, ProblemResourceKind, "kind must be assignable or bookable, not "+r.Kind)
	}
	e.checkBuffers(KindResource, id, r.BufferBefore, r.BufferAfter)
}

// checkMember reports a member's missing team or primary member, and a
// primary-member link that is a chain or a cycle.
func (e *evaluator) checkMember(id string, m Member) {
	e.resolve(KindMember, id, "team_id", m.TeamID, has(e.s.Teams, m.TeamID))
	e.resolve(KindMember, id, "primary_member_id", m.PrimaryMemberID, has(e.s.Members, m.PrimaryMemberID))
	switch primary, status := coMemberStatus(e.s.Members, id); status {
	case coChain:
		e.problem(KindMember, id, ProblemCoMemberChain, "primary member "+primary+" is itself a co-member; nothing is granted through it")
	case coCycle:
		e.problem(KindMember, id, ProblemCoMemberCycle, "primary members lead back to this member; nothing is granted through them")
	}
}

// UnresolvedFor returns the unresolved references of one entity (a Kind
// kind and its id), sorted: what the API lists as the entity's
// `unresolved`. It is empty for an entity that is not in the snapshot.
func UnresolvedFor(s Snapshot, kind Kind, id string) []Unresolved {
	e := newEvaluator(&s, &diagnostics{})
	switch kind {
	case KindMembership:
		if ms, ok := s.Memberships[id]; ok {
			e.evalMembership(id, ms)
		}
	case KindBooking:
		if b, ok := s.Bookings[id]; ok {
			e.evalBooking(id, b)
		}
	case KindDayPass:
		if d, ok := s.DayPasses[id]; ok {
			e.evalDayPass(id, d)
		}
	case KindFloor:
		if f, ok := s.Floors[id]; ok {
			e.checkFloor(id, f)
		}
	case KindResource:
		if r, ok := s.Resources[id]; ok {
			e.checkResource(id, r)
		}
	case KindMember:
		if m, ok := s.Members[id]; ok {
			e.checkMember(id, m)
		}
	}
	unresolved, _ := e.diag.sorted()
	return unresolved
}
