package nexudus

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// lookupTTL is how long a lookup read for one page serves the next ones
// (and webhooks): a pass's pages follow each other within it, and a stale
// lookup is repaired by the next pass.
const lookupTTL = 2 * time.Minute

// batchSize is how many ids one batch GET (?id=[…]) names, keeping its URL
// near a kilobyte.
const batchSize = 100

// lookups are the lists some records need besides their own: which team a
// coworker is in (lists omit TeamMembers), a booking's visitors, and which
// time passes are day passes. One client caches them for lookupTTL.
type lookups struct {
	mu         sync.Mutex
	teams      *teamIndex
	teamsAt    time.Time
	visitors   map[int][]bookingVisitor
	visitorsAt time.Time
	dayPasses  map[int]bool
	passesAt   time.Time
}

// teamIndex is each coworker's team and the latest UpdatedOn of all
// teams.
type teamIndex struct {
	teamOf  map[int]int // coworker id → the lowest id of the teams holding them
	updated string      // the latest UpdatedOn of any team
	teams   []team      // every team, with its TeamMembers
}

// membersOfTeamsChangedSince are the coworkers of the teams changed at or
// after since's minute (the range filters' granularity).
func (x *teamIndex) membersOfTeamsChangedSince(since time.Time) []int {
	from := since.Truncate(time.Minute)
	var ids []int
	for _, t := range x.teams {
		if at, ok := parseTime(t.UpdatedOn); ok && !at.Before(from) {
			ids = append(ids, *t.TeamMembers...)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// teamIndex reads every team and its TeamMembers (fresh when a pass
// starts, else the cached one).
func (c *Client) teamIndex(ctx context.Context, fresh bool) (*teamIndex, error) {
	c.cache.mu.Lock()
	defer c.cache.mu.Unlock()
	if !fresh && c.cache.teams != nil && c.now().Sub(c.cache.teamsAt) < lookupTTL {
		return c.cache.teams, nil
	}
	teams, err := readAll[team](ctx, c, list{"spaces/teams", "Team"}, nil)
	if err != nil {
		return nil, fmt.Errorf("reading teams: %w", err)
	}
	full, err := c.teamsWithMembers(ctx, teams)
	if err != nil {
		return nil, err
	}
	idx := &teamIndex{teamOf: map[int]int{}, teams: full}
	for _, t := range full {
		idx.updated = later(idx.updated, t.UpdatedOn)
		for _, m := range *t.TeamMembers {
			if cur, ok := idx.teamOf[m]; !ok || t.ID < cur {
				idx.teamOf[m] = t.ID
			}
		}
	}
	c.cache.teams, c.cache.teamsAt = idx, c.now()
	return idx, nil
}

// teamsWithMembers reads the teams' TeamMembers by batch GET, and by single
// GET for a team the batch answers without them (ASSUMED: a batch answers
// the by-id shape, collections included; the fallback costs a call a team
// if it does not).
func (c *Client) teamsWithMembers(ctx context.Context, teams []team) ([]team, error) {
	ids := make([]int, len(teams))
	for i, t := range teams {
		ids[i] = t.ID
	}
	full, err := batchGet[team](ctx, c, "spaces/teams", ids)
	if err != nil {
		return nil, fmt.Errorf("reading teams' members: %w", err)
	}
	for i, t := range full {
		if t.TeamMembers != nil {
			continue
		}
		if err := c.get(ctx, "spaces/teams/"+strconv.Itoa(t.ID), nil, &full[i]); err != nil {
			return nil, fmt.Errorf("reading team %d: %w", t.ID, err)
		}
		if full[i].TeamMembers == nil {
			full[i].TeamMembers = &[]int{}
		}
	}
	return full, nil
}

// batchGet reads records by id, batchSize ids a call (DOC: ?id=[1,2,3]
// answers a plain array).
func batchGet[T any](ctx context.Context, c *Client, path string, ids []int) ([]T, error) {
	var out []T
	for start := 0; start < len(ids); start += batchSize {
		chunk := ids[start:min(start+batchSize, len(ids))]
		parts := make([]string, len(chunk))
		for i, id := range chunk {
			parts[i] = strconv.Itoa(id)
		}
		var recs []T
		q := url.Values{"id": {"[" + strings.Join(parts, ",") + "]"}}
		if err := c.get(ctx, path, q, &recs); err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

// visitorsByBooking reads every booking visitor, grouped by booking.
// The record has no webhook action for booking visitors, and filtering
// them by booking costs a call a booking, so a pass reads them whole.
func (c *Client) visitorsByBooking(ctx context.Context, fresh bool) (map[int][]bookingVisitor, error) {
	c.cache.mu.Lock()
	defer c.cache.mu.Unlock()
	if !fresh && c.cache.visitors != nil && c.now().Sub(c.cache.visitorsAt) < lookupTTL {
		return c.cache.visitors, nil
	}
	all, err := readAll[bookingVisitor](ctx, c, list{"spaces/bookingvisitors", "BookingVisitor"}, nil)
	if err != nil {
		return nil, fmt.Errorf("reading booking visitors: %w", err)
	}
	by := map[int][]bookingVisitor{}
	for _, v := range all {
		by[v.BookingID] = append(by[v.BookingID], v)
	}
	c.cache.visitors, c.cache.visitorsAt = by, c.now()
	return by, nil
}

// visitorsOf reads one booking's visitors (a webhook's booking).
func (c *Client) visitorsOf(ctx context.Context, bookingID int) ([]bookingVisitor, error) {
	f := url.Values{"BookingVisitor_Booking": {strconv.Itoa(bookingID)}}
	vs, err := readAll[bookingVisitor](ctx, c, list{"spaces/bookingvisitors", "BookingVisitor"}, f)
	if err != nil {
		return nil, fmt.Errorf("reading booking %d's visitors: %w", bookingID, err)
	}
	return vs, nil
}

// dayPassIDs reads which time passes are day passes (DOC: MinutesIncluded
// null).
func (c *Client) dayPassIDs(ctx context.Context, fresh bool) (map[int]bool, error) {
	c.cache.mu.Lock()
	defer c.cache.mu.Unlock()
	if !fresh && c.cache.dayPasses != nil && c.now().Sub(c.cache.passesAt) < lookupTTL {
		return c.cache.dayPasses, nil
	}
	passes, err := readAll[timePass](ctx, c, list{"billing/timepasses", "TimePass"}, nil)
	if err != nil {
		return nil, fmt.Errorf("reading time passes: %w", err)
	}
	day := map[int]bool{}
	for _, p := range passes {
		day[p.ID] = p.MinutesIncluded == nil
	}
	c.cache.dayPasses, c.cache.passesAt = day, c.now()
	return day, nil
}

// later is the later of two Nexudus times ("" is none).
func later(a, b string) string {
	if version(b) > version(a) {
		return b
	}
	return a
}
