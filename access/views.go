package access

import (
	"encoding/json"
	"slices"
	"time"
)

// Desired is the desired state at one instant: each person's groups,
// sorted and without duplicates. Persons without groups are absent.
type Desired map[PersonRef][]GroupRef

// Persons returns the persons in d, sorted by ComparePersons.
func (d Desired) Persons() []PersonRef {
	persons := make([]PersonRef, 0, len(d))
	for p := range d {
		persons = append(persons, p)
	}
	slices.SortFunc(persons, ComparePersons)
	return persons
}

// MarshalJSON encodes d as an object keyed by PersonRef.Key (JSON cannot
// key an object by a struct).
func (d Desired) MarshalJSON() ([]byte, error) {
	byKey := make(map[string][]GroupRef, len(d))
	for p, groups := range d {
		byKey[p.Key()] = groups
	}
	return json.Marshal(byKey)
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (d *Desired) UnmarshalJSON(b []byte) error {
	var byKey map[string][]GroupRef
	if err := json.Unmarshal(b, &byKey); err != nil {
		return err
	}
	out := make(Desired, len(byKey))
	for k, groups := range byKey {
		p, err := ParsePersonKey(k)
		if err != nil {
			return err
		}
		out[p] = groups
	}
	*d = out
	return nil
}

// ActiveAt returns every person's groups whose grants are active at t.
func ActiveAt(grants []Grant, t time.Time) Desired {
	d := Desired{}
	for i := range grants {
		if g := &grants[i]; g.ActiveAt(t) {
			d[g.Person] = append(d[g.Person], g.Group)
		}
	}
	for p, groups := range d {
		d[p] = SortGroups(groups)
	}
	return d
}

// DesiredFor returns person's groups whose grants are active at t, sorted
// and without duplicates.
func DesiredFor(grants []Grant, person PersonRef, t time.Time) []GroupRef {
	var groups []GroupRef
	for i := range grants {
		if g := &grants[i]; g.Person == person && g.ActiveAt(t) {
			groups = append(groups, g.Group)
		}
	}
	return SortGroups(groups)
}

// NextChange returns the first instant strictly after `after` at which any
// grant's window opens or closes, or the zero time when there is none.
// ActiveAt is constant from any instant up to (not including) NextChange.
func NextChange(grants []Grant, after time.Time) time.Time {
	var next time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && t.After(after) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for i := range grants {
		consider(grants[i].From)
		consider(grants[i].Until)
	}
	return next
}

// Ended reports whether no grant is active at or after t: every window has
// closed by t. A lifecycle workflow whose entity's grants have ended (and
// whose references are all resolved) has nothing left to do.
func Ended(grants []Grant, t time.Time) bool {
	for i := range grants {
		if !grants[i].EndedBy(t) {
			return false
		}
	}
	return true
}
