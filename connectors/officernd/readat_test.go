package officernd_test

import (
	"context"
	"net/http"
	"path"
	"sync"
	"testing"
	"time"

	"doorsync/connectors"
	"doorsync/connectors/officernd"
	"doorsync/connectors/officernd/officerndtest"
)

// A record's ReadAt must never be later than the oldest platform data it
// was built from (connectors.Record.ReadAt): a read after doorsync last
// wrote an entity supersedes it whatever the versions say.

// sendLog is the client's transport, noting when each request reached it
// (after the client took the request's send time) by "GET /<last path
// segment>".
type sendLog struct {
	mu sync.Mutex
	at map[string][]time.Time
}

func (l *sendLog) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	key := r.Method + " /" + path.Base(r.URL.Path)
	l.at[key] = append(l.at[key], time.Now())
	l.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// nth is when the transport saw the n-th (from 0) request of key.
func (l *sendLog) nth(t *testing.T, key string, n int) time.Time {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.at[key]) <= n {
		t.Fatalf("%s was sent %d times, want request %d", key, len(l.at[key]), n+1)
	}
	return l.at[key][n]
}

func loggedClient(f *officerndtest.Server) (*officernd.Client, *sendLog) {
	l := &sendLog{at: map[string][]time.Time{}}
	return newClient(f, func(cfg *officernd.Config) { cfg.HTTPClient = &http.Client{Transport: l} }), l
}

func page(t *testing.T, c connectors.Connector, stream, cursor string) connectors.Page {
	t.Helper()
	p, err := c.Page(context.Background(), stream, nil, cursor)
	if err != nil {
		t.Fatalf("%s page: %v", stream, err)
	}
	return p
}

// Each stream's first page, read by a client that has cached nothing, is
// as old as its own request: at or after the call, not after the request.
func TestAPageIsReadWhenItsRequestWasSent(t *testing.T) {
	f := newFake(t)
	f.SetTokenLimit(100, time.Minute) // a token for each client
	seedSpace(f)
	for _, st := range newClient(f).Streams() {
		c, log := loggedClient(f)
		before := time.Now()
		p := page(t, c, st.Name, "")
		if len(p.Records) == 0 {
			t.Fatalf("%s: no records", st.Name)
		}
		sent := log.nth(t, "GET /"+st.Name, 0)
		for _, r := range p.Records {
			if r.ReadAt.Before(before) || r.ReadAt.After(sent) {
				t.Errorf("%s %s ReadAt %s, want between the call (%s) and the request reaching the transport (%s)",
					st.Name, r.ID, r.ReadAt.Format(time.RFC3339Nano), before.Format(time.RFC3339Nano), sent.Format(time.RFC3339Nano))
			}
		}
	}
}

// A memberships page served from the assignments read by the stream's
// first page is as old as that read, not as its own request.
func TestAMembershipsPageIsAsOldAsItsAssignments(t *testing.T) {
	f := newFake(t)
	s := seedSpace(f)
	for range 50 {
		f.AddMembership(officerndtest.Membership{IsPersonal: true, CalculatedStatus: "active", Plan: s.plan, Member: s.member,
			StartDate: time.Now().AddDate(0, 0, -1)})
	}
	c, log := loggedClient(f)
	first := page(t, c, "memberships", "")
	if first.Next == "" {
		t.Fatal("one page of memberships; want two")
	}
	time.Sleep(5 * time.Millisecond)
	second := page(t, c, "memberships", first.Next)
	if n := f.Calls("GET /assignments"); n != 1 {
		t.Fatalf("assignments read %d times, want once (the second page from the index)", n)
	}
	filled := log.nth(t, "GET /assignments", 0)
	if len(second.Records) == 0 {
		t.Fatal("no records on the second page")
	}
	for _, r := range second.Records {
		if r.ReadAt.IsZero() || r.ReadAt.After(filled) || r.ReadAt.Before(log.nth(t, "GET /memberships", 0)) {
			t.Errorf("second page's %s ReadAt %s, want the assignments' read (sent by %s), not the page's (%s)",
				r.ID, r.ReadAt.Format(time.RFC3339Nano), filled.Format(time.RFC3339Nano),
				log.nth(t, "GET /memberships", 1).Format(time.RFC3339Nano))
		}
	}
}

// A bookings page whose visitors an earlier page read is as old as that
// read.
func TestABookingsPageIsAsOldAsItsCachedVisitors(t *testing.T) {
	f := newFake(t)
	s := seedSpace(f)
	now := time.Now().UTC()
	for range 50 {
		f.AddBooking(officerndtest.Booking{Start: now.Add(time.Hour), End: now.Add(2 * time.Hour), Member: s.member,
			Resource: s.room, Location: s.loc, Visitors: []string{s.visitor}})
	}
	c, log := loggedClient(f)
	first := page(t, c, "bookings", "")
	time.Sleep(5 * time.Millisecond)
	second := page(t, c, "bookings", first.Next)
	if n := f.Calls("GET /visitors"); n != 1 {
		t.Fatalf("visitors read %d times, want once", n)
	}
	filled := log.nth(t, "GET /visitors", 0)
	if len(second.Records) == 0 {
		t.Fatal("no records on the second page")
	}
	for _, r := range second.Records {
		if r.ReadAt.IsZero() || r.ReadAt.After(filled) {
			t.Errorf("second page's %s ReadAt %s, want at or before the visitors' read (%s)",
				r.ID, r.ReadAt.Format(time.RFC3339Nano), filled.Format(time.RFC3339Nano))
		}
	}
}

// A pass whose holder the companies stream read earlier is as old as that
// page of companies.
func TestAPassIsAsOldAsItsCachedHolder(t *testing.T) {
	f := newFake(t)
	s := seedSpace(f)
	c, _ := loggedClient(f)
	companies := page(t, c, "companies", "")
	time.Sleep(5 * time.Millisecond)
	passes := page(t, c, "passes", "")
	if n := f.Calls("GET /companies"); n != 1 {
		t.Fatalf("companies read %d times, want once (the pass's holder from the cache)", n)
	}
	co, ps := byID(companies.Records)[s.company], byID(passes.Records)[s.pass]
	if co.ReadAt.IsZero() || !ps.ReadAt.Equal(co.ReadAt) {
		t.Errorf("pass ReadAt %s, want its company's read %s", ps.ReadAt.Format(time.RFC3339Nano), co.ReadAt.Format(time.RFC3339Nano))
	}
}

// A webhook's record built from data.object is as old as the event
// (createdAt), however late the delivery; without createdAt it has no
// ReadAt; a createdAt ahead of doorsync's clock counts as the receipt.
func TestAWebhookRecordIsAsOldAsItsEvent(t *testing.T) {
	f := newFake(t)
	s := seedSpace(f)
	c := newClient(f)
	rv := newReceiver(t, c)
	event := time.Now().Add(-30 * time.Minute).UTC().Truncate(time.Millisecond)
	deliver := func(eventType string, object any, createdAt time.Time) connectors.Record {
		t.Helper()
		if status, err := f.DeliverLate(rv.URL, eventType, object, createdAt); err != nil || status != http.StatusOK {
			t.Fatalf("%s answered %d, %v", eventType, status, err)
		}
		ch := rv.last(t)
		if len(ch.Upserts) != 1 {
			t.Fatalf("%s = %+v, want one record", eventType, ch)
		}
		return ch.Upserts[0]
	}
	now := time.Now().UTC()

	m := officerndtest.Member{ID: s.member, Name: "Ada Lovelace", Email: "ada@example.com", Location: s.loc, Status: "active",
		ModifiedAt: event}
	if r := deliver("member.updated", m, event); !r.ReadAt.Equal(event) {
		t.Errorf("member.updated ReadAt %s, want the event's %s", r.ReadAt, event)
	}
	ms := officerndtest.Membership{ID: s.ms, IsPersonal: true, CalculatedStatus: "active", Plan: s.plan, Member: s.member,
		StartDate: now.AddDate(0, 0, -10), ModifiedAt: event}
	if r := deliver("membership.updated", ms, event); !r.ReadAt.Equal(event) {
		t.Errorf("membership.updated (assignments fetched now) ReadAt %s, want the event's %s", r.ReadAt, event)
	}
	b := officerndtest.Booking{ID: s.booking, Start: now.Add(time.Hour), End: now.Add(2 * time.Hour), Member: s.member,
		Resource: s.room, Visitors: []string{s.visitor}, ModifiedAt: event}
	if r := deliver("booking.updated", b, time.Time{}); !r.ReadAt.IsZero() {
		t.Errorf("booking.updated without createdAt ReadAt %s, want none", r.ReadAt)
	}
	before := time.Now()
	r := deliver("booking.updated", b, now.Add(time.Hour))
	if r.ReadAt.Before(before) || r.ReadAt.After(time.Now()) {
		t.Errorf("booking.updated created an hour ahead: ReadAt %s, want its receipt", r.ReadAt)
	}

	// The member's payload, kept for passes, keeps the event's age: a pass
	// delivered now, and a passes page, are as old as it.
	p := f.AddPass(officerndtest.Pass{Count: 2, ValidFrom: now, ValidTo: now.AddDate(0, 1, 0), Member: s.member, Status: "valid"})
	pass := officerndtest.Pass{ID: p, Count: 2, ValidFrom: now, ValidTo: now.AddDate(0, 1, 0), Member: s.member, Status: "valid",
		ModifiedAt: now}
	if r := deliver("pass.updated", pass, now); !r.ReadAt.Equal(event) {
		t.Errorf("pass.updated ReadAt %s, want its holder's event %s", r.ReadAt, event)
	}
	passes := page(t, c, "passes", "")
	if r, ok := byID(passes.Records)[p]; !ok || !r.ReadAt.Equal(event) {
		t.Errorf("passes page: %s ReadAt %s, want its holder's event %s", p, r.ReadAt, event)
	}
}

// A late delivery of an older member does not replace the member a page
// read since: passes keep its location and its read time.
func TestALateWebhookDoesNotRegressACachedHolder(t *testing.T) {
	f := newFake(t)
	s := seedSpace(f)
	now := time.Now().UTC()
	p := f.AddPass(officerndtest.Pass{Count: 2, ValidFrom: now, ValidTo: now.AddDate(0, 1, 0), Member: s.member, Status: "valid"})
	c := newClient(f)
	rv := newReceiver(t, c)
	members := page(t, c, "members", "")
	event := now.Add(-time.Hour).Truncate(time.Millisecond)
	old := officerndtest.Member{ID: s.member, Name: "Ada Lovelace", Email: "ada@example.com", Location: "elsewhere",
		Status: "active", ModifiedAt: event}
	if status, err := f.DeliverLate(rv.URL, "member.updated", old, event); err != nil || status != http.StatusOK {
		t.Fatalf("member.updated answered %d, %v", status, err)
	}
	if ch := rv.last(t); len(ch.Upserts) != 1 || !ch.Upserts[0].ReadAt.Equal(event) {
		t.Fatalf("late member.updated = %+v, want the member read at the event %s", ch, event)
	}
	passes := page(t, c, "passes", "")
	r := byID(passes.Records)[p]
	if loc := body(t, r)["location_id"]; loc != s.loc {
		t.Errorf("pass location %v, want %s (the member as the page read it)", loc, s.loc)
	}
	if want := byID(members.Records)[s.member].ReadAt; !r.ReadAt.Equal(want) {
		t.Errorf("pass ReadAt %s, want the members page's %s", r.ReadAt, want)
	}
}
