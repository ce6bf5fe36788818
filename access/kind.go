package access

// Kind is the kind of an entity doorsync knows: the org itself, and the
// space entities the platform sends (the API's entity routes, the rows of
// the entities table). It is the one name of an entity kind in every
// package: the engine's reasons and diagnostics, the store and its SQL,
// the API, and the workflow inputs (where it travels as its JSON string,
// unchanged). A kind's string appears only here; everything else uses the
// constants (TestKindLiteralsOnlyInDeclaration checks it).
type Kind string

// Entity kinds. The strings are stored (entities.kind, workflow ids,
// outbox targets, audit reasons) and must never change.
const (
	// KindOrg is the org itself (its settings are checked like an entity's).
	KindOrg Kind = "org"
	// KindLocation is a location (a Salto KS site).
	KindLocation Kind = "location"
	// KindFloor is a floor of a location.
	KindFloor Kind = "floor"
	// KindResource is an assignable or bookable resource.
	KindResource Kind = "resource"
	// KindPlan is a membership plan.
	KindPlan Kind = "plan"
	// KindTeam is a team of members.
	KindTeam Kind = "team"
	// KindMember is a member (also the person kind of a member: see
	// PersonMember).
	KindMember Kind = "member"
	// KindMembership is a membership; it grants access itself.
	KindMembership Kind = "membership"
	// KindBooking is a booking; it grants access itself.
	KindBooking Kind = "booking"
	// KindDayPass is a day pass; it grants access itself.
	KindDayPass Kind = "day_pass"
)

// SpaceKinds are the kinds the platform sends and the store keeps as
// entities: every kind but KindOrg.
var SpaceKinds = []Kind{KindLocation, KindFloor, KindResource, KindPlan, KindTeam,
	KindMember, KindMembership, KindBooking, KindDayPass}

// LifecycleKinds are the kinds whose entities grant access themselves (the
// sources of grants, each with a lifecycle workflow).
var LifecycleKinds = []Kind{KindMembership, KindBooking, KindDayPass}

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool {
	switch k {
	case KindOrg, KindLocation, KindFloor, KindResource, KindPlan, KindTeam,
		KindMember, KindMembership, KindBooking, KindDayPass:
		return true
	}
	return false
}

// Lifecycle reports whether entities of kind k grant access themselves
// (memberships, bookings and day passes).
func (k Kind) Lifecycle() bool {
	return k == KindMembership || k == KindBooking || k == KindDayPass
}

// ParseKind returns the kind named s, and whether s names one.
func ParseKind(s string) (Kind, bool) {
	k := Kind(s)
	return k, k.Valid()
}
