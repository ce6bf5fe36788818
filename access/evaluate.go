package access

import "slices"

// Result is a whole-org evaluation: the grants, plus every unresolved
// reference and problem found in the snapshot, each sorted.
type Result struct {
	Grants     []Grant      `json:"grants"`
	Unresolved []Unresolved `json:"unresolved"`
	Problems   []Problem    `json:"problems"`
}

// Evaluate computes every grant of the org, and reports every unresolved
// reference and problem of every entity in the snapshot.
func Evaluate(s Snapshot) Result {
	e := newEvaluator(&s, &diagnostics{})
	e.checkEntities()
	e.evalSources(allIDs(s.Memberships), allIDs(s.Bookings), allIDs(s.DayPasses))
	unresolved, problems := e.diag.sorted()
	return Result{Grants: e.grants(nil), Unresolved: unresolved, Problems: problems}
}

// Grants computes every grant of the org (Evaluate without the reports).
func Grants(s Snapshot) []Grant {
	e := newEvaluator(&s, nil)
	e.evalSources(allIDs(s.Memberships), allIDs(s.Bookings), allIDs(s.DayPasses))
	return e.grants(nil)
}

// evaluator holds the state of one evaluation.
type evaluator struct {
	s     *Snapshot
	zones *zoneResolver
	idx   index
	diag  *diagnostics // nil: report nothing
	emissions
}

func newEvaluator(s *Snapshot, diag *diagnostics) *evaluator {
	return &evaluator{s: s, zones: newZoneResolver(s), idx: buildIndex(s.Members), diag: diag}
}

// evalSources evaluates the given memberships, bookings and day passes, in
// that order, each list in the given (sorted) order.
func (e *evaluator) evalSources(memberships, bookings, dayPasses []string) {
	e.reserve(len(memberships), len(bookings), len(dayPasses))
	for _, id := range memberships {
		e.evalMembership(id, e.s.Memberships[id])
	}
	for _, id := range bookings {
		e.evalBooking(id, e.s.Bookings[id])
	}
	for _, id := range dayPasses {
		e.evalDayPass(id, e.s.DayPasses[id])
	}
}

// resolve reports whether ref names an existing entity; a non-empty ref
// that does not is reported as unresolved.
func (e *evaluator) resolve(entity Kind, id, field, ref string, exists bool) bool {
	if ref == "" {
		return false
	}
	if !exists && e.diag != nil {
		e.diag.unresolved = append(e.diag.unresolved, Unresolved{Entity: entity, ID: id, Field: field, Ref: ref})
	}
	return exists
}

// siteOf is the Salto KS site of location id; "" when the location is
// unknown. A location-bound mapping grants only its groups on that site.
func (e *evaluator) siteOf(id string) string {
	return e.s.Locations[id].SaltoSiteID
}

// problem reports a problem when the evaluation reports.
func (e *evaluator) problem(entity Kind, id, code, detail string) {
	if e.diag != nil {
		e.diag.problems = append(e.diag.problems, Problem{Entity: entity, ID: id, Code: code, Detail: detail})
	}
}

// has reports whether m holds id.
func has[T any](m map[string]T, id string) bool {
	_, ok := m[id]
	return ok
}

// allIDs returns the keys of m, sorted.
func allIDs[T any](m map[string]T) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// selectIDs returns the sorted keys of the entries of m that keep accepts.
func selectIDs[T any](m map[string]T, keep func(T) bool) []string {
	var ids []string
	for id, v := range m {
		if keep(v) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}
