package officerndtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// listAnswer is the v2 list envelope; unused cursors are absent (OBS).
type listAnswer struct {
	Results    []object `json:"results"`
	CursorNext string   `json:"cursorNext,omitempty"`
	CursorPrev string   `json:"cursorPrev,omitempty"`
	RangeStart int      `json:"rangeStart"`
	RangeEnd   int      `json:"rangeEnd"`
}

// listQuery is a parsed list request.
type listQuery struct {
	limit  int
	offset int
	prev   bool
	conds  []cond
	fields []string
}

var objectID = regexp.MustCompile(`^[0-9a-f]{24}$`)

// admit runs what every API request meets before its handler (mu held):
// counting, injected failures, the list rate limit, the token and the
// slug. It answers false when it has written the response.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, route string) (Collection, bool) {
	s.count(route)
	if s.failLeft > 0 {
		s.failLeft--
		writeNest(w, s.cfg.failStatus, http.StatusText(s.cfg.failStatus))
		return "", false
	}
	if over, wait := limited(&s.listHits, s.cfg.listLimit, s.cfg.listWindow, s.now()); over {
		s.throttled++
		w.Header().Set("Retry-After", seconds(wait))
		writeNest(w, http.StatusTooManyRequests, "ThrottlerException: Too Many Requests")
		return "", false
	}
	if !s.authorized(r) {
		unauthorized(w)
		return "", false
	}
	if r.PathValue("slug") != s.cfg.slug {
		writeNest(w, http.StatusInternalServerError, "Organization not found")
		return "", false
	}
	c := Collection(r.PathValue("coll"))
	if _, ok := s.colls[c]; !ok {
		writeNest(w, http.StatusNotFound, "Cannot GET "+r.URL.Path)
		return "", false
	}
	return c, true
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.admit(w, r, "GET /"+r.PathValue("coll")+"/{id}")
	if !ok {
		return
	}
	id := r.PathValue("id")
	o, found := s.colls[c].byID[id]
	if !objectID.MatchString(id) || !found {
		writeNest(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.admit(w, r, "GET /"+r.PathValue("coll"))
	if !ok {
		return
	}
	q, status, msg := s.parseList(c, r)
	if status != 0 {
		writeNest(w, status, msg)
		return
	}
	writeJSON(w, http.StatusOK, s.page(c, q))
}

// parseList validates the query as NestJS's whitelist does: every
// parameter must be known (mu held).
func (s *Server) parseList(c Collection, r *http.Request) (listQuery, int, string) {
	q := listQuery{limit: MaxLimit}
	vals := r.URL.Query()
	if vals.Has("$cursorNext") && vals.Has("$cursorPrev") {
		return q, http.StatusGatewayTimeout, "Gateway Timeout" // observed
	}
	for key, vs := range vals {
		v := vs[0]
		switch key {
		case "$limit":
			n, err := strconv.Atoi(v)
			switch {
			case err != nil:
				return q, http.StatusBadRequest, "$limit must be a number conforming to the specified constraints"
			case n > MaxLimit:
				return q, http.StatusBadRequest, "$limit must not be greater than 50"
			case n <= 0:
				q.limit = 20 // observed: $limit=0 returns 20
			default:
				q.limit = n
			}
		case "$cursorNext", "$cursorPrev":
			off, ok := decodeCursor(v)
			if !ok {
				return q, http.StatusInternalServerError, "Internal server error" // observed: garbage cursor → 500
			}
			q.offset, q.prev = off, key == "$cursorPrev"
		case "$select":
			if v == "" {
				return q, http.StatusBadRequest, "$select should not be empty"
			}
			q.fields = strings.Split(v, ",")
		case "$sort":
			if !sortable[c] || (c == Memberships && s.cfg.membershipsRefuseModified) {
				return q, http.StatusBadRequest, "property $sort should not exist"
			}
		default:
			k, msg := s.parseFilter(c, key, v)
			if msg != "" {
				return q, http.StatusBadRequest, msg
			}
			q.conds = append(q.conds, k)
		}
	}
	return q, 0, ""
}

// page answers one page of the matching objects, in creation order (mu
// held). A cursor is the offset its page starts at.
func (s *Server) page(c Collection, q listQuery) listAnswer {
	var all []object
	for _, id := range s.colls[c].order {
		o := s.colls[c].byID[id]
		if matches(o, q.conds) {
			all = append(all, o)
		}
	}
	start := min(q.offset, len(all))
	if q.prev {
		start = max(0, q.offset-q.limit)
	}
	end := min(start+q.limit, len(all))
	ans := listAnswer{Results: make([]object, 0, end-start)}
	for _, o := range all[start:end] {
		ans.Results = append(ans.Results, project(o, q.fields))
	}
	if end > start {
		ans.RangeStart, ans.RangeEnd = start+1, end
	}
	if end < len(all) {
		ans.CursorNext = encodeCursor(end)
	}
	if start > 0 {
		ans.CursorPrev = encodeCursor(start)
	}
	return ans
}

func matches(o object, conds []cond) bool {
	for _, k := range conds {
		if !k.match(o) {
			return false
		}
	}
	return true
}

// project keeps _id and the selected fields (an unknown field selects
// nothing more, as observed).
func project(o object, fields []string) object {
	if fields == nil {
		return o
	}
	out := object{"_id": o["_id"]}
	for _, f := range fields {
		if v, ok := o[f]; ok {
			out[f] = v
		}
	}
	return out
}

type cursor struct {
	Offset int `json:"o"`
}

func encodeCursor(off int) string {
	b, _ := json.Marshal(cursor{Offset: off})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Offset < 0 {
		return 0, false
	}
	return c.Offset, true
}
