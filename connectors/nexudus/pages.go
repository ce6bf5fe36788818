package nexudus

import (
	"context"
	"net/url"
	"slices"
	"time"

	"doorsync/connectors"
)

// bookingsKeptFor is how far back a pass reads bookings (by ToTime): a
// booking over for a day grants nothing, and reading a space's whole
// booking history every pass would cost calls for nothing. A full pass
// thus lets the sweep delete doorsync's copies of bookings long over.
const bookingsKeptFor = 24 * time.Hour

// translatedPage reads a page of p's list and translates each record.
func translatedPage[T identified](ctx context.Context, c *Client, p pageReq, filters url.Values,
	translate func(T) (connectors.Record, bool)) (connectors.Page, error) {
	recs, next, err := readList[T](ctx, c, p.list, p.pos, filters)
	if err != nil {
		return connectors.Page{}, err
	}
	page := connectors.Page{Next: next}
	for _, r := range recs {
		if rec, ok := translate(r); ok {
			page.Records = append(page.Records, rec)
		}
	}
	return page, nil
}

func (c *Client) locationsPage(ctx context.Context, p pageReq) (connectors.Page, error) {
	return translatedPage(ctx, c, p, sinceFilter(p.list, p.since), locationRecord)
}

func (c *Client) floorsPage(ctx context.Context, p pageReq) (connectors.Page, error) {
	return translatedPage(ctx, c, p, sinceFilter(p.list, p.since), floorRecord)
}

func (c *Client) plansPage(ctx context.Context, p pageReq) (connectors.Page, error) {
	return translatedPage(ctx, c, p, sinceFilter(p.list, p.since), planRecord)
}

func (c *Client) teamsPage(ctx context.Context, p pageReq) (connectors.Page, error) {
	return translatedPage(ctx, c, p, sinceFilter(p.list, p.since), teamRecord)
}

// resourcesPage reads desks (the stream's first list), then bookable
// resources.
func (c *Client) resourcesPage(ctx context.Context, p pageReq) (connectors.Page, error) {
	if p.pos.list == 0 {
		return translatedPage(ctx, c, p, sinceFilter(p.list, p.since), deskRecord)
	}
	return translatedPage(ctx, c, p, sinceFilter(p.list, p.since), bookableRecord)
}

// membersPage reads coworkers; the teams they are in come from the teams'
// TeamMembers, read afresh when a pass starts. An incremental pass then
// reads the members of the teams that changed, who may have joined one
// (the coworker's UpdatedOn need not move).
func (c *Client) membersPage(ctx context.Context, p pageReq) (connectors.Page, error) {
	teams, err := c.teamIndex(ctx, p.first)
	if err != nil {
		return connectors.Page{}, err
	}
	var recs []coworker
	var next string
	switch {
	case p.pos.list == 0:
		recs, next, err = readList[coworker](ctx, c, p.list, p.pos, sinceFilter(p.list, p.since))
	case p.since != nil:
		recs, err = batchGet[coworker](ctx, c, "spaces/coworkers", teams.membersOfTeamsChangedSince(*p.since))
	}
	if err != nil {
		return connectors.Page{}, err
	}
	page := connectors.Page{Next: next}
	for _, cw := range recs {
		rec, del, ok := memberRecord(cw, teams)
		switch {
		case ok:
			page.Records = append(page.Records, rec)
		case del != nil:
			page.Deleted = append(page.Deleted, *del)
		}
	}
	return page, nil
}

func (c *Client) membershipsPage(ctx context.Context, p pageReq) (connectors.Page, error) {
	now := c.now()
	return translatedPage(ctx, c, p, sinceFilter(p.list, p.since), func(ct contract) (connectors.Record, bool) {
		return membershipRecord(ct, now)
	})
}

// bookingsPage reads the bookings not over before the pass's cutoff
// (from_Booking_ToTime, the documented range filter on any field; a
// server ignoring it only costs calls) and their visitors.
func (c *Client) bookingsPage(ctx context.Context, p pageReq) (connectors.Page, error) {
	if p.pos.list == 1 {
		return c.visitorChangedPage(ctx, p)
	}
	filters := sinceFilter(p.list, p.since)
	if !p.pos.cutoff.IsZero() {
		filters.Set("from_Booking_ToTime", filterTime(p.pos.cutoff))
	}
	recs, next, err := readList[booking](ctx, c, p.list, p.pos, filters)
	if err != nil || len(recs) == 0 {
		return connectors.Page{Next: next}, err
	}
	visitors, err := c.visitorsByBooking(ctx, p.first)
	if err != nil {
		return connectors.Page{}, err
	}
	page := connectors.Page{Next: next}
	for _, b := range recs {
		if rec, ok := bookingRecord(b, visitors[b.ID]); ok {
			page.Records = append(page.Records, rec)
		}
	}
	return page, nil
}

func (c *Client) dayPassesPage(ctx context.Context, p pageReq) (connectors.Page, error) {
	day, err := c.dayPassIDs(ctx, p.first)
	if err != nil {
		return connectors.Page{}, err
	}
	return translatedPage(ctx, c, p, sinceFilter(p.list, p.since), func(tp coworkerTimePass) (connectors.Record, bool) {
		return dayPassRecord(tp, day)
	})
}

// visitorChangedPage reads a page of the booking visitors changed since
// the watermark and yields their bookings (still running after the
// cutoff) with all their visitors, read afresh. A full pass skips it.
func (c *Client) visitorChangedPage(ctx context.Context, p pageReq) (connectors.Page, error) {
	if p.since == nil {
		return connectors.Page{}, nil
	}
	changed, next, err := readList[bookingVisitor](ctx, c, p.list, p.pos, sinceFilter(p.list, p.since))
	if err != nil || len(changed) == 0 {
		return connectors.Page{Next: next}, err
	}
	ids := make([]int, 0, len(changed))
	for _, v := range changed {
		ids = append(ids, v.BookingID)
	}
	slices.Sort(ids)
	bookings, err := batchGet[booking](ctx, c, "spaces/bookings", slices.Compact(ids))
	if err != nil {
		return connectors.Page{}, err
	}
	visitors, err := c.visitorsByBooking(ctx, true)
	if err != nil {
		return connectors.Page{}, err
	}
	page := connectors.Page{Next: next}
	for _, b := range bookings {
		if to, ok := parseTime(b.ToTime); ok && to.Before(p.pos.cutoff) {
			continue
		}
		if rec, ok := bookingRecord(b, visitors[b.ID]); ok {
			page.Records = append(page.Records, rec)
		}
	}
	return page, nil
}
