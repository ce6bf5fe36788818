package nexudus_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"doorsync/access"
	"doorsync/connectors"
	"doorsync/connectors/nexudus"
	"doorsync/connectors/nexudus/nexudustest"
)

// wire records when each API request (not the token's) reached the wire,
// after the client's own limiter.
type wire struct {
	mu   sync.Mutex
	sent []time.Time
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/api/") && r.URL.Path != "/api/token" {
		w.mu.Lock()
		w.sent = append(w.sent, time.Now())
		w.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// take returns the requests recorded since the last take, and forgets them.
func (w *wire) take() []time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.sent
	w.sent = nil
	return out
}

func wiredClient(f *nexudustest.Server) (*nexudus.Client, *wire) {
	w := &wire{}
	return nexudus.New(nexudus.Config{Username: user, Password: pass, WebhookSecret: secret, BaseURL: f.URL,
		HTTPClient: &http.Client{Transport: w}}), w
}

// readAt is the records' ReadAt, one for all of them (a page's, a
// webhook's), never zero.
func readAt(t *testing.T, what string, recs []connectors.Record) time.Time {
	t.Helper()
	if len(recs) == 0 {
		t.Fatalf("%s: no records", what)
	}
	at := recs[0].ReadAt
	for _, r := range recs {
		if r.ReadAt.IsZero() || !r.ReadAt.Equal(at) {
			t.Fatalf("%s: %s %s ReadAt %v, want one non-zero ReadAt (%v)", what, r.Kind, r.ID, r.ReadAt, at)
		}
	}
	return at
}

// Every stream's records carry a ReadAt that is not after any request of
// their page reached the wire, and not before the stream's read began (its
// first page reads its lookups afresh).
func TestPageRecordsAreReadNoLaterThanTheirRequests(t *testing.T) {
	f := newFake(t)
	seed(f)
	c, w := wiredClient(f)
	for _, st := range c.Streams() {
		begun := time.Now()
		cursor := ""
		for {
			w.take()
			p, err := c.Page(context.Background(), st.Name, nil, cursor)
			if err != nil {
				t.Fatalf("%s: %v", st.Name, err)
			}
			sent := w.take()
			if len(p.Records) > 0 {
				at := readAt(t, st.Name, p.Records)
				if at.Before(begun) {
					t.Errorf("%s: ReadAt %v is before the read began (%v)", st.Name, at, begun)
				}
				for _, s := range sent {
					if at.After(s) {
						t.Errorf("%s: ReadAt %v is after a request of its page (%v)", st.Name, at, s)
					}
				}
			}
			if cursor = p.Next; cursor == "" {
				break
			}
		}
	}
}

// A page built partly from a lookup read for an earlier page carries the
// lookup's time, earlier than its own request: the team index, read by
// the members' first page, names the teams of the second page's members.
func TestCachedLookupDatesThePagesThatUseIt(t *testing.T) {
	f := newFake(t)
	s := seed(f)
	f.Assume(nexudustest.Assumptions{MaxPageSize: 1}) // a member a page
	c, w := wiredClient(f)
	first, err := c.Page(context.Background(), nexudus.StreamMembers, nil, "")
	if err != nil || first.Next == "" {
		t.Fatalf("first page: %v, next %q", err, first.Next)
	}
	filled := readAt(t, "first page", first.Records)
	time.Sleep(20 * time.Millisecond)
	w.take()
	second, err := c.Page(context.Background(), nexudus.StreamMembers, nil, first.Next)
	if err != nil {
		t.Fatal(err)
	}
	sent := w.take()
	if len(sent) != 1 {
		t.Fatalf("second page took %d requests, want one (the teams from the cache)", len(sent))
	}
	if len(second.Records) != 1 || second.Records[0].ID != itoa(s.bob) || body(t, second.Records[0])["team_id"] != itoa(s.team) {
		t.Fatalf("second page %v, want bob in his team", second.Records)
	}
	if at := second.Records[0].ReadAt; !at.Equal(filled) || !at.Before(sent[0]) {
		t.Errorf("second page's ReadAt %v, want the team index's %v, before its own request %v", at, filled, sent[0])
	}
}

// A member's webhook uses the cached team index too: its record is as old
// as that index, not as the delivery.
func TestCachedLookupDatesWebhookRecords(t *testing.T) {
	f := newFake(t)
	s := seed(f)
	c, _ := wiredClient(f)
	p, err := c.Page(context.Background(), nexudus.StreamMembers, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	filled := readAt(t, "members", p.Records)
	time.Sleep(20 * time.Millisecond)
	delivered := time.Now()
	dto, _ := json.Marshal([]any{f.Get(nexudustest.Coworkers, s.alice)})
	ch, err := c.Webhook(context.Background(), http.Header{}, dto)
	if err != nil {
		t.Fatal(err)
	}
	if at := readAt(t, "webhook", ch.Upserts); !at.Equal(filled) || !at.Before(delivered) {
		t.Errorf("webhook member ReadAt %v, want the team index's %v (before the delivery, %v)", at, filled, delivered)
	}
}

// Nexudus deliveries are read again by id, never taken from their payload:
// one delivered late, carrying what the record was then, yields the
// record as it is now, dated by that re-read (no earlier than the
// delivery's handling began, no later than the re-read's request), not by
// the event or the payload.
func TestLateWebhookIsDatedByItsReread(t *testing.T) {
	f := newFake(t)
	s := seed(f)
	c, w := wiredClient(f)
	stale, _ := json.Marshal([]any{f.Get(nexudustest.CoworkerContracts, s.contract)}) // the event, then
	time.Sleep(20 * time.Millisecond)
	f.Update(nexudustest.CoworkerContracts, s.contract, nexudustest.M{"CancellationDate": "2026-12-31T00:00:00Z",
		"CancellationDateLocal": "2026-12-31T00:00:00"})

	w.take()
	handled := time.Now()
	ch, err := c.Webhook(context.Background(), http.Header{}, stale)
	if err != nil {
		t.Fatal(err)
	}
	sent := w.take()
	if len(ch.Upserts) != 1 || ch.Upserts[0].Kind != access.KindMembership || body(t, ch.Upserts[0])["ends_at"] != "2026-12-31" {
		t.Fatalf("late delivery = %v, want the membership as it is now", ch.Upserts)
	}
	at := readAt(t, "late delivery", ch.Upserts)
	if at.Before(handled) || len(sent) != 1 || at.After(sent[0]) {
		t.Errorf("ReadAt %v, want between the delivery's handling %v and the re-read's request %v", at, handled, sent)
	}
}
