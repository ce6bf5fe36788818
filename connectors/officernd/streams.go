package officernd

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"doorsync/access"
	"doorsync/connectors"
)

// The streams a sync reads, in the order their records must be written.
// Incremental only where the record documents modifiedAt filters (members,
// companies, floors); memberships are observed to refuse them, and for the
// rest the record is silent, so they are read in full.
var streams = []connectors.Stream{
	{Name: "locations", Kinds: []access.Kind{access.KindLocation}},
	{Name: "floors", Kinds: []access.Kind{access.KindFloor}, Incremental: true},
	{Name: "plans", Kinds: []access.Kind{access.KindPlan}},
	{Name: "companies", Kinds: []access.Kind{access.KindTeam}, Incremental: true},
	{Name: "members", Kinds: []access.Kind{access.KindMember}, Incremental: true},
	{Name: "resources", Kinds: []access.Kind{access.KindResource}},
	{Name: "memberships", Kinds: []access.Kind{access.KindMembership}},
	{Name: "bookings", Kinds: []access.Kind{access.KindBooking}},
	{Name: "passes", Kinds: []access.Kind{access.KindDayPass}},
}

// Platform is OfficeRnD.
func (c *Client) Platform() connectors.Platform { return connectors.OfficeRnD }

// Streams are the lists a full sync reads, in write order.
func (c *Client) Streams() []connectors.Stream {
	out := make([]connectors.Stream, len(streams))
	for i, s := range streams {
		out[i] = s
		out[i].Kinds = append([]access.Kind(nil), s.Kinds...)
	}
	return out
}

// Check proves the credentials with one list call (a token and the first
// page of locations).
func (c *Client) Check(ctx context.Context) error {
	_, _, err := listPage[location](ctx, c, &op{}, "/locations", nil, "")
	return err
}

// Page reads one page of stream; since (incremental streams only) keeps it
// to objects modified at or after it. Its records' ReadAt is when the
// oldest data the page used was read: its own request, or an earlier one
// that filled a cache it used (a stream's assignments, visitors, holders).
func (c *Client) Page(ctx context.Context, stream string, since *time.Time, cursor string) (connectors.Page, error) {
	s, ok := findStream(stream)
	if !ok {
		return connectors.Page{}, fmt.Errorf("officernd: no stream %q", stream)
	}
	q := url.Values{}
	switch {
	case since != nil && !s.Incremental:
		return connectors.Page{}, fmt.Errorf("officernd: stream %q cannot be read since a time", stream)
	case since != nil:
		q.Set("modifiedAt[$gte]", since.UTC().Format(timeFormat))
	case stream == "members" || stream == "companies":
		// A full read asks only for those in the space (status[$in] is
		// documented on both): spaces keep many leads and contacts, and
		// the sweep removes whoever left. A read since a time takes every
		// status, so a change to "former" arrives as a deletion.
		q.Set("status[$in]", strings.Join(inSpace, ","))
	}
	o := &op{}
	page, err := c.readStream(ctx, o, stream, q, cursor)
	page.Calls = o.calls
	stamp(page.Records, o.read.time())
	return page, err
}

func findStream(name string) (connectors.Stream, bool) {
	for _, s := range streams {
		if s.Name == name {
			return s, true
		}
	}
	return connectors.Stream{}, false
}

func (c *Client) readStream(ctx context.Context, o *op, stream string, q url.Values, cursor string) (connectors.Page, error) {
	switch stream {
	case "locations":
		return simplePage(ctx, c, o, "/locations", q, cursor, locationOutcome)
	case "floors":
		return simplePage(ctx, c, o, "/floors", q, cursor, floorOutcome)
	case "plans":
		return simplePage(ctx, c, o, "/plans", q, cursor, planOutcome)
	case "companies":
		return simplePage(ctx, c, o, "/companies", q, cursor, func(co company) (outcome, error) {
			return c.seenCompany(co, o.read.time())
		})
	case "members":
		return simplePage(ctx, c, o, "/members", q, cursor, func(m member) (outcome, error) {
			return c.seenMember(m, o.read.time())
		})
	case "resources":
		return simplePage(ctx, c, o, "/resources", q, cursor, resourceOutcome)
	case "memberships":
		return c.membershipsPage(ctx, o, q, cursor)
	case "bookings":
		return c.bookingsPage(ctx, o, q, cursor)
	default:
		return c.passesPage(ctx, o, q, cursor)
	}
}

// seenMember and seenCompany translate, keeping the holder cache current
// for the passes stream; read is when the object was read (zero: unknown).
func (c *Client) seenMember(m member, read time.Time) (outcome, error) {
	c.holders.put("member", holderEntry{ID: m.ID, Location: m.Location, Company: m.Company, ModifiedAt: m.ModifiedAt, read: read})
	return memberOutcome(m)
}

func (c *Client) seenCompany(co company, read time.Time) (outcome, error) {
	c.holders.put("company", holderEntry{ID: co.ID, Location: co.Location, ModifiedAt: co.ModifiedAt, read: read})
	return companyOutcome(co)
}

// simplePage reads a page of objects that translate on their own.
func simplePage[T any](ctx context.Context, c *Client, o *op, path string, q url.Values, cursor string,
	translate func(T) (outcome, error)) (connectors.Page, error) {
	objs, next, err := listPage[T](ctx, c, o, path, q, cursor)
	if err != nil {
		return connectors.Page{}, err
	}
	return collect(objs, next, translate)
}

func (c *Client) membershipsPage(ctx context.Context, o *op, q url.Values, cursor string) (connectors.Page, error) {
	mss, next, err := listPage[membership](ctx, c, o, "/memberships", q, cursor)
	if err != nil {
		return connectors.Page{}, err
	}
	idx, err := c.assignments(ctx, o, cursor == "")
	if err != nil {
		return connectors.Page{}, err
	}
	now := c.now()
	return collect(mss, next, func(ms membership) (outcome, error) { return membershipOutcome(ms, idx[ms.ID], now) })
}

func (c *Client) bookingsPage(ctx context.Context, o *op, q url.Values, cursor string) (connectors.Page, error) {
	bs, next, err := listPage[booking](ctx, c, o, "/bookings", q, cursor)
	if err != nil {
		return connectors.Page{}, err
	}
	visitors, err := c.streamVisitors(ctx, o, visitorIDs(bs), cursor == "")
	if err != nil {
		return connectors.Page{}, err
	}
	return collect(bs, next, func(b booking) (outcome, error) { return bookingOutcome(b, visitors) })
}

// visitorIDs are the visitors of the bookings that can become records.
func visitorIDs(bs []booking) []string {
	var ids []string
	for _, b := range bs {
		if !b.IsCancelled && !b.IsTentative && b.Member != "" && (b.Recurrence == nil || b.Recurrence.Rrule == "") {
			ids = append(ids, b.Visitors...)
		}
	}
	return ids
}

func (c *Client) passesPage(ctx context.Context, o *op, q url.Values, cursor string) (connectors.Page, error) {
	ps, next, err := listPage[pass](ctx, c, o, "/passes", q, cursor)
	if err != nil {
		return connectors.Page{}, err
	}
	holders, err := c.holdersOf(ctx, o, ps)
	if err != nil {
		return connectors.Page{}, err
	}
	return collect(ps, next, func(p pass) (outcome, error) {
		h, ok := holders[p.ID]
		return passOutcome(p, h, ok)
	})
}

// collect gathers a page's outcomes.
func collect[T any](objs []T, next string, translate func(T) (outcome, error)) (connectors.Page, error) {
	page := connectors.Page{Next: next}
	for _, obj := range objs {
		out, err := translate(obj)
		if err != nil {
			return connectors.Page{}, err
		}
		if out.rec != nil {
			page.Records = append(page.Records, *out.rec)
		}
		if out.del != nil {
			page.Deleted = append(page.Deleted, *out.del)
		}
	}
	return page, nil
}
