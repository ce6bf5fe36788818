package store

import (
	"strings"

	"doorsync/access"
)

// Entity kinds as SQL literals, spelled from access's constants (no kind is
// written out anywhere but there). A query's kinds are literals in its
// text, never parameters, so the planner still matches them against
// partial indexes whose predicate names kinds (entities_team_grants_idx,
// migration 005) and uses the kinds' statistics, in cached generic plans
// too. The lists derived from access's dependency declaration are built
// once at init, so each query is the same text Postgres always saw: the
// kinds a whole team may hold (access.LifecycleReferrers of a team), as
// the team queries spell them, are entities_team_grants_idx's predicate
// word for word (TestTeamQueriesSpellTheIndexPredicate).
const (
	sqlMember  = "'" + string(access.KindMember) + "'"
	sqlBooking = "'" + string(access.KindBooking) + "'"
	sqlDayPass = "'" + string(access.KindDayPass) + "'"

	// sqlMemberKeyPrefix begins a member's person key ("member:m1").
	sqlMemberKeyPrefix = "'" + access.PersonMember + ":'"
)

// sqlLifecycleKinds lists access.LifecycleKinds.
var sqlLifecycleKinds = sqlKinds(access.LifecycleKinds)

// sqlKind is kind k as an SQL literal ('membership').
func sqlKind(k access.Kind) string { return "'" + string(k) + "'" }

// sqlKinds is a parenthesised list of kinds as SQL literals, for "in".
func sqlKinds(kinds []access.Kind) string {
	lits := make([]string, len(kinds))
	for i, k := range kinds {
		lits[i] = sqlKind(k)
	}
	return "(" + strings.Join(lits, ", ") + ")"
}

// sqlKindIs is a condition on column that it is one of kinds.
func sqlKindIs(column string, kinds []access.Kind) string {
	if len(kinds) == 1 {
		return column + " = " + sqlKind(kinds[0])
	}
	return column + " in " + sqlKinds(kinds)
}

// LifecycleTarget is the outbox target of a lifecycle entity's workflow,
// "kind:id" (e.g. "membership:ms1").
func LifecycleTarget(kind access.Kind, id string) string { return string(kind) + ":" + id }

// memberPersonKey is the person key of member id ("member:m1"), as
// access.PersonRef.Key spells it (sqlMemberKeyPrefix in SQL).
func memberPersonKey(id string) string { return access.PersonMember + ":" + id }
