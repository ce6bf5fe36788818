// Package contract is what doorsync's Temporal workflows, activities, API
// and outbox relay agree on: workflow and activity names (stable: renaming
// one breaks running workflows), workflow IDs, the poke signal, and every
// input and output. It holds data only, so workflows and activities can
// share it without importing each other.
package contract

import (
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"doorsync/access"
)

// Workflow type names.
const (
	MembershipWorkflow = "MembershipWorkflow"
	BookingWorkflow    = "BookingWorkflow"
	DayPassWorkflow    = "DayPassWorkflow"
	AccessWorkflow     = "AccessWorkflow"
	ReconcileWorkflow  = "ReconcileWorkflow"
)

// Activity names.
const (
	LoadLifecycleActivity = "LoadLifecycle"
	PokePersonsActivity   = "PokePersons"
	ApplyAccessActivity   = "ApplyAccess"
)

// RateLimitedError is the type of the ApplicationError an activity returns
// when Salto KS answered 429; its NextRetryDelay is the Retry-After (at
// most saltoks.MaxRetryAfter). The access workflow waits that out itself,
// ending the wait early on a poke.
const RateLimitedError = "SaltoRateLimited"

// PokeSignal wakes a lifecycle or access workflow: something it depends on
// changed, or a moment it waits for has come.
const PokeSignal = "poke"

// LifecycleWorkflowType is the workflow type of an entity kind ("" for a
// kind without one). The kinds with one are access.LifecycleKinds.
func LifecycleWorkflowType(kind access.Kind) string {
	switch kind {
	case access.KindMembership:
		return MembershipWorkflow
	case access.KindBooking:
		return BookingWorkflow
	case access.KindDayPass:
		return DayPassWorkflow
	}
	return ""
}

// LifecycleWorkflowID reads like "membership:{org}:{id}",
// "booking:{org}:{id}" or "day-pass:{org}:{id}". The org part is escaped
// (see IDPart), so no two orgs' ids can meet: org "a:b" with entity "c" is
// "booking:a%3Ab:c", org "a" with entity "b:c" is "booking:a:b:c".
func LifecycleWorkflowID(orgID string, kind access.Kind, id string) string {
	prefix := string(kind)
	if kind == access.KindDayPass {
		prefix = "day-pass"
	}
	return prefix + ":" + IDPart(orgID) + ":" + id
}

// AccessWorkflowID reads like "access:{org}:member:m1" or
// "access:{org}:guest:{hash}"; personKey is a workflow person key (a
// guest's is a hash of their e-mail, never the e-mail: see
// internal/guestkey). The org part is escaped as in LifecycleWorkflowID.
func AccessWorkflowID(orgID, personKey string) string {
	return "access:" + IDPart(orgID) + ":" + personKey
}

// IDPart escapes an id for a workflow id in which more parts follow it:
// "%" becomes "%25" and ":" becomes "%3A", so the part ends at the first
// ":" and the escaping can be undone. An id with neither (every id of the
// common form) is unchanged, so its workflow ids read as they always did.
// The last part of a workflow id needs no escaping: everything after the
// part before it is the last part.
func IDPart(id string) string {
	if !strings.ContainsAny(id, ":%") {
		return id
	}
	return idEscaper.Replace(id)
}

var idEscaper = strings.NewReplacer("%", "%25", ":", "%3A")

// ReconcileWorkflowID names an org's on-demand reconcile run; scheduled
// runs get Temporal's schedule-derived IDs.
func ReconcileWorkflowID(orgID string) string { return "reconcile:" + orgID }

// ReconcileScheduleID names an org's reconcile schedule.
func ReconcileScheduleID(orgID string) string { return "reconcile:" + orgID }

// Search attributes doorsync sets on its workflows (Keyword; registered by
// `doorsync temporal-setup` or the dev server's flags).
var (
	OrgIDKey      = temporal.NewSearchAttributeKeyKeyword("OrgId")
	PersonIDKey   = temporal.NewSearchAttributeKeyKeyword("PersonId")
	EntityKindKey = temporal.NewSearchAttributeKeyKeyword("EntityKind")
)

// Poke is the PokeSignal's payload. At is the instant the poke stands for.
// An access workflow evaluates access at the later of At and its own
// clock, so a clock running a little behind can never make a transition
// look "not yet"; zero means now. To a lifecycle workflow, At says up to
// when the sender delivered the entity's change to its persons itself (a
// write that poked them directly); zero says it delivered nothing (a
// change of something the entity depends on), and the lifecycle workflow
// pokes everyone its entity names.
//
// Poked was set on lifecycle pokes by writes from before the lifecycle
// workflow kept time alone; it is read only when replaying runs from then
// (workflows/lifecycle_v0.go) and never set any more.
type Poke struct {
	At     time.Time `json:"at,omitempty"`
	Reason string    `json:"reason,omitempty"`
	Poked  []string  `json:"poked,omitempty"`
}

// LifecycleInput starts a lifecycle workflow. Since carries, across
// continue-as-new, the instant up to which the entity's changes were
// delivered.
//
// KeepsTime is set by every start since the lifecycle workflow became the
// one timer of a grant (workflows.Lifecycle); runs started before lack it
// and replay the rules they had, reading Persons (the persons the entity
// reached when last evaluated), until their first live step continues
// them as new with it.
type LifecycleInput struct {
	OrgID     string      `json:"org_id"`
	Kind      access.Kind `json:"kind"`
	EntityID  string      `json:"entity_id"`
	Since     time.Time   `json:"since,omitempty"`
	KeepsTime bool        `json:"keeps_time,omitempty"`
	Persons   []string    `json:"persons,omitempty"`
}

// AccessInput starts a person's access workflow. Person is a workflow
// person key ("member:m1", "guest:{hash}"; runs started before guests were
// hashed carry "guest:joe@example.com").
//
// LocalFirst runs each ApplyAccess first as a local activity, falling back
// to a regular activity when that attempt fails. Every start sets it; runs
// started before it existed lack it and keep applying through regular
// activities only, so their histories replay unchanged.
//
// NoAlarm is set by every start since the person's workflow stopped
// keeping time (the lifecycle workflows keep it); runs started before lack
// it and keep waking at the person's next access change, so their
// histories replay unchanged.
//
// Poke is the first poke of a run started by a plain start (which, unlike
// signal-with-start, a worker in the starting process may take at once:
// eager start); a run started by signal-with-start finds it on the signal
// channel instead.
type AccessInput struct {
	OrgID      string `json:"org_id"`
	Person     string `json:"person"`
	LocalFirst bool   `json:"local_first,omitempty"`
	NoAlarm    bool   `json:"no_alarm,omitempty"`
	Poke       *Poke  `json:"poke,omitempty"`
}

// LoadLifecycleInput asks what an entity means at At, and whether its
// access changed in (Since, At]; a zero Since asks for delivery whatever
// changed.
type LoadLifecycleInput struct {
	OrgID    string      `json:"org_id"`
	Kind     access.Kind `json:"kind"`
	EntityID string      `json:"entity_id"`
	Since    time.Time   `json:"since,omitempty"`
	At       time.Time   `json:"at"`
}

// LoadLifecycleResult is what a lifecycle workflow needs to know of its
// entity: whom it names, whether its access changed since the last step,
// and when it next changes.
type LoadLifecycleResult struct {
	// Exists is false once the entity was deleted.
	Exists bool `json:"exists"`
	// Persons are the workflow person keys the entity names, whatever its
	// windows (sorted; a guest's is a hash of their e-mail, see
	// AccessInput): whom a change of its access in time concerns.
	Persons []string `json:"persons,omitempty"`
	// Changed is true when one of its windows opened or closed in
	// (Since, At], or Since is zero: its persons must be poked.
	Changed bool `json:"changed,omitempty"`
	// NextChange is the next instant after At at which any of its windows
	// opens or closes; zero when none.
	NextChange time.Time `json:"next_change,omitempty"`
}

// PokePersonsInput asks for the access workflows of Persons (workflow
// person keys) to be poked.
type PokePersonsInput struct {
	OrgID   string    `json:"org_id"`
	Persons []string  `json:"persons"`
	At      time.Time `json:"at,omitempty"`
	Reason  string    `json:"reason,omitempty"`
}

// ApplyAccessInput makes one person's Salto KS state match their access at
// the later of At and the activity's clock. Cause is why the workflow
// applies (the latest coalesced poke's reason, e.g. "membership ms1
// deleted", or its alarm's); the audit of a removal gives it as the why.
// Runs begun before Cause existed send none, which replays unchanged.
// Person is a workflow person key, as in AccessInput.
type ApplyAccessInput struct {
	OrgID  string    `json:"org_id"`
	Person string    `json:"person"`
	At     time.Time `json:"at,omitempty"`
	Cause  string    `json:"cause,omitempty"`
}

// ApplyAccessResult says what ApplyAccess did.
type ApplyAccessResult struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
	// NextChange is the person's next access change after the evaluation
	// instant; zero when none. Logged; only runs started without
	// AccessInput.NoAlarm set an alarm by it.
	NextChange time.Time `json:"next_change,omitempty"`
	// Problem is a failure retrying cannot fix (e.g. the site has no seats
	// left); it is recorded on the person and shown by the explain API.
	Problem string `json:"problem,omitempty"`
}
