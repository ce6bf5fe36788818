package access

import (
	"slices"
	"time"
)

// evalDayPass grants the day-pass groups of the bundle's location and of
// AllLocations to its member (or its team's current members) and their
// co-members, while passes remain and the bundle is valid: those on the
// location's site (so "*" grants each bundle its own site's groups).
func (e *evaluator) evalDayPass(id string, d DayPass) {
	e.begin()
	e.resolveHolder(KindDayPass, id, d.MemberID, d.TeamID)
	if d.LocationID == "" {
		e.problem(KindDayPass, id, ProblemMissingLocation, "location_id is required")
	}
	if !e.resolve(KindDayPass, id, "location_id", d.LocationID, has(e.s.Locations, d.LocationID)) {
		return
	}
	w, ok := e.dayPassWindow(id, d, e.zones.location(d.LocationID))
	if !ok {
		return
	}
	e.addHolder(d.MemberID, d.TeamID)
	site := e.siteOf(d.LocationID)
	e.addSitePath(ViaDayPass, d.LocationID, site, e.s.Mappings.DayPasses[d.LocationID])
	e.addSitePath(ViaDayPass, AllLocations, site, e.s.Mappings.DayPasses[AllLocations])
	e.emit(KindDayPass, id, w)
}

// dayPassWindow is [valid_from, valid_until), ended early at the end of the
// local day of the exhausting use. A bundle without passes has none.
func (e *evaluator) dayPassWindow(id string, d DayPass, zone *time.Location) (window, bool) {
	if d.ValidFrom.IsZero() {
		e.problem(KindDayPass, id, ProblemMissingTime, "valid_from is missing")
		return window{}, false
	}
	w, ok := e.checkedWindow(KindDayPass, id, d.ValidFrom.Start(zone), d.ValidUntil.End(zone))
	day, exhausted := e.exhaustingDay(id, d, zone)
	if !ok || d.Passes <= 0 {
		return w, false
	}
	if exhausted {
		w = w.clampUntil(day.next().start(zone))
	}
	return w, true
}

// exhaustingDay returns the local day of the use that spent the last pass:
// the passes-th distinct use in date order. Uses are distinct by use id
// (uses without one each count); their order in the slice does not matter.
func (e *evaluator) exhaustingDay(id string, d DayPass, zone *time.Location) (civilDate, bool) {
	days := make([]civilDate, 0, len(d.Uses))
	seen := make(map[string]bool, len(d.Uses))
	for _, u := range d.Uses {
		if u.Date.IsZero() {
			e.problem(KindDayPass, id, ProblemUseWithoutDate, "use "+u.UseID+" has no date")
			continue
		}
		if u.UseID != "" && seen[u.UseID] {
			continue
		}
		seen[u.UseID] = true
		days = append(days, u.Date.localDay(zone))
	}
	if d.Passes <= 0 || len(days) < d.Passes {
		return civilDate{}, false
	}
	slices.SortFunc(days, civilDate.compare)
	return days[d.Passes-1], true
}

// Remaining is how many passes of d are left: Passes less its uses (one
// per use id; uses without one each count), never below zero.
func (d DayPass) Remaining() int {
	seen := map[string]bool{}
	used := 0
	for _, u := range d.Uses {
		if u.UseID != "" && seen[u.UseID] {
			continue
		}
		seen[u.UseID] = true
		used++
	}
	return max(d.Passes-used, 0)
}

// Used reports whether d has a use with id useID.
func (d DayPass) Used(useID string) bool {
	return slices.ContainsFunc(d.Uses, func(u DayPassUse) bool { return u.UseID == useID })
}
