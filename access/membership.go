package access

import "time"

// evalMembership grants a membership's plan groups and, for an assigned
// assignable resource, the resource's, its floor's and its location's
// groups, to its member (or its team's current members) and their
// co-members. The resource's and location's groups count only on the
// resource's location's site, the floor's only on the floor's location's.
func (e *evaluator) evalMembership(id string, ms Membership) {
	e.begin()
	planOK := e.resolve(KindMembership, id, "plan_id", ms.PlanID, has(e.s.Plans, ms.PlanID))
	e.resolveHolder(KindMembership, id, ms.MemberID, ms.TeamID)
	pl := e.membershipPlacement(id, ms)
	w, ok := e.membershipWindow(id, ms, pl)
	if !ok {
		return
	}
	e.addHolder(ms.MemberID, ms.TeamID)
	if planOK {
		e.addPath(ViaPlan, ms.PlanID, e.s.Mappings.Plans[ms.PlanID])
	}
	if pl.assigned {
		site := e.siteOf(pl.location)
		e.addSitePath(ViaResource, ms.ResourceID, site, e.s.Mappings.Resources[ms.ResourceID])
		e.addSitePath(ViaFloor, pl.floor, e.siteOf(e.s.Floors[pl.floor].LocationID), e.s.Mappings.Floors[pl.floor])
		e.addSitePath(ViaLocation, pl.location, site, e.s.Mappings.Locations[pl.location])
	}
	e.emit(KindMembership, id, w)
}

// resolveHolder checks the member and team references of a membership or
// day pass, and reports one that names neither.
func (e *evaluator) resolveHolder(entity Kind, id, memberID, teamID string) {
	e.resolve(entity, id, "member_id", memberID, has(e.s.Members, memberID))
	e.resolve(entity, id, "team_id", teamID, has(e.s.Teams, teamID))
	if memberID == "" && teamID == "" {
		e.problem(entity, id, ProblemNoHolder, "needs member_id or team_id")
	}
}

// placement is where a membership's assigned resource is.
type placement struct {
	assigned bool           // an existing, assignable resource is assigned
	floor    string         // its floor, when it names one that exists
	location string         // its location, when it names one that exists
	zone     *time.Location // the zone for date-only values
	pending  bool           // the zone cannot be known yet
}

// membershipPlacement resolves a membership's resource, its floor and its
// location, and the time zone of its date-only values.
func (e *evaluator) membershipPlacement(id string, ms Membership) placement {
	pl := placement{zone: e.zones.org}
	if ms.ResourceID == "" {
		return pl
	}
	r, ok := e.s.Resources[ms.ResourceID]
	if !e.resolve(KindMembership, id, "resource_id", ms.ResourceID, ok) {
		pl.pending = true
		return pl
	}
	switch {
	case has(e.s.Locations, r.LocationID):
		pl.location, pl.zone = r.LocationID, e.zones.location(r.LocationID)
	case r.LocationID != "":
		pl.pending = true
	}
	if has(e.s.Floors, r.FloorID) {
		pl.floor = r.FloorID
	}
	pl.assigned = r.Kind == ResourceAssignable
	if !pl.assigned {
		e.problem(KindMembership, id, ProblemResourceKind, "resource "+ms.ResourceID+" is not assignable")
	}
	return pl
}

// membershipWindow is [starts_at, ends_at) in the placement's zone. A
// membership with date-only values whose zone is pending has no window yet.
func (e *evaluator) membershipWindow(id string, ms Membership, pl placement) (window, bool) {
	if ms.StartsAt.IsZero() {
		e.problem(KindMembership, id, ProblemMissingTime, "starts_at is missing")
		return window{}, false
	}
	var end DateOrTime
	if ms.EndsAt != nil {
		end = *ms.EndsAt
	}
	if pl.pending && (ms.StartsAt.IsDate() || end.IsDate()) {
		return window{}, false
	}
	return e.checkedWindow(KindMembership, id, ms.StartsAt.Start(pl.zone), end.End(pl.zone))
}

// checkedWindow builds [from, until) and reports an end before the start.
func (e *evaluator) checkedWindow(entity Kind, id string, from, until time.Time) (window, bool) {
	w := window{from: from, until: until}
	if !until.IsZero() && until.Before(from) {
		e.problem(entity, id, ProblemEndsBeforeStart, "ends at "+until.Format(time.RFC3339)+", before it starts at "+from.Format(time.RFC3339))
		return w, false
	}
	return w, true
}
