package nexudustest

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// getHandler serves GET /api/<entity>/{id}: the by-id shape, 404 if absent.
func (s *Server) getHandler(entity string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		rec, ok := s.records[entity][id]
		if err != nil || !ok {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, http.StatusOK, s.byIDShape(entity, rec))
	}
}

// listHandler serves GET /api/<entity>: a batch (?id=[1,2], a plain array)
// or a filtered, ordered page in the list envelope.
func (s *Server) listHandler(entity string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if ids := q.Get("id"); ids != "" {
			s.batch(w, entity, ids)
			return
		}
		recs, err := s.filter(entity, q)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, M{"Message": err.Error(), "WasSuccessful": false})
			return
		}
		orderBy, dir := cmp.Or(q.Get("orderBy"), "Id"), 1
		if q.Get("dir") == "-1" {
			dir = -1
		}
		sortRecords(recs, orderBy, dir)
		writeJSON(w, http.StatusOK, s.page(entity, recs, q, orderBy, dir))
	}
}

// batch answers ?id=[1,2,3] with the records that exist, in that order.
func (s *Server) batch(w http.ResponseWriter, entity, ids string) {
	out := []M{}
	for _, f := range strings.Split(strings.Trim(ids, "[]"), ",") {
		id, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			continue
		}
		if rec, ok := s.records[entity][id]; ok {
			if s.assume.BatchOmitsCollections {
				out = append(out, s.listShape(entity, rec))
			} else {
				out = append(out, s.byIDShape(entity, rec))
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// page cuts one page (page, size; defaults 1 and 25) into the envelope.
func (s *Server) page(entity string, recs []M, q url.Values, orderBy string, dir int) M {
	pageNo, size := atoiOr(q.Get("page"), 1), atoiOr(q.Get("size"), 25)
	if s.assume.MaxPageSize > 0 {
		size = min(size, s.assume.MaxPageSize)
	}
	pageNo, size = max(pageNo, 1), max(size, 1)
	total := len(recs)
	from := min((pageNo-1)*size, total)
	to := min(from+size, total)
	out := make([]M, 0, to-from)
	for _, r := range recs[from:to] {
		out = append(out, s.listShape(entity, r))
	}
	pages := (total + size - 1) / size
	return M{"Records": out, "CurrentPage": pageNo, "CurrentPageSize": size, "CurrentOrderField": orderBy,
		"CurrentSortDirection": dir, "FirstItem": from + 1, "LastItem": to, "TotalItems": total,
		"TotalPages": pages, "HasNextPage": to < total, "HasPreviousPage": pageNo > 1}
}

// filter applies <Entity>_<Field>=v (equality; a reference field matches
// with or without its Id suffix: BookingVisitor_Booking is BookingId) and
// from_/to_<Entity>_<Field> ranges. Other parameters are ignored
// (ASSUMED: the record does not say unknown ones are refused).
func (s *Server) filter(entity string, q url.Values) ([]M, error) {
	prefix := entities[entity].name + "_"
	var keep []func(M) bool
	for key, vals := range q {
		v := vals[0]
		switch {
		case strings.HasPrefix(key, "from_"+prefix), strings.HasPrefix(key, "to_"+prefix):
			low := strings.HasPrefix(key, "from_")
			field := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(key, "from_"), "to_"), prefix)
			bound, err := parseFilterTime(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			keep = append(keep, rangeMatch(field, bound, low))
		case strings.HasPrefix(key, prefix):
			keep = append(keep, equalMatch(strings.TrimPrefix(key, prefix), v))
		}
	}
	var out []M
	for _, r := range s.records[entity] {
		if all(keep, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

func all(preds []func(M) bool, r M) bool {
	for _, p := range preds {
		if !p(r) {
			return false
		}
	}
	return true
}

func equalMatch(field, want string) func(M) bool {
	return func(r M) bool {
		v, ok := r[field]
		if !ok {
			v, ok = r[field+"Id"]
		}
		return ok && strings.EqualFold(fmt.Sprint(v), want)
	}
}

// rangeMatch compares at minute granularity, both bounds inclusive (DOC).
// ASSUMED: the bound is UTC, like the UTC fields it filters.
func rangeMatch(field string, bound time.Time, low bool) func(M) bool {
	return func(r M) bool {
		s, _ := r[field].(string)
		t, err := parseRecordTime(s)
		if err != nil {
			return false
		}
		t = t.Truncate(time.Minute)
		if low {
			return !t.Before(bound)
		}
		return !t.After(bound)
	}
}

// parseFilterTime reads the documented YYYY-MM-DDTHH:mm (a date alone too).
func parseFilterTime(v string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not YYYY-MM-DDTHH:mm", v)
}

func parseRecordTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999", s)
}

// sortRecords orders by one field, numbers as numbers, then by Id.
func sortRecords(recs []M, field string, dir int) {
	slices.SortFunc(recs, func(a, b M) int {
		c := compareValues(a[field], b[field])
		if c == 0 {
			c = compareValues(a["Id"], b["Id"])
		}
		return c * dir
	})
}

func compareValues(a, b any) int {
	x, xok := intOf(a)
	y, yok := intOf(b)
	if xok && yok {
		return cmp.Compare(x, y)
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}
