package saltokstest

import (
	"net/http"
	"strings"
)

var lockFields = fields[*lock]{
	"id":                 func(l *lock) string { return l.id },
	"customer_reference": func(l *lock) string { return l.name },
}

var tagFields = fields[*tag]{
	"id":         func(t *tag) string { return t.id },
	"tag_number": func(t *tag) string { return t.number },
	"user_id": func(t *tag) string {
		if t.holder == nil {
			return ""
		}
		return t.holder.person.id
	},
}

func (s *Server) lockRoutes(mux *http.ServeMux) {
	s.connect(mux, "GET /{version}/sites/{site_id}/locks", listLocks)
	s.connect(mux, "GET /{version}/sites/{site_id}/locks/{lock_id}", getLock)
	s.connect(mux, "GET /{version}/sites/{site_id}/tags", listTags)
	s.connect(mux, "GET /{version}/sites/{site_id}/tags/{tag_id}", getTag)
	s.connect(mux, "GET /{version}/sites/{site_id}/entries", listEntries)
}

func listLocks(c *call) response {
	q, bad := parseListQuery(c.r.URL.Query())
	if bad != nil {
		return *bad
	}
	return list(c, q, c.site.locks.values(), lockFields, lockWire)
}

func getLock(c *call) response {
	l, ok := c.site.locks.get(strings.ToLower(c.param("lock_id")))
	if !ok {
		return *errorResponse(http.StatusNotFound, codeNotFound, "Lock not found")
	}
	return jsonResponse(http.StatusOK, lockWire(l))
}

// listTags is the ASSUMED GET /sites/{id}/tags (no Connect tag route was
// observed), with $filter=tag_number eq '…' served from an index.
func listTags(c *call) response {
	q, bad := parseListQuery(c.r.URL.Query())
	if bad != nil {
		return *bad
	}
	tags := c.site.tags.values()
	if eq, ok := q.filter.(eqNode); ok && eq.field == "tag_number" {
		tags = nil
		if t := c.site.tagByNumber[strings.ToLower(eq.value)]; t != nil {
			tags = []*tag{t}
		}
	}
	return list(c, q, tags, tagFields, tagWire)
}

func getTag(c *call) response {
	t, ok := c.site.tags.get(strings.ToLower(c.param("tag_id")))
	if !ok {
		return *errorResponse(http.StatusNotFound, codeNotFound, "Tag not found")
	}
	return jsonResponse(http.StatusOK, tagWire(t))
}

// listEntries is GET /v1.1/sites/{id}/entries: the fake records no door
// events, so the list is empty and has no continuation_token. v1.2 answers
// 405, as measured.
func listEntries(c *call) response {
	if c.version != "v1.1" {
		return emptyResponse(http.StatusMethodNotAllowed)
	}
	return jsonResponse(http.StatusOK, map[string]any{"items": []any{}})
}
