package nexudus

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// position is where a stream's reading stands; its cursor is the query
// string of these fields, opaque to callers.
type position struct {
	list   int       // which of the stream's lists
	page   int       // the page to read, from 1
	lastID int       // the highest Id yielded so far in this list
	total  int       // TotalItems when the previous page was read
	cutoff time.Time // bookings ending before it are not read (fixed per pass)
}

func (p position) String() string {
	v := url.Values{"l": {strconv.Itoa(p.list)}, "p": {strconv.Itoa(p.page)},
		"id": {strconv.Itoa(p.lastID)}, "n": {strconv.Itoa(p.total)}}
	if !p.cutoff.IsZero() {
		v.Set("cut", strconv.FormatInt(p.cutoff.Unix(), 10))
	}
	return v.Encode()
}

func parseCursor(s string) (position, error) {
	if s == "" {
		return position{page: 1}, nil
	}
	v, err := url.ParseQuery(s)
	if err != nil {
		return position{}, fmt.Errorf("bad cursor: %w", err)
	}
	var p position
	var cut int64
	for _, f := range []struct {
		key string
		dst *int
	}{{"l", &p.list}, {"p", &p.page}, {"id", &p.lastID}, {"n", &p.total}} {
		if *f.dst, err = strconv.Atoi(v.Get(f.key)); err != nil {
			return position{}, fmt.Errorf("bad cursor %q", s)
		}
	}
	if c := v.Get("cut"); c != "" {
		if cut, err = strconv.ParseInt(c, 10, 64); err != nil {
			return position{}, fmt.Errorf("bad cursor %q", s)
		}
		p.cutoff = time.Unix(cut, 0).UTC()
	}
	if p.page < 1 || p.list < 0 {
		return position{}, fmt.Errorf("bad cursor %q", s)
	}
	return p, nil
}

// filterTime is the documented range-filter format, YYYY-MM-DDTHH:mm,
// inclusive: the minute of t (UTC, ASSUMED), so nothing of that minute is
// missed; what was already read comes again and is a repeat.
func filterTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04") }

func pageQuery(page, size int) url.Values {
	return url.Values{"page": {strconv.Itoa(page)}, "size": {strconv.Itoa(size)},
		"orderBy": {"Id"}, "dir": {"1"}}
}

// identified is a record with an Id.
type identified interface{ id() int }

func (b base) id() int { return b.ID }

// readList reads one page of a list in Id order, with the filters, and
// returns the records not yielded before (Id above pos.lastID) and the
// cursor of the next page ("" after the last).
//
// The documented paging is by offset (page, size), so a record removed
// from an earlier page while a pass reads shifts later records toward the
// start, where the pass has already been: a full read would miss them and
// the sweep would delete them. A page whose TotalItems is lower than the
// previous page's reads the pages before it again, as far back as the
// list shrank, and keeps only Ids above the last one yielded.
func readList[T identified](ctx context.Context, c *Client, l list, pos position, filters url.Values) ([]T, string, error) {
	env, err := listPage[T](ctx, c, l, pos.page, filters)
	if err != nil {
		return nil, "", err
	}
	recs := env.Records
	if shrunk := pos.total - env.TotalItems; shrunk > 0 && pos.page > 1 {
		size := max(env.CurrentPageSize, 1)
		for p := max(1, pos.page-(shrunk+size-1)/size); p < pos.page; p++ {
			prev, err := listPage[T](ctx, c, l, p, filters)
			if err != nil {
				return nil, "", err
			}
			recs = append(prev.Records, recs...)
		}
	}
	recs = unseen(recs, pos.lastID)
	if !env.HasNextPage {
		return recs, "", nil
	}
	next := pos
	next.page++
	next.total = env.TotalItems
	for _, r := range recs {
		next.lastID = max(next.lastID, r.id())
	}
	return recs, next.String(), nil
}

// unseen keeps the records above lastID, each once, in Id order.
func unseen[T identified](recs []T, lastID int) []T {
	out := make([]T, 0, len(recs))
	for _, r := range recs {
		if r.id() > lastID {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b T) int { return a.id() - b.id() })
	return slices.CompactFunc(out, func(a, b T) bool { return a.id() == b.id() })
}

func listPage[T any](ctx context.Context, c *Client, l list, page int, filters url.Values) (envelope[T], error) {
	q := pageQuery(page, PageSize)
	for k, v := range filters {
		q[k] = v
	}
	var env envelope[T]
	if err := c.get(ctx, l.path, q, &env); err != nil {
		return env, err
	}
	return env, nil
}

// sinceFilter is the incremental filter of a list, when since is set.
func sinceFilter(l list, since *time.Time) url.Values {
	f := url.Values{}
	if since != nil {
		f.Set("from_"+l.entity+"_UpdatedOn", filterTime(*since))
	}
	return f
}

// readAll reads a whole list (lookups: teams, visitors, time passes).
func readAll[T identified](ctx context.Context, c *Client, l list, filters url.Values) ([]T, error) {
	var out []T
	pos := position{page: 1}
	for {
		recs, next, err := readList[T](ctx, c, l, pos, filters)
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
		if next == "" {
			return out, nil
		}
		if pos, err = parseCursor(next); err != nil {
			return nil, err
		}
	}
}
