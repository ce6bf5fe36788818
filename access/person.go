package access

import (
	"cmp"
	"fmt"
	"strings"
)

// Person kinds.
const (
	// PersonMember is a member, identified by member id (the entity kind
	// KindMember).
	PersonMember = string(KindMember)
	// PersonGuest is a guest or non-member booker, identified by e-mail.
	PersonGuest = "guest"
)

// PersonRef identifies who a grant is for: a member by id, or a guest by
// trimmed, lower-cased e-mail. A guest whose e-mail equals a member's stays
// a guest.
type PersonRef struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// MemberRef is the person for member id.
func MemberRef(id string) PersonRef { return PersonRef{Kind: PersonMember, ID: id} }

// GuestRef is the person for a guest's e-mail (normalised).
func GuestRef(email string) PersonRef {
	return PersonRef{Kind: PersonGuest, ID: NormalizeEmail(email)}
}

// NormalizeEmail trims and lower-cases an e-mail address, as guest
// identities use it. It does not allocate when e is already normal.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// Key is the person's stable string form, "member:m1" or
// "guest:joe@example.com", fit for workflow ids and map keys.
func (p PersonRef) Key() string { return p.Kind + ":" + p.ID }

// String returns Key.
func (p PersonRef) String() string { return p.Key() }

// IsZero reports whether p names nobody.
func (p PersonRef) IsZero() bool { return p == PersonRef{} }

// ParsePersonKey parses the result of Key. Member ids may contain colons;
// the kind is everything before the first one.
func ParsePersonKey(key string) (PersonRef, error) {
	kind, id, ok := strings.Cut(key, ":")
	if !ok || id == "" || (kind != PersonMember && kind != PersonGuest) {
		return PersonRef{}, fmt.Errorf("access: bad person key %q", key)
	}
	if kind == PersonGuest {
		return GuestRef(id), nil
	}
	return MemberRef(id), nil
}

// ComparePersons orders persons by kind, then id.
func ComparePersons(a, b PersonRef) int {
	if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
