package store

import "doorsync/access"

// Entity kinds as SQL literals, spelled from access's constants (no kind is
// written out anywhere but there). They are constants, so a query built
// from them is the same text Postgres always saw: a kind in a query stays
// a literal rather than a parameter, so the planner still matches it
// against partial indexes whose predicate names kinds
// (entities_team_grants_idx, migration 005) and uses the kinds' statistics,
// in cached generic plans too.
const (
	sqlMember     = "'" + string(access.KindMember) + "'"
	sqlResource   = "'" + string(access.KindResource) + "'"
	sqlFloor      = "'" + string(access.KindFloor) + "'"
	sqlMembership = "'" + string(access.KindMembership) + "'"
	sqlBooking    = "'" + string(access.KindBooking) + "'"
	sqlDayPass    = "'" + string(access.KindDayPass) + "'"

	// sqlLifecycleKinds lists access.LifecycleKinds.
	sqlLifecycleKinds = "(" + sqlMembership + ", " + sqlBooking + ", " + sqlDayPass + ")"
	// sqlTeamGrantKinds are the kinds a whole team may hold (memberships
	// and day passes): entities_team_grants_idx's predicate, word for word.
	sqlTeamGrantKinds = "(" + sqlMembership + ", " + sqlDayPass + ")"
	// sqlResourceGrantKinds are the kinds that name a resource.
	sqlResourceGrantKinds = "(" + sqlMembership + ", " + sqlBooking + ")"

	// sqlMemberKeyPrefix begins a member's person key ("member:m1").
	sqlMemberKeyPrefix = "'" + access.PersonMember + ":'"
)

// LifecycleTarget is the outbox target of a lifecycle entity's workflow,
// "kind:id" (e.g. "membership:ms1").
func LifecycleTarget(kind access.Kind, id string) string { return string(kind) + ":" + id }

// memberPersonKey is the person key of member id ("member:m1"), as
// access.PersonRef.Key spells it (sqlMemberKeyPrefix in SQL).
func memberPersonKey(id string) string { return access.PersonMember + ":" + id }
