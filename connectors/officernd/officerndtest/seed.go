package officerndtest

import (
	"errors"
	"fmt"
)

// ErrNotFound is an Update or Remove of an object the fake does not hold.
var ErrNotFound = errors.New("officerndtest: no such object")

// The Add helpers store an object and return its id (v.ID, or a new
// ObjectId when empty). Where the record gives the kind modification
// times, createdAt and modifiedAt are set to now unless given. With
// webhooks on, the change is delivered (X.created) before they return.

func (s *Server) AddLocation(v Location) string     { return s.mustAdd(Locations, v) }
func (s *Server) AddFloor(v Floor) string           { return s.mustAdd(Floors, v) }
func (s *Server) AddPlan(v Plan) string             { return s.mustAdd(Plans, v) }
func (s *Server) AddCompany(v Company) string       { return s.mustAdd(Companies, v) }
func (s *Server) AddMember(v Member) string         { return s.mustAdd(Members, v) }
func (s *Server) AddResource(v Resource) string     { return s.mustAdd(Resources, v) }
func (s *Server) AddMembership(v Membership) string { return s.mustAdd(Memberships, v) }
func (s *Server) AddAssignment(v Assignment) string { return s.mustAdd(Assignments, v) }
func (s *Server) AddBooking(v Booking) string       { return s.mustAdd(Bookings, v) }
func (s *Server) AddVisitor(v Visitor) string       { return s.mustAdd(Visitors, v) }
func (s *Server) AddPass(v Pass) string             { return s.mustAdd(Passes, v) }

// mustAdd panics only on a seed type that cannot be encoded: a programming
// error in the fake, not a runtime condition.
func (s *Server) mustAdd(c Collection, v any) string {
	id, err := s.Add(c, v)
	if err != nil {
		panic(err)
	}
	return id
}

// Add stores v (one of the seed types, or any JSON object) in c.
func (s *Server) Add(c Collection, v any) (string, error) {
	o, err := toObject(v)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	if id, _ := o["_id"].(string); id == "" {
		o["_id"] = s.newID()
	}
	s.stampNew(c, o)
	s.colls[c].put(o)
	d := s.pendingDelivery(c, "created", o)
	s.mu.Unlock()
	s.send(d)
	return o["_id"].(string), nil
}

// stampNew sets the times a new object of c carries (mu held).
func (s *Server) stampNew(c Collection, o object) {
	if !timed[c] && !(c == Assignments && s.cfg.assignmentTimes) {
		return
	}
	now := s.stamp().Format(TimeFormat)
	if _, ok := o["createdAt"]; !ok {
		o["createdAt"] = now
	}
	if _, ok := o["modifiedAt"]; !ok {
		o["modifiedAt"] = now
	}
}

// Update changes the object id of c through f (on its seed type T) and
// moves its modifiedAt to now, where it has one; with webhooks on, the
// change is delivered (X.updated).
func Update[T any](s *Server, c Collection, id string, f func(*T)) error {
	s.mu.Lock()
	o, ok := s.colls[c].byID[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("%w: %s %s", ErrNotFound, c, id)
	}
	var v T
	if err := fromObject(o, &v); err != nil {
		s.mu.Unlock()
		return err
	}
	s.mu.Unlock()
	f(&v)
	n, err := toObject(v)
	if err != nil {
		return err
	}
	s.mu.Lock()
	n["_id"] = id
	if _, had := o["modifiedAt"]; had {
		n["createdAt"] = o["createdAt"]
		n["modifiedAt"] = s.stamp().Format(TimeFormat)
	}
	s.colls[c].put(n)
	d := s.pendingDelivery(c, "updated", n)
	s.mu.Unlock()
	s.send(d)
	return nil
}

// Get reads the object id of c into its seed type T.
func Get[T any](s *Server, c Collection, id string) (T, error) {
	var v T
	s.mu.Lock()
	o, ok := s.colls[c].byID[id]
	s.mu.Unlock()
	if !ok {
		return v, fmt.Errorf("%w: %s %s", ErrNotFound, c, id)
	}
	return v, fromObject(o, &v)
}

// Remove deletes the object id of c; with webhooks on, the change is
// delivered (X.removed, where OfficeRnD has that event).
func (s *Server) Remove(c Collection, id string) error {
	s.mu.Lock()
	o, ok := s.colls[c].remove(id)
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("%w: %s %s", ErrNotFound, c, id)
	}
	var d *pending
	if removed[c] {
		d = s.pendingDelivery(c, "removed", o)
	}
	s.mu.Unlock()
	s.send(d)
	return nil
}

// IDs are the ids of the objects c holds, in the order they were added.
func (s *Server) IDs(c Collection) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.colls[c].order...)
}

// Count is how many objects c holds.
func (s *Server) Count(c Collection) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.colls[c].order)
}
