package officerndtest

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Collection names a v2 list, as its path spells it.
type Collection string

// The lists the fake serves.
const (
	Locations   Collection = "locations"
	Floors      Collection = "floors"
	Plans       Collection = "plans"
	Companies   Collection = "companies"
	Members     Collection = "members"
	Resources   Collection = "resources"
	Memberships Collection = "memberships"
	Assignments Collection = "assignments"
	Bookings    Collection = "bookings"
	Visitors    Collection = "visitors"
	Passes      Collection = "passes"
)

var allCollections = []Collection{Locations, Floors, Plans, Companies, Members, Resources,
	Memberships, Assignments, Bookings, Visitors, Passes}

// timed are the collections whose objects carry createdAt and modifiedAt
// in the record (assignments only behind SetAssignmentTimes).
var timed = map[Collection]bool{Floors: true, Companies: true, Members: true, Resources: true,
	Memberships: true, Bookings: true, Passes: true}

// events are the webhook event prefixes of the collections OfficeRnD sends
// events for; removed lists those with a .removed event.
var (
	events  = map[Collection]string{Members: "member", Companies: "company", Memberships: "membership", Bookings: "booking", Passes: "pass"}
	removed = map[Collection]bool{Members: true, Companies: true, Memberships: true, Bookings: true}
)

// timeKeys are the fields the fake formats as OfficeRnD does:
// YYYY-MM-DDTHH:mm:ss.sssZ.
var timeKeys = []string{"createdAt", "modifiedAt", "startDate", "endDate", "start", "end",
	"validFrom", "validTo", "renewDate", "seriesStart", "seriesEnd"}

// listKeys are the array fields, answered [] when empty.
var listKeys = []string{"tags", "locations", "members", "visitors", "exdates"}

// TimeFormat is OfficeRnD's timestamp layout.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// object is one stored platform object, as its JSON decodes.
type object map[string]any

// collection keeps objects in creation order, indexed by id.
type collection struct {
	order []string
	byID  map[string]object
}

func newCollection() *collection { return &collection{byID: map[string]object{}} }

func (c *collection) put(o object) {
	id := o["_id"].(string)
	if _, ok := c.byID[id]; !ok {
		c.order = append(c.order, id)
	}
	c.byID[id] = o
}

func (c *collection) remove(id string) (object, bool) {
	o, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	delete(c.byID, id)
	for i, x := range c.order {
		if x == id {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
	return o, true
}

// toObject turns a seed struct into a stored object with OfficeRnD's time
// format (zero times dropped).
func toObject(v any) (object, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("officerndtest: encoding %T: %w", v, err)
	}
	var o object
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, fmt.Errorf("officerndtest: decoding %T: %w", v, err)
	}
	for k, v := range o {
		switch {
		case v != nil:
		case k == "properties":
			o[k] = map[string]any{} // as lists answer it
		case slices.Contains(listKeys, k):
			o[k] = []any{}
		}
	}
	for _, k := range timeKeys {
		s, ok := o[k].(string)
		if !ok {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || t.IsZero() {
			delete(o, k)
			continue
		}
		o[k] = t.UTC().Format(TimeFormat)
	}
	return o, nil
}

// fromObject decodes a stored object into a seed struct.
func fromObject(o object, v any) error {
	b, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("officerndtest: encoding object: %w", err)
	}
	return json.Unmarshal(b, v)
}

// newID returns a fresh 24-hex ObjectId (mu held): a time prefix and a
// counter, so ids sort by creation as MongoDB's do.
func (s *Server) newID() string {
	s.seq++
	return fmt.Sprintf("%08x%016x", uint32(s.now().Unix()), s.seq)
}

// stamp returns a modification time after every earlier one (mu held), so
// each change moves modifiedAt even within one millisecond.
func (s *Server) stamp() time.Time {
	t := s.now().Truncate(time.Millisecond)
	if !t.After(s.lastStamp) {
		t = s.lastStamp.Add(time.Millisecond)
	}
	s.lastStamp = t
	return t
}
