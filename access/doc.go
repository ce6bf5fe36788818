// Package access is doorsync's entitlement engine: a pure function from a
// snapshot of an org's space (entities and mappings) to the door-access
// grants that follow from it, plus the views every other package derives
// from those grants (desired state, next change, explanations, diffs).
//
// The package does no I/O beyond loading time-zone data through the time
// package and imports nothing outside the standard library, so the
// workflows, the reconciler and the explain API share one truth.
//
// # Grants
//
// A Grant gives one person one Salto KS access group over a half-open window
// [From, Until); a zero Until is an open end. Every time in a Grant is UTC.
// There is exactly one Grant per (person, group, reason). Grants keep
// windows that have already closed (the engine has no clock); Ended and
// NextChange tell a caller what is left. Grants are emitted
// in a deterministic order: memberships, then bookings, then day passes,
// each by id; within one source entity, person by person (a direct recipient
// followed by its co-members), then path (plan, resource, floor, location;
// bookable_resource; day_pass for the location, then "*"), then group
// (site id, group id). Scoped evaluation (GrantsForPerson, GrantsForEntity)
// yields exactly the whole-org grants filtered to that person or entity, in
// the same order.
//
// # People
//
// A member is identified by its id ("member:m1"). A non-member booker and
// every booking guest are guests identified by their trimmed, lower-cased
// e-mail ("guest:joe@example.com"). A guest stays a guest even when a member
// has the same e-mail: identities never depend on other entities, so
// removing an entity can never move access to another identity. (Both
// identities may end up as the same Salto KS user; callers that apply access
// must not remove a group one identity still needs through the other.)
//
// # Rules
//
//   - Memberships grant their plan's groups, and, when assigned an assignable
//     resource, that resource's, its floor's and its location's groups, from
//     starts_at until ends_at (open when absent).
//   - A membership or day pass without a member grants to every current member
//     of its team (Through "team").
//   - A co-member (a member with a primary member) receives a copy of every
//     grant its primary receives as a member, with Through "co_member", in
//     addition to whatever is granted to the co-member directly. Only one
//     level: a member whose primary is itself a co-member receives nothing
//     through that relation, and the chain or cycle is reported as a Problem.
//   - A booking that is not cancelled grants its bookable resource's groups to
//     the booker and each guest from start − buffer_before to end + buffer_after
//     (resource buffer, else org buffer, else 15 minutes, each side; a
//     negative buffer counts as zero and is reported).
//   - A day-pass bundle grants the day-pass groups of its location and of "*"
//     from valid_from until valid_until. Passes remaining are the passes minus
//     the distinct uses (deduplicated by use id). Once the uses reach the pass
//     count, access ends at the end of the local day of the exhausting use
//     (the passes-th use in date order), or at valid_until if that is earlier;
//     later uses change nothing. A bundle with no passes grants nothing.
//   - Each location is on one Salto KS site. A location-bound mapping (of a
//     location, floor, resource, or the day passes of a location or "*")
//     grants only its groups on the site of the location the granting thing
//     belongs to: a location's own, a floor's location's, a resource's
//     location's, a day pass's location's (so "*" grants each bundle only
//     its own site's groups). A mapping whose location is unknown grants
//     nothing (the floor's or resource's location_id is Unresolved).
//     Plan mappings are not location-bound.
//   - Date-only values are whole local days in the time zone of the entity's
//     location (a membership's via its assigned resource), else the org's,
//     else UTC: the start of the day for starts, the start of the next local
//     day for ends. Days are computed with time.Date, so DST days are 23 or
//     25 hours long.
//   - A reference to an entity that is not in the snapshot grants nothing
//     through that reference and is reported as Unresolved. A membership's
//     other paths still grant, except that a membership with date-only
//     values whose time zone would come from an unresolved resource or
//     location grants nothing until it resolves (its windows are unknown).
package access
