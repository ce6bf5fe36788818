package api

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
)

// Paging of lists: ?limit= (default 100, 1 to 1000) and ?cursor=, an
// opaque token from the previous page's next_cursor.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// pageLimit reads ?limit=.
func pageLimit(v *validationError, q url.Values) int {
	s := q.Get("limit")
	if s == "" {
		return defaultLimit
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		v.add("limit", "must be an integer from 1 to 1000")
		return defaultLimit
	}
	return n
}

// pageCursor reads ?cursor= ("" for the first page).
func pageCursor(v *validationError, q url.Values) string {
	s := q.Get("cursor")
	if s == "" {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		v.add("cursor", "is not a cursor this API gave out")
		return ""
	}
	return string(b)
}

// encodeCursor makes a position opaque.
func encodeCursor(pos string) string { return base64.RawURLEncoding.EncodeToString([]byte(pos)) }

// pageOf makes the page of items (fetched one more than limit, to tell
// whether another page follows): the views of the first limit, and the
// cursor after the last of them, spelled by pos.
func pageOf[T, V any](items []T, limit int, pos func(T) string, view func(T) V) listPage[V] {
	page := listPage[V]{Data: make([]V, 0, min(len(items), limit))}
	for i, it := range items {
		if i == limit {
			page.NextCursor = encodeCursor(pos(items[i-1]))
			break
		}
		page.Data = append(page.Data, view(it))
	}
	return page
}

// pageQuery reads a list's ?limit= and ?cursor= (a 400 naming each bad
// one).
func pageQuery(r *http.Request) (limit int, after string, err error) {
	q := r.URL.Query()
	v := &validationError{}
	limit, after = pageLimit(v, q), pageCursor(v, q)
	sortFieldErrors(v)
	return limit, after, v.orNil()
}
