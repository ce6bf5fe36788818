package access

import (
	"cmp"
	"time"
)

// Reason vias: the mapping a grant comes through, named by the kind of
// entity it maps (a bookable resource's mapping aside).
const (
	ViaPlan             = string(KindPlan)
	ViaLocation         = string(KindLocation)
	ViaFloor            = string(KindFloor)
	ViaResource         = string(KindResource)
	ViaBookableResource = "bookable_resource"
	ViaDayPass          = string(KindDayPass)
)

// Reason throughs: how a grant reached a person other than directly.
const (
	ThroughTeam     = string(KindTeam)
	ThroughCoMember = "co_member"
)

// Reason says why a grant exists: the source entity (Kind, ID; Kind is
// KindMembership, KindBooking or KindDayPass), the mapping
// it came through (Via, and Ref, the mapped entity's id: a plan, location,
// floor or resource id, or a day-pass mapping key), and Through when it
// reached the person by team or as a co-member.
type Reason struct {
	Kind    Kind   `json:"kind"`
	ID      string `json:"id"`
	Via     string `json:"via"`
	Ref     string `json:"ref"`
	Through string `json:"through,omitempty"`
}

// CompareReasons orders reasons field by field: kind, id, via, ref, through.
func CompareReasons(a, b Reason) int {
	return cmp.Or(
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.ID, b.ID),
		cmp.Compare(a.Via, b.Via),
		cmp.Compare(a.Ref, b.Ref),
		cmp.Compare(a.Through, b.Through),
	)
}

// Grant gives Person the access group Group over the half-open window
// [From, Until), for Reason. A zero Until is an open end. Times are UTC.
type Grant struct {
	Person PersonRef `json:"person"`
	Group  GroupRef  `json:"group"`
	From   time.Time `json:"from"`
	Until  time.Time `json:"until"`
	Reason Reason    `json:"reason"`
}

// ActiveAt reports whether t lies in the grant's window.
func (g Grant) ActiveAt(t time.Time) bool {
	return !t.Before(g.From) && (g.Until.IsZero() || t.Before(g.Until))
}

// EndedBy reports whether the grant's window closed at or before t.
func (g Grant) EndedBy(t time.Time) bool {
	return !g.Until.IsZero() && !t.Before(g.Until)
}

// window is a half-open span; a zero until is open.
type window struct {
	from, until time.Time
}

// empty reports whether the window contains no instant.
func (w window) empty() bool {
	return !w.until.IsZero() && !w.from.Before(w.until)
}

// clampUntil ends the window at end when that is earlier.
func (w window) clampUntil(end time.Time) window {
	if w.until.IsZero() || end.Before(w.until) {
		w.until = end
	}
	return w
}
