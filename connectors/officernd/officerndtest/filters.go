package officerndtest

import (
	"fmt"
	"strings"
	"time"
)

// field is a filterable field of a list: every one takes a plain value;
// in says [$in] is documented; date says it takes [$gt|$gte|$lt|$lte].
type field struct{ in, date bool }

var (
	plain  = field{}
	multi  = field{in: true}
	dated  = field{date: true}
	stamps = map[string]field{"createdAt": dated, "modifiedAt": dated}
)

// filters are the documented filters per list (record §1.4), beyond the
// paging parameters.
var filters = map[Collection]map[string]field{
	Members: with(stamps, map[string]field{"_id": multi, "name": plain, "email": plain, "location": plain,
		"company": plain, "status": multi}),
	Companies: with(stamps, map[string]field{"_id": multi, "name": plain, "location": plain, "status": multi}),
	Memberships: with(stamps, map[string]field{"company": plain, "member": plain, "plan": plain,
		"location": plain, "calculatedStatus": plain}),
	Assignments: {"resource": plain, "membership": plain},
	Plans:       {"name": plain, "code": plain},
	Resources:   {"name": plain, "type": multi, "location": plain},
	Locations:   {"_id": multi, "name": plain, "isOpen": plain, "isPublic": plain},
	Floors:      with(stamps, map[string]field{"_id": multi, "name": plain, "location": plain}),
	Bookings: with(stamps, map[string]field{"member": plain, "company": plain, "location": plain,
		"resource": multi, "isCancelled": plain, "isTentative": plain}),
	Visitors: {"_id": multi, "name": plain, "email": plain, "type": plain},
	Passes:   {"member": plain, "company": plain},
}

// sortable lists the lists that take $sort.
var sortable = map[Collection]bool{Members: true, Companies: true, Memberships: true}

func with(a, b map[string]field) map[string]field {
	out := map[string]field{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// cond is one parsed filter: field op value.
type cond struct {
	field, op string
	values    []string
	at        time.Time
}

// parseFilter checks one query parameter against c's filters (mu held);
// a refusal is the 400 message.
func (s *Server) parseFilter(c Collection, key, value string) (cond, string) {
	name, op := key, ""
	if i := strings.IndexByte(key, '['); i > 0 && strings.HasSuffix(key, "]") {
		name, op = key[:i], key[i+1:len(key)-1]
	}
	f, ok := filters[c][name]
	if !ok || s.refused(c, name) {
		return cond{}, fmt.Sprintf("property %s should not exist", name)
	}
	switch op {
	case "":
		return cond{field: name, op: "eq", values: []string{value}}, ""
	case "$in":
		if !f.in && !s.cfg.undocumentedIn {
			return cond{}, fmt.Sprintf("property %s should not exist", key)
		}
		return cond{field: name, op: "in", values: strings.Split(value, ",")}, ""
	case "$gt", "$gte", "$lt", "$lte":
		if !f.date {
			return cond{}, fmt.Sprintf("property %s should not exist", key)
		}
		t, err := time.Parse(time.RFC3339Nano, value)
		if err != nil {
			return cond{}, fmt.Sprintf("%s must be a valid ISO 8601 date string", key)
		}
		return cond{field: name, op: op, at: t}, ""
	}
	return cond{}, fmt.Sprintf("property %s should not exist", key)
}

// refused says whether c refuses a filter the record lists, as observed
// on memberships' dates (mu held).
func (s *Server) refused(c Collection, name string) bool {
	return c == Memberships && s.cfg.membershipsRefuseModified && (name == "createdAt" || name == "modifiedAt")
}

func (k cond) match(o object) bool {
	v := o[k.field]
	switch k.op {
	case "eq", "in":
		got := text(v)
		for _, want := range k.values {
			if got == want {
				return true
			}
		}
		return false
	}
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return false
	}
	switch k.op {
	case "$gt":
		return t.After(k.at)
	case "$gte":
		return !t.Before(k.at)
	case "$lt":
		return t.Before(k.at)
	}
	return !t.After(k.at)
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}
