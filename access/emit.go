package access

import (
	"cmp"
	"slices"
)

// emissions records what each source grants — its recipients, its paths
// and its window — and writes the grants out once at the end, into a slice
// of exactly the right size: a whole-org evaluation has about ten grants per
// recorded recipient, so growing one slice of grants would copy most of
// the result several times.
type emissions struct {
	who     []recipient // recipients of all recorded sources, then the current one's
	paths   []path      // likewise, paths
	records []emission
	kept    mark // the end of the recorded sources' recipients and paths
	count   int  // grants recorded
}

// recipient is a person a source grants to, and how it got there.
type recipient struct {
	person  PersonRef
	through string
}

// path is one mapping a source grants through.
type path struct {
	via, ref string
	groups   []GroupRef
}

// mark is a position in the who and paths lists.
type mark struct{ who, paths int }

// emission is one source's grants: every recipient in who[from.who:to.who]
// gets every group of every path in paths[from.paths:to.paths] over w.
type emission struct {
	kind     Kind
	id       string
	w        window
	from, to mark
	groups   int // groups over all paths
}

// reserve sizes the lists for the number of sources to evaluate, at most
// four paths a membership, one a booking and two a day pass, and about one
// recipient a source, so that they rarely grow.
func (e *emissions) reserve(memberships, bookings, dayPasses int) {
	sources := memberships + bookings + dayPasses
	e.records = slices.Grow(e.records, sources)
	e.who = slices.Grow(e.who, sources+sources/2)
	e.paths = slices.Grow(e.paths, 4*memberships+bookings+2*dayPasses)
}

// begin starts a source, dropping anything an unrecorded source added.
func (e *emissions) begin() {
	e.who, e.paths = e.who[:e.kept.who], e.paths[:e.kept.paths]
}

// addPath adds a mapping's groups as a path of the current source; an
// empty ref (nothing resolved) adds nothing.
func (e *emissions) addPath(via, ref string, groups []GroupRef) {
	if ref != "" && len(groups) > 0 {
		e.paths = append(e.paths, path{via: via, ref: ref, groups: normalizedGroups(groups)})
	}
}

// addSitePath adds the groups of a location-bound mapping that are on site,
// the Salto KS site of the location the mapped thing belongs to, as a path
// of the current source. An empty site (the location is unknown) adds
// nothing.
func (e *emissions) addSitePath(via, ref, site string, groups []GroupRef) {
	if site != "" {
		e.addPath(via, ref, onSite(normalizedGroups(groups), site))
	}
}

// onSite returns the groups of sorted groups that are on site: a subslice,
// since groups sort by site first.
func onSite(groups []GroupRef, site string) []GroupRef {
	from, _ := slices.BinarySearchFunc(groups, site, func(g GroupRef, site string) int { return cmp.Compare(g.SiteID, site) })
	until := from
	for until < len(groups) && groups[until].SiteID == site {
		until++
	}
	return groups[from:until]
}

// emit records the current source: one grant per recipient, path and group
// over w.
func (e *emissions) emit(kind Kind, id string, w window) {
	em := emission{kind: kind, id: id, w: w, from: e.kept, to: mark{len(e.who), len(e.paths)}}
	for _, p := range e.paths[em.from.paths:] {
		em.groups += len(p.groups)
	}
	n := (em.to.who - em.from.who) * em.groups
	if w.empty() || n == 0 {
		return
	}
	e.records = append(e.records, em)
	e.count += n
	e.kept = em.to
}

// grants writes out the recorded grants, in recording order, of the persons
// keep accepts (every person when keep is nil); nil when there are none.
func (e *emissions) grants(keep func(PersonRef) bool) []Grant {
	n := e.count
	if keep != nil {
		n = e.countKept(keep)
	}
	if n == 0 {
		return nil
	}
	out := make([]Grant, 0, n)
	for _, em := range e.records {
		for _, r := range e.who[em.from.who:em.to.who] {
			if keep != nil && !keep(r.person) {
				continue
			}
			for _, p := range e.paths[em.from.paths:em.to.paths] {
				for _, g := range p.groups {
					out = append(out, Grant{
						Person: r.person, Group: g, From: em.w.from, Until: em.w.until,
						Reason: Reason{Kind: em.kind, ID: em.id, Via: p.via, Ref: p.ref, Through: r.through},
					})
				}
			}
		}
	}
	return out
}

// countKept counts the recorded grants of the persons keep accepts.
func (e *emissions) countKept(keep func(PersonRef) bool) int {
	n := 0
	for _, em := range e.records {
		for _, r := range e.who[em.from.who:em.to.who] {
			if keep(r.person) {
				n += em.groups
			}
		}
	}
	return n
}
