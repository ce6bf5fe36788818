package nexudustest

import (
	"fmt"
	"maps"
	"time"
)

// timeLayout is how the fake writes UTC times (ASSUMED: ISO 8601 with Z).
const timeLayout = "2006-01-02T15:04:05.000Z"

// FormatTime writes t as the fake writes UTC times.
func FormatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// Put creates a record of entity (a path such as Coworkers) and returns its
// Id: rec's Id if set, else a new one. CreatedOn and UpdatedOn are now.
func (s *Server) Put(entity string, rec M) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := intOf(rec["Id"])
	if id == 0 {
		s.nextID++
		id = s.nextID
	}
	s.nextID = max(s.nextID, id)
	r := maps.Clone(rec)
	at := FormatTime(s.stamp())
	r["Id"], r["UniqueId"], r["CreatedOn"], r["UpdatedOn"] = id, fmt.Sprintf("uid-%d", id), at, at
	s.table(entity)[id] = r
	s.queueDelivery(entity, opCreate, id)
	return id
}

// Update merges fields into the record (a nil value removes the field) and
// stamps UpdatedOn. It panics on an unknown record: a test's mistake.
func (s *Server) Update(entity string, id int, fields M) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.table(entity)[id]
	if !ok {
		panic(fmt.Sprintf("nexudustest: no %s %d", entity, id))
	}
	for k, v := range fields {
		if v == nil {
			delete(r, k)
		} else {
			r[k] = v
		}
	}
	r["UpdatedOn"] = FormatTime(s.stamp())
	s.queueDelivery(entity, opUpdate, id)
}

// Remove deletes the record (a webhook gets its last state).
func (s *Server) Remove(entity string, id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.table(entity)[id]
	if !ok {
		return
	}
	s.queueDeliveryOf(entity, opDelete, s.byIDShape(entity, r))
	delete(s.table(entity), id)
}

// Get returns a copy of a record in the by-id shape (nil if absent).
func (s *Server) Get(entity string, id int) M {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.table(entity)[id]
	if !ok {
		return nil
	}
	return s.byIDShape(entity, r)
}

// Count is the number of records of entity.
func (s *Server) Count(entity string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.table(entity))
}

// SetClock replaces time.Now (UpdatedOn stamps, token expiry, throttle
// windows).
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = now
}

func (s *Server) table(entity string) map[int]M {
	t, ok := s.records[entity]
	if !ok {
		panic(fmt.Sprintf("nexudustest: unknown entity %q", entity))
	}
	return t
}

// stamp is now, but strictly after the last stamp, so every change is a
// newer version even within one millisecond. Call with s.mu held.
func (s *Server) stamp() time.Time {
	now := s.clock().UTC().Truncate(time.Millisecond)
	if !now.After(s.last) {
		now = s.last.Add(time.Millisecond)
	}
	s.last = now
	return now
}

// byIDShape is the record as GET /{id} answers it: a copy with the
// collections derived from other records (a coworker's Teams from the
// teams' TeamMembers). Call with s.mu held.
func (s *Server) byIDShape(entity string, r M) M {
	out := maps.Clone(r)
	if entity == Coworkers {
		out["Teams"] = s.teamsOf(r["Id"])
	}
	for _, c := range entities[entity].collections {
		if _, ok := out[c]; !ok {
			out[c] = []any{}
		}
	}
	s.swapLocal(out)
	return out
}

// listShape is the record as a list answers it: no collections.
func (s *Server) listShape(entity string, r M) M {
	out := maps.Clone(r)
	for _, c := range entities[entity].collections {
		delete(out, c)
	}
	s.swapLocal(out)
	return out
}

// swapLocal applies the LocalIsUTC assumption to a copy.
func (s *Server) swapLocal(out M) {
	if !s.assume.LocalIsUTC {
		return
	}
	for _, f := range []string{"FromTime", "ToTime"} {
		a, b := out[f], out[f+"Local"]
		out[f], out[f+"Local"] = b, a
	}
}

// teamsOf lists the teams whose TeamMembers hold the coworker id.
func (s *Server) teamsOf(coworker any) []any {
	cid, _ := intOf(coworker)
	teams := []any{}
	for tid, t := range s.records[Teams] {
		for _, m := range asList(t["TeamMembers"]) {
			if id, _ := intOf(m); id == cid {
				teams = append(teams, tid)
			}
		}
	}
	return teams
}

func asList(v any) []any {
	switch l := v.(type) {
	case []any:
		return l
	case []int:
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = x
		}
		return out
	}
	return nil
}

// intOf reads an int from a seeded value (int, int64, float64 from JSON).
func intOf(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		return int(n), true
	}
	return 0, false
}
