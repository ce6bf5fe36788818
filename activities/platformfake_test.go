package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"doorsync/access"
	"doorsync/activities"
	"doorsync/connectors"
	"doorsync/internal/write"
	"doorsync/store"
)

// fakeConnector is a platform in memory: streams of records read in pages
// of pageSize (the cursor is an offset), a switch to throttle the next
// reads, and deletions reported on a stream's last page.
type fakeConnector struct {
	mu       sync.Mutex
	streams  []connectors.Stream
	records  map[string][]connectors.Record
	deleted  map[string][]connectors.Ref
	pageSize int
	throttle int // the next reads answered with a throttle
	calls    int // reads answered, throttles included
	sinces   map[string][]*time.Time
	// onPage, when set, runs before each read (a change racing the sync).
	onPage func(stream, cursor string)
}

func newFakeConnector() *fakeConnector {
	return &fakeConnector{
		streams: []connectors.Stream{
			{Name: "locations", Kinds: []access.Kind{access.KindLocation}},
			{Name: "members", Kinds: []access.Kind{access.KindMember}, Incremental: true},
			{Name: "memberships", Kinds: []access.Kind{access.KindMembership}},
		},
		records: map[string][]connectors.Record{}, deleted: map[string][]connectors.Ref{}, pageSize: 2,
		sinces: map[string][]*time.Time{},
	}
}

func (f *fakeConnector) Platform() connectors.Platform { return connectors.OfficeRnD }
func (f *fakeConnector) Streams() []connectors.Stream  { return f.streams }
func (f *fakeConnector) Check(context.Context) error   { return nil }
func (f *fakeConnector) VerifyWebhook(http.Header, []byte, time.Time) error {
	return connectors.ErrBadSignature
}
func (f *fakeConnector) Webhook(context.Context, http.Header, []byte) (connectors.Changes, error) {
	return connectors.Changes{}, errors.New("fake: no webhooks")
}

func (f *fakeConnector) Page(_ context.Context, stream string, since *time.Time, cursor string) (connectors.Page, error) {
	if f.onPage != nil {
		f.onPage(stream, cursor)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.throttle > 0 {
		f.throttle--
		return connectors.Page{}, &connectors.ThrottledError{RetryAfter: time.Second}
	}
	if cursor == "" {
		f.sinces[stream] = append(f.sinces[stream], since)
	}
	recs := f.records[stream]
	at, _ := strconv.Atoi(cursor)
	end := min(at+f.pageSize, len(recs))
	p := connectors.Page{Records: append([]connectors.Record(nil), recs[at:end]...), Calls: 1}
	readAt := time.Now() // as a connector dates its records: when their data was read
	for i := range p.Records {
		p.Records[i].ReadAt = readAt
	}
	if end < len(recs) {
		p.Next = strconv.Itoa(end)
	} else {
		p.Deleted = f.deleted[stream]
	}
	return p, nil
}

// put adds or replaces a record of stream.
func (f *fakeConnector) put(stream string, kind access.Kind, id string, version int64, body map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body["id"], body["version"] = id, version
	raw, _ := json.Marshal(body)
	rec := connectors.Record{Kind: kind, ID: id, Body: raw, SourceID: "ornd-" + id}
	for i, r := range f.records[stream] {
		if r.ID == id {
			f.records[stream][i] = rec
			return
		}
	}
	f.records[stream] = append(f.records[stream], rec)
}

// drop removes records from stream, as the platform deleting them.
func (f *fakeConnector) drop(stream string, ids ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		for i, r := range f.records[stream] {
			if r.ID == id {
				f.records[stream] = append(f.records[stream][:i], f.records[stream][i+1:]...)
				break
			}
		}
	}
}

func (f *fakeConnector) empty(stream string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.records[stream] = nil
}

func (f *fakeConnector) member(id string, version int64) {
	f.put("members", access.KindMember, id, version, map[string]any{"email": id + "@example.com", "first_name": "First"})
}

func (f *fakeConnector) membership(id, member string, version int64) {
	f.put("memberships", access.KindMembership, id, version, map[string]any{"member_id": member, "plan_id": "hot",
		"starts_at": "2026-01-01T00:00:00Z"})
}

// fakePlatforms hands out the fake's connector; nil stands for an org
// without a connection.
type fakePlatforms struct{ conn connectors.Connector }

var errNotConnected = errors.New("fake: not connected")

func (p fakePlatforms) Connector(context.Context, string) (connectors.Connector, error) {
	if p.conn == nil {
		return nil, errNotConnected
	}
	return p.conn, nil
}

// errInvalid stands for entity.Invalid: a record a body with "invalid"
// set is refused with it.
var errInvalid = errors.New("fake: invalid body")

// fakeWriter writes records as write.Writer.Record does, with a raw
// statement for the source columns: the body's "version" becomes the
// entity's version and the rest its body.
type fakeWriter struct {
	w    *write.Writer
	mu   sync.Mutex
	conn *pgx.Conn
	// unread counts records written without a ReadAt (the connector dates
	// its records; the sync passes the date on).
	unread int
}

func (fw *fakeWriter) Record(ctx context.Context, orgID string, platform connectors.Platform, rec connectors.Record) (store.WriteResult, error) {
	var body map[string]any
	if err := json.Unmarshal(rec.Body, &body); err != nil {
		return store.WriteResult{}, err
	}
	if body["invalid"] != nil {
		return store.WriteResult{}, fmt.Errorf("%w: email: required", errInvalid)
	}
	version := int64(body["version"].(float64))
	delete(body, "version")
	raw, _ := json.Marshal(body)
	var emails []string
	if e, ok := body["email"].(string); ok {
		emails = []string{access.NormalizeEmail(e)}
	}
	res, err := fw.w.Entity(ctx, store.EntityWrite{OrgID: orgID, Kind: rec.Kind, ID: rec.ID, Body: raw, Version: &version, Emails: emails,
		ReadAt: rec.ReadAt})
	if err != nil {
		return res, err
	}
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if rec.ReadAt.IsZero() || rec.ReadAt.After(time.Now()) {
		fw.unread++
	}
	_, err = fw.conn.Exec(ctx, `update entities set source = $1, source_id = $2 where org_id = $3 and kind = $4 and id = $5`,
		string(platform), rec.SourceID, orgID, string(rec.Kind), rec.ID)
	return res, err
}

func (fw *fakeWriter) Delete(ctx context.Context, orgID string, kind access.Kind, id string) ([]int64, error) {
	return fw.w.Delete(ctx, orgID, kind, id)
}

// fakeStates keeps the sync state of one connection in memory.
type fakeStates struct {
	mu           sync.Mutex
	disconnected bool
	state        activities.PlatformSyncState
	records      int
}

func (s *fakeStates) PlatformSyncState(context.Context, string) (activities.PlatformSyncState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.disconnected {
		return activities.PlatformSyncState{}, fmt.Errorf("fake: %w", store.ErrNotFound)
	}
	return s.state, nil
}

func (s *fakeStates) RecordPlatformSync(_ context.Context, _ string, st activities.PlatformSyncState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.disconnected {
		return fmt.Errorf("fake: %w", store.ErrNotFound)
	}
	s.state = st
	s.records++
	return nil
}

func (s *fakeStates) get() activities.PlatformSyncState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}
