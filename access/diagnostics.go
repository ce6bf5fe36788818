package access

import (
	"cmp"
	"slices"
)

// Problem codes.
const (
	// ProblemTimeZone: a time zone is not a valid IANA name; the org's
	// (for a location) or UTC (for the org) is used instead.
	ProblemTimeZone = "invalid_time_zone"
	// ProblemCoMemberChain: the primary member is itself a co-member; the
	// member gets nothing through it.
	ProblemCoMemberChain = "co_member_chain"
	// ProblemCoMemberCycle: following primary members leads back to the
	// member; it gets nothing through it.
	ProblemCoMemberCycle = "co_member_cycle"
	// ProblemNoHolder: a membership or day pass names neither a member
	// nor a team; it grants nothing.
	ProblemNoHolder = "no_member_or_team"
	// ProblemMissingTime: a required start or end is missing; the entity
	// grants nothing.
	ProblemMissingTime = "missing_time"
	// ProblemEndsBeforeStart: the end is before the start; the entity
	// grants nothing.
	ProblemEndsBeforeStart = "ends_before_start"
	// ProblemResourceKind: the resource's kind does not fit its use (a
	// membership needs an assignable resource, a booking a bookable one,
	// and a resource's kind must be one of the two); nothing is granted
	// through it.
	ProblemResourceKind = "resource_kind"
	// ProblemNegativeBuffer: an org's or resource's booking buffer is
	// negative; zero is used.
	ProblemNegativeBuffer = "negative_buffer"
	// ProblemMissingEmail: a non-member booker or guest has no e-mail; it
	// gets nothing.
	ProblemMissingEmail = "missing_email"
	// ProblemMissingLocation: a day pass has no location; it grants
	// nothing.
	ProblemMissingLocation = "missing_location"
	// ProblemUseWithoutDate: a day-pass use has no date; it is ignored.
	ProblemUseWithoutDate = "use_without_date"
)

// Unresolved is a reference from an entity (Entity, ID) through a field to
// an entity Ref that the snapshot does not hold (yet). It grants nothing
// until the named entity arrives.
type Unresolved struct {
	Entity Kind   `json:"entity"`
	ID     string `json:"id"`
	Field  string `json:"field"`
	Ref    string `json:"ref"`
}

// Problem is something wrong with an entity that is not a missing
// reference. Code is one of the Problem* constants.
type Problem struct {
	Entity Kind   `json:"entity"`
	ID     string `json:"id"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// diagnostics collects what an evaluation reports.
type diagnostics struct {
	unresolved []Unresolved
	problems   []Problem
}

// sorted orders both lists and drops exact duplicates.
func (d *diagnostics) sorted() ([]Unresolved, []Problem) {
	slices.SortFunc(d.unresolved, func(a, b Unresolved) int {
		return cmp.Or(cmp.Compare(a.Entity, b.Entity), cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Field, b.Field), cmp.Compare(a.Ref, b.Ref))
	})
	slices.SortFunc(d.problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Entity, b.Entity), cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Code, b.Code), cmp.Compare(a.Detail, b.Detail))
	})
	return slices.Compact(d.unresolved), slices.Compact(d.problems)
}
