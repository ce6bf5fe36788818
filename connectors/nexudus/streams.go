package nexudus

import (
	"context"
	"fmt"
	"time"

	"doorsync/access"
	"doorsync/connectors"
)

// Stream names, in the order their records must be written.
const (
	StreamLocations   = "locations"   // sys/businesses
	StreamFloors      = "floors"      // sys/floorplans
	StreamPlans       = "plans"       // billing/tariffs
	StreamTeams       = "teams"       // spaces/teams
	StreamMembers     = "members"     // spaces/coworkers (+ teams' TeamMembers)
	StreamResources   = "resources"   // sys/floorplandesks, then spaces/resources
	StreamMemberships = "memberships" // billing/coworkercontracts
	StreamBookings    = "bookings"    // spaces/bookings (+ bookingvisitors)
	StreamDayPasses   = "day-passes"  // billing/coworkertimepasses (+ timepasses)
)

// Changes the record does not say bump their record's UpdatedOn: a team's
// members (a collection of the team) and a booking's visitors (their own
// entity). An incremental pass reads them as a second list of the members
// and bookings streams; a full pass, which reads everything, skips it.
var (
	teamChangedMembers     = list{"spaces/teams", "Team"}
	visitorChangedBookings = list{"spaces/bookingvisitors", "BookingVisitor"}
)

// list is one Nexudus list a stream reads.
type list struct {
	path   string // below /api/
	entity string // the filters' prefix: Coworker_…, from_Coworker_UpdatedOn
}

// streamDef is a stream: its lists, read one after the other (desks and
// bookable resources are one doorsync kind, so one stream, so that a full
// read of it is the whole set of resources), and how a page of each
// becomes records.
type streamDef struct {
	stream connectors.Stream
	lists  []list
	read   func(c *Client, ctx context.Context, p pageReq) (connectors.Page, error)
}

// Every list filters on from_<Entity>_UpdatedOn (DOC), so every stream is
// incremental.
var streamDefs = []streamDef{
	{connectors.Stream{Name: StreamLocations, Kinds: []access.Kind{access.KindLocation}, Incremental: true},
		[]list{{"sys/businesses", "Business"}}, (*Client).locationsPage},
	{connectors.Stream{Name: StreamFloors, Kinds: []access.Kind{access.KindFloor}, Incremental: true},
		[]list{{"sys/floorplans", "FloorPlan"}}, (*Client).floorsPage},
	{connectors.Stream{Name: StreamPlans, Kinds: []access.Kind{access.KindPlan}, Incremental: true},
		[]list{{"billing/tariffs", "Tariff"}}, (*Client).plansPage},
	{connectors.Stream{Name: StreamTeams, Kinds: []access.Kind{access.KindTeam}, Incremental: true},
		[]list{{"spaces/teams", "Team"}}, (*Client).teamsPage},
	{connectors.Stream{Name: StreamMembers, Kinds: []access.Kind{access.KindMember}, Incremental: true},
		[]list{{"spaces/coworkers", "Coworker"}, teamChangedMembers}, (*Client).membersPage},
	{connectors.Stream{Name: StreamResources, Kinds: []access.Kind{access.KindResource}, Incremental: true},
		[]list{{"sys/floorplandesks", "FloorPlanDesk"}, {"spaces/resources", "Resource"}}, (*Client).resourcesPage},
	{connectors.Stream{Name: StreamMemberships, Kinds: []access.Kind{access.KindMembership}, Incremental: true},
		[]list{{"billing/coworkercontracts", "CoworkerContract"}}, (*Client).membershipsPage},
	{connectors.Stream{Name: StreamBookings, Kinds: []access.Kind{access.KindBooking}, Incremental: true},
		[]list{{"spaces/bookings", "Booking"}, visitorChangedBookings}, (*Client).bookingsPage},
	{connectors.Stream{Name: StreamDayPasses, Kinds: []access.Kind{access.KindDayPass}, Incremental: true},
		[]list{{"billing/coworkertimepasses", "CoworkerTimePass"}}, (*Client).dayPassesPage},
}

// Platform is Nexudus.
func (c *Client) Platform() connectors.Platform { return connectors.Nexudus }

// Streams are the lists a full sync reads, in write order.
func (c *Client) Streams() []connectors.Stream {
	out := make([]connectors.Stream, len(streamDefs))
	for i, d := range streamDefs {
		out[i] = d.stream
	}
	return out
}

// pageReq is one page to read: the stream's list, where in it, and since
// when.
type pageReq struct {
	list  list
	pos   position
	since *time.Time
	first bool // the stream's first page: a pass starts
}

// Page reads one page of stream.
func (c *Client) Page(ctx context.Context, stream string, since *time.Time, cursor string) (connectors.Page, error) {
	def, ok := findStream(stream)
	if !ok {
		return connectors.Page{}, fmt.Errorf("nexudus: unknown stream %q", stream)
	}
	pos, err := parseCursor(cursor)
	if err != nil {
		return connectors.Page{}, fmt.Errorf("nexudus: stream %s: %w", stream, err)
	}
	if pos.list >= len(def.lists) {
		return connectors.Page{}, fmt.Errorf("nexudus: stream %s: cursor past its lists", stream)
	}
	if cursor == "" {
		pos.cutoff = c.now().Add(-bookingsKeptFor).Truncate(time.Minute)
	}
	ctx, calls := withCounter(ctx)
	p, err := def.read(c, ctx, pageReq{list: def.lists[pos.list], pos: pos, since: since, first: cursor == ""})
	if err != nil {
		return connectors.Page{}, fmt.Errorf("nexudus: stream %s: %w", stream, err)
	}
	p.Next = nextCursor(def, pos, p.Next)
	p.Calls = int(calls.Load())
	return p, nil
}

// nextCursor moves on to the stream's next list when a list ends.
func nextCursor(def streamDef, pos position, next string) string {
	if next != "" || pos.list+1 >= len(def.lists) {
		return next
	}
	return position{list: pos.list + 1, page: 1, cutoff: pos.cutoff}.String()
}

func findStream(name string) (streamDef, bool) {
	for _, d := range streamDefs {
		if d.stream.Name == name {
			return d, true
		}
	}
	return streamDef{}, false
}

// Check proves the credentials with one list call (a page of one
// business).
func (c *Client) Check(ctx context.Context) error {
	var env envelope[business]
	q := pageQuery(1, 1)
	if err := c.get(ctx, "sys/businesses", q, &env); err != nil {
		return fmt.Errorf("nexudus: checking the connection: %w", err)
	}
	return nil
}

var _ connectors.Connector = (*Client)(nil)
