package access

import (
	"slices"
	"time"
)

// GrantsForPerson returns the grants of one person: exactly the grants of
// Grants(s) whose Person is p, in the same order, computed from only the
// entities that can reach p. A guest's e-mail is normalised first.
func GrantsForPerson(s Snapshot, p PersonRef) []Grant {
	if p.Kind == PersonGuest {
		p = GuestRef(p.ID)
	}
	e := newEvaluator(&s, nil)
	switch p.Kind {
	case PersonMember:
		if !has(s.Members, p.ID) {
			return nil
		}
		src := e.reachOf(p.ID).sources(&s)
		e.evalSources(src[KindMembership], src[KindBooking], src[KindDayPass])
	case PersonGuest:
		e.evalSources(nil, selectIDs(s.Bookings, func(b Booking) bool { return namesGuest(b, p.ID) }), nil)
	}
	return e.grants(func(q PersonRef) bool { return q == p })
}

// reach is what a source must name to reach a member: the member or its
// primary, or (without a member) one of their teams.
type reach struct {
	members, teams map[string]bool
}

// reachOf returns the reach of member id.
func (e *evaluator) reachOf(id string) reach {
	r := reach{members: map[string]bool{id: true}, teams: map[string]bool{}}
	if primary, status := coMemberStatus(e.s.Members, id); status == coValid {
		r.members[primary] = true
	}
	for m := range r.members {
		if team := e.s.Members[m].TeamID; team != "" {
			r.teams[team] = true
		}
	}
	return r
}

// sources returns the sources that can reach the member: those that name
// one of its members or, naming no member, one of its teams. It restates
// the declaration's holder references (access/deps.go: a lifecycle kind's
// references to a member and to a team) in typed code, as this is every
// access workflow's hot path; TestPropertyReachFollowsTheDeclaration holds
// it to the declaration.
func (r reach) sources(s *Snapshot) sources {
	return sources{
		KindMembership: selectIDs(s.Memberships, func(ms Membership) bool { return r.holder(ms.MemberID, ms.TeamID) }),
		KindBooking:    selectIDs(s.Bookings, func(b Booking) bool { return r.members[b.MemberID] }),
		KindDayPass:    selectIDs(s.DayPasses, func(d DayPass) bool { return r.holder(d.MemberID, d.TeamID) }),
	}
}

// holder reports whether a membership or day pass held by memberID (else
// teamID) can reach the member.
func (r reach) holder(memberID, teamID string) bool {
	if memberID != "" {
		return r.members[memberID]
	}
	return r.teams[teamID]
}

// namesGuest reports whether a booking names the (normalised) e-mail as its
// non-member booker or as a guest.
func namesGuest(b Booking, email string) bool {
	if b.MemberID == "" && b.Booker != nil && NormalizeEmail(b.Booker.Email) == email {
		return true
	}
	return slices.ContainsFunc(b.Guests, func(c Contact) bool { return NormalizeEmail(c.Email) == email })
}

// GrantsForEntity returns the grants of one source entity (KindMembership,
// KindBooking or KindDayPass): exactly the grants of Grants(s) whose
// reason names it, in the same order. Other kinds and unknown ids give nil.
func GrantsForEntity(s Snapshot, kind Kind, id string) []Grant {
	e := newEvaluator(&s, nil)
	only := []string{id}
	switch {
	case kind == KindMembership && has(s.Memberships, id):
		e.evalSources(only, nil, nil)
	case kind == KindBooking && has(s.Bookings, id):
		e.evalSources(nil, only, nil)
	case kind == KindDayPass && has(s.DayPasses, id):
		e.evalSources(nil, nil, only)
	}
	return e.grants(nil)
}

// EntityNextChange is NextChange of GrantsForEntity: when a source entity's
// lifecycle workflow must next wake (zero: never, unless the entity
// changes).
func EntityNextChange(s Snapshot, kind Kind, id string, after time.Time) time.Time {
	return NextChange(GrantsForEntity(s, kind, id), after)
}

// AffectedPersons returns the persons an entity names or reaches in the
// current snapshot, whatever their windows, mappings or cancellation:
// whom to poke when the entity changes. Callers poke the union over the
// entity's old and new versions. Sorted by ComparePersons.
//
//   - membership, day_pass: its member, or its team's current members, and
//     their co-members;
//   - booking: its member booker and co-members, or non-member booker, and
//     its guests;
//   - member: the member and its co-members; team: its members and theirs;
//   - plan, resource, floor, location: the persons of every source that
//     depends on it (Dependents; location "*" stands for the AllLocations
//     day-pass mapping);
//   - org: the persons of every source.
func AffectedPersons(s Snapshot, kind Kind, id string) []PersonRef {
	e := newEvaluator(&s, nil)
	switch kind {
	case KindMember:
		if has(s.Members, id) {
			e.addMember(id, "")
		}
	case KindTeam:
		e.addHolder("", id)
	default:
		e.addSourcePeople(sourcesUsing(&s, kind, id))
	}
	persons := make([]PersonRef, 0, len(e.who))
	for _, r := range e.who {
		persons = append(persons, r.person)
	}
	slices.SortFunc(persons, ComparePersons)
	return slices.Compact(persons)
}

// addSourcePeople adds the recipients of the sources, ignoring windows,
// mappings and cancellation.
func (e *evaluator) addSourcePeople(src sources) {
	for _, id := range src[KindMembership] {
		ms := e.s.Memberships[id]
		e.addHolder(ms.MemberID, ms.TeamID)
	}
	for _, id := range src[KindBooking] {
		e.addBookingPeople(id, e.s.Bookings[id])
	}
	for _, id := range src[KindDayPass] {
		d := e.s.DayPasses[id]
		e.addHolder(d.MemberID, d.TeamID)
	}
}
