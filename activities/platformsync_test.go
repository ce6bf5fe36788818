package activities_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"doorsync/access"
	"doorsync/activities"
	"doorsync/connectors"
	"doorsync/contract"
	"doorsync/internal/guestkey"
	"doorsync/internal/testenv"
	"doorsync/internal/write"
	"doorsync/store"
	"doorsync/worker"
)

// syncEnv runs the real PlatformSyncWorkflow and its activities on the dev
// server, over a fresh database, a fake platform and an in-memory sync
// state.
type syncEnv struct {
	writer   *fakeWriter
	t        testing.TB
	ctx      context.Context
	st       *store.Store
	platform *fakeConnector
	states   *fakeStates
	temporal client.Client
	queue    string
}

func newSyncEnv(t testing.TB) *syncEnv {
	t.Helper()
	st, url := testenv.NewStore(t)
	ctx := context.Background()
	if _, _, err := st.PutOrg(ctx, store.Org{ID: org, Name: "Acme", Settings: store.OrgSettings{TimeZone: "Europe/London",
		ReconcileInterval: 15 * time.Minute, RemovalGuard: store.RemovalGuard{MaxFraction: 0.2, MinCount: 3}, NoAccessPolicy: "keep"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutPlatformConnection(ctx, store.PlatformConnection{OrgID: org, Platform: "officernd", ConfigEnc: "sealed"}); err != nil {
		t.Fatal(err)
	}
	e := &syncEnv{t: t, ctx: ctx, st: st, platform: newFakeConnector(), states: &fakeStates{},
		temporal: testenv.Temporal(t).Client(t), queue: testenv.TaskQueue(t)}
	e.writer = &fakeWriter{w: &write.Writer{Store: st}, conn: testenv.Conn(t, url)}
	acts := &activities.Activities{Store: st, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		Guests: guestkey.New([]byte("test guest key")),
		Platform: &activities.PlatformSync{
			Platforms: fakePlatforms{e.platform}, States: e.states, NotConnected: errNotConnected,
			Writer:  e.writer,
			Refused: func(err error) bool { return errors.Is(err, errInvalid) },
		}}
	testenv.StartWorker(t, e.temporal, e.queue, func(r sdkworker.Registry) { worker.Register(r, acts) })
	return e
}

// space seeds the fake with a location, n members and a membership each.
func (e *syncEnv) space(n int) {
	e.platform.put("locations", access.KindLocation, "loc1", 1, map[string]any{"name": "London", "time_zone": "Europe/London"})
	for i := range n {
		id := "m" + string(rune('a'+i))
		e.platform.member(id, 1)
		e.platform.membership("ms-"+id, id, 1)
	}
}

// sync runs one sync to its end.
func (e *syncEnv) sync(in contract.PlatformSyncInput) contract.PlatformSyncResult {
	e.t.Helper()
	in.OrgID = org
	ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	run, err := e.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "platform-sync-test:" + testenv.UniqueName(), TaskQueue: e.queue},
		contract.PlatformSyncWorkflow, in)
	if err != nil {
		e.t.Fatal(err)
	}
	var res contract.PlatformSyncResult
	if err := run.Get(ctx, &res); err != nil {
		e.t.Fatalf("sync: %v", err)
	}
	return res
}

func (e *syncEnv) full() contract.PlatformSyncResult {
	return e.sync(contract.PlatformSyncInput{Full: true, Trigger: contract.PlatformTriggerManual})
}

// holds says whether the org holds the entity, and from which source.
func (e *syncEnv) holds(kind access.Kind, id string) bool {
	e.t.Helper()
	_, err := e.st.GetEntity(e.ctx, org, kind, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		e.t.Fatal(err)
	}
	return err == nil
}

func (e *syncEnv) count(kind access.Kind) int {
	e.t.Helper()
	n, err := e.st.CountPlatformEntities(e.ctx, org, "officernd", kind)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// A backfill writes every record of every stream through the writer, with
// its source, and records the run: counts, watermarks, last sync.
func TestPlatformBackfillWritesEverything(t *testing.T) {
	e := newSyncEnv(t)
	e.space(5)
	res := e.full()

	if res.Written != 11 || res.Failed != 0 || !res.Full {
		t.Fatalf("backfill: %+v, want 11 written in a full run", res)
	}
	if res.Pages != 1+3+3 || res.Calls != 7 {
		t.Fatalf("pages %d, calls %d; want 7 of each", res.Pages, res.Calls)
	}
	if e.writer.unread != 0 {
		t.Fatalf("%d records written without the instant they were read", e.writer.unread)
	}
	for kind, want := range map[access.Kind]int{access.KindLocation: 1, access.KindMember: 5, access.KindMembership: 5} {
		if got := e.count(kind); got != want {
			t.Errorf("%s from officernd: %d, want %d", kind, got, want)
		}
	}
	st := e.states.get()
	if st.LastSyncAt == nil || st.LastError != "" || st.Held != "" {
		t.Fatalf("state after backfill: %+v", st)
	}
	if st.Counts["member"] != 5 || st.Counts["membership"] != 5 || st.Counts["location"] != 1 {
		t.Errorf("counts: %v", st.Counts)
	}
	if _, ok := st.Watermarks["members"]; !ok {
		t.Errorf("no watermark for the incremental stream: %v", st.Watermarks)
	}
	if _, ok := st.Watermarks["memberships"]; ok {
		t.Errorf("a watermark for a stream read whole every run: %v", st.Watermarks)
	}

	// The next scheduled run is incremental: the members from their
	// watermark (less the overlap), the others whole.
	e.sync(contract.PlatformSyncInput{Trigger: contract.PlatformTriggerSchedule})
	sinces := e.platform.sinces["members"]
	if len(sinces) != 2 || sinces[0] != nil || sinces[1] == nil || !sinces[1].Before(st.Watermarks["members"]) {
		t.Fatalf("members read since %v, want whole and then before the watermark %v", sinces, st.Watermarks["members"])
	}
	if s := e.platform.sinces["memberships"]; len(s) != 2 || s[1] != nil {
		t.Fatalf("memberships read since %v, want whole every run", s)
	}
}

// A full run after the platform dropped a member and its membership
// deletes both; an incremental run reading members from their watermark
// cannot tell, and deletes only what the stream read whole lacks.
func TestPlatformSyncDeletesWhatThePlatformDropped(t *testing.T) {
	e := newSyncEnv(t)
	e.space(5)
	e.full()
	e.platform.drop("members", "mc")
	e.platform.drop("memberships", "ms-mc")

	e.sync(contract.PlatformSyncInput{Trigger: contract.PlatformTriggerSchedule})
	if e.holds(access.KindMembership, "ms-mc") || !e.holds(access.KindMember, "mc") {
		t.Fatal("an incremental run: the membership (read whole) goes, the member (read incrementally) stays")
	}
	res := e.full()
	if e.holds(access.KindMember, "mc") {
		t.Fatal("a full run left the member the platform dropped")
	}
	if res.Deleted != 1 || len(res.Held) != 0 {
		t.Fatalf("full run: %+v, want the member deleted", res)
	}
	if !e.holds(access.KindMember, "ma") || e.count(access.KindMember) != 4 {
		t.Fatal("a full run deleted what the platform still has")
	}
}

// A platform answering an empty list for a kind the org holds, or dropping
// more than the guard's share at once, deletes nothing: the hold is
// recorded with the connection, shown as its last error, and raises
// connection.failed; once the platform answers again the hold clears.
func TestPlatformSyncHoldsAnEmptiedOrHalvedKind(t *testing.T) {
	e := newSyncEnv(t)
	e.space(5)
	e.full()
	if _, _, err := e.st.PutWebhook(e.ctx, org, "wh1", "https://hooks.example.com/x", []string{store.EventConnectionFailed, store.EventConnectionRestored}, "sealed"); err != nil {
		t.Fatal(err)
	}
	saved := slices.Clone(e.platform.records["members"])
	e.platform.empty("members")
	e.platform.drop("memberships", "ms-ma", "ms-mb", "ms-mc")

	res := e.full()
	if res.Deleted != 0 || len(res.Held) != 2 {
		t.Fatalf("run: %+v, want both kinds held and nothing deleted", res)
	}
	if e.count(access.KindMember) != 5 || e.count(access.KindMembership) != 5 {
		t.Fatal("a held sweep deleted entities")
	}
	st := e.states.get()
	if st.Held == "" || st.LastError != st.Held {
		t.Fatalf("state: held %q, last error %q", st.Held, st.LastError)
	}
	e.expectEvents(store.EventConnectionFailed)

	// An incremental run sweeps only the memberships (read whole): the
	// members' hold stays, and no event flaps.
	e.sync(contract.PlatformSyncInput{Trigger: contract.PlatformTriggerSchedule})
	if st := e.states.get(); !strings.HasPrefix(st.Held, "member:") || !strings.Contains(st.Held, "membership:") {
		t.Fatalf("held after an incremental run: %q", st.Held)
	}
	e.expectEvents(store.EventConnectionFailed)

	e.platform.mu.Lock()
	e.platform.records["members"] = saved
	e.platform.mu.Unlock()
	e.platform.membership("ms-ma", "ma", 2)
	e.platform.membership("ms-mb", "mb", 2)
	e.platform.membership("ms-mc", "mc", 2)
	e.full()
	if st := e.states.get(); st.Held != "" || st.LastError != "" {
		t.Fatalf("state once the platform answers again: %+v", st)
	}
	e.expectEvents(store.EventConnectionFailed, store.EventConnectionRestored)
}

// An operator's approval lets a held sweep's deletions through.
func TestPlatformSyncApprovedRemovals(t *testing.T) {
	e := newSyncEnv(t)
	e.space(5)
	e.full()
	e.platform.drop("memberships", "ms-ma", "ms-mb", "ms-mc")
	if res := e.full(); res.Deleted != 0 || len(res.Held) != 1 {
		t.Fatalf("unapproved: %+v, want held", res)
	}
	res := e.sync(contract.PlatformSyncInput{Full: true, Trigger: contract.PlatformTriggerManual, ApproveRemovals: true})
	if res.Deleted != 3 || len(res.Held) != 0 || e.count(access.KindMembership) != 2 {
		t.Fatalf("approved: %+v, want the three memberships deleted", res)
	}
	if st := e.states.get(); st.Held != "" {
		t.Fatalf("held after an approved run: %q", st.Held)
	}
}

func (e *syncEnv) expectEvents(types ...string) {
	e.t.Helper()
	ds, err := e.st.Deliveries(e.ctx, org, "wh1", 0, 10)
	if err != nil {
		e.t.Fatal(err)
	}
	var got []string
	for i := len(ds) - 1; i >= 0; i-- {
		got = append(got, ds[i].EventType)
	}
	if len(got) != len(types) {
		e.t.Fatalf("events %v, want %v", got, types)
	}
	for i := range types {
		if got[i] != types[i] {
			e.t.Fatalf("events %v, want %v", got, types)
		}
	}
}

// A throttled platform slows the sync (Retry-After waited out) but loses
// nothing.
func TestPlatformSyncThrottledLosesNothing(t *testing.T) {
	e := newSyncEnv(t)
	e.space(3)
	e.platform.throttle = 2
	start := time.Now()
	res := e.full()
	if res.Written != 7 {
		t.Fatalf("written %d, want every record", res.Written)
	}
	if waited := time.Since(start); waited < 2*time.Second {
		t.Fatalf("the sync took %v; two Retry-Afters of 1 s were not waited out", waited)
	}
	if e.platform.calls != 5+2 {
		t.Fatalf("platform calls %d, want the five pages and the two throttled", e.platform.calls)
	}
}

// A record the write refuses is counted and recorded as a problem, with
// the platform's id; the others are written, and a later good version
// clears the problem.
func TestPlatformSyncRecordsRefusedRecords(t *testing.T) {
	e := newSyncEnv(t)
	e.space(3)
	e.platform.put("members", access.KindMember, "mb", 2, map[string]any{"invalid": true})
	res := e.full()
	if res.Failed != 1 || res.Written != 6 {
		t.Fatalf("run: %+v, want one refused and six written", res)
	}
	problems, err := e.st.PlatformProblems(e.ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || problems[0].ID != "mb" || problems[0].SourceID != "ornd-mb" {
		t.Fatalf("problems: %+v", problems)
	}
	if st := e.states.get(); st.LastError == "" {
		t.Fatal("a run with refused records shows no last error")
	}
	e.platform.member("mb", 3)
	e.full()
	if problems, _ := e.st.PlatformProblems(e.ctx, org); len(problems) != 0 {
		t.Fatalf("problems after a good version: %+v", problems)
	}
}

// Deletions a page reports remove what this platform wrote, and leave
// what the operator wrote.
func TestPlatformSyncAppliesReportedDeletions(t *testing.T) {
	e := newSyncEnv(t)
	e.space(2)
	e.full()
	body := `{"id":"own","email":"own@example.com"}`
	if _, err := (&write.Writer{Store: e.st}).Entity(e.ctx, store.EntityWrite{OrgID: org, Kind: access.KindMember, ID: "own", Body: []byte(body)}); err != nil {
		t.Fatal(err)
	}
	e.platform.deleted["members"] = []connectors.Ref{{Kind: access.KindMember, ID: "ma"}, {Kind: access.KindMember, ID: "own"}}
	res := e.sync(contract.PlatformSyncInput{Trigger: contract.PlatformTriggerSchedule})
	if res.Deleted != 1 || e.holds(access.KindMember, "ma") || !e.holds(access.KindMember, "own") {
		t.Fatalf("run: %+v; want the platform's member deleted and the operator's kept", res)
	}
}

// A scheduled run finding another run holding the org's sync ends at once;
// a connect or manual run takes it over.
func TestPlatformSyncOneRunAtATime(t *testing.T) {
	e := newSyncEnv(t)
	e.space(1)
	if ok, err := e.st.ClaimPlatformSync(e.ctx, org, "other-run", time.Hour, false); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if res := e.sync(contract.PlatformSyncInput{Trigger: contract.PlatformTriggerSchedule}); !res.Skipped || res.Pages != 0 {
		t.Fatalf("scheduled run: %+v, want skipped", res)
	}
	if res := e.full(); res.Skipped || res.Written != 3 {
		t.Fatalf("manual run: %+v, want it to take the sync", res)
	}
	if ok, _ := e.st.ClaimPlatformSync(e.ctx, org, "next-run", time.Hour, false); !ok {
		t.Fatal("a finished run did not free the org's sync")
	}
}

// A run whose connection is replaced while it reads (a reconnection,
// perhaps to another account) stops at its next step and records
// nothing: its cursors, marks and watermarks are the old connection's.
func TestPlatformSyncStopsWhenReconnected(t *testing.T) {
	e := newSyncEnv(t)
	e.space(3)
	e.platform.onPage = func(stream, cursor string) {
		if stream == "members" && cursor == "2" {
			if err := e.st.PutPlatformConnection(e.ctx, store.PlatformConnection{OrgID: org, Platform: "officernd", ConfigEnc: "other"}); err != nil {
				t.Error(err)
			}
		}
	}
	res := e.full()
	if !res.Skipped || e.states.records != 0 {
		t.Fatalf("run: %+v, %d states recorded; want it stopped, recording nothing", res, e.states.records)
	}
	if e.holds(access.KindMembership, "ms-ma") {
		t.Fatal("the stopped run read on past the reconnection")
	}
	if ok, _ := e.st.ClaimPlatformSync(e.ctx, org, "next-run", time.Hour, false); !ok {
		t.Fatal("the stopped run kept the org's sync: the new connection's runs would wait out its lease")
	}
}

// What a sweep deleted because the platform's list lacked it comes back
// when the platform lists it again, at the same version (a list that
// skipped it while it moved between pages); what the platform reported
// deleted stays deleted at that version.
func TestPlatformSweptEntityComesBack(t *testing.T) {
	e := newSyncEnv(t)
	e.space(5)
	e.full()
	saved := slices.Clone(e.platform.records["members"])
	e.platform.drop("members", "mc")
	e.full()
	if e.holds(access.KindMember, "mc") {
		t.Fatal("the sweep kept a member the platform's list lacked")
	}
	e.platform.mu.Lock()
	e.platform.records["members"] = saved
	e.platform.mu.Unlock()
	e.full()
	if !e.holds(access.KindMember, "mc") {
		t.Fatal("a member the platform lists again at its version stayed deleted")
	}
}

// An org without a platform connection ends the run at once, recording
// nothing.
func TestPlatformSyncNotConnected(t *testing.T) {
	e := newSyncEnv(t)
	e.states.disconnected = true
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	run, err := e.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "platform-sync-test:" + testenv.UniqueName(), TaskQueue: e.queue},
		contract.PlatformSyncWorkflow, contract.PlatformSyncInput{OrgID: org, Trigger: contract.PlatformTriggerSchedule})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err == nil {
		t.Fatal("a sync of an org without a connection succeeded")
	}
	if e.states.records != 0 {
		t.Fatal("recorded a state for an org without a connection")
	}
}

// TestRecordPlatformSyncHistories writes the histories of platform sync
// runs into $DOORSYNC_RECORD_HISTORIES (workflows/testdata, replayed by
// workflows/replay_test.go): a full backfill with a throttled page and a
// held sweep, then an incremental run that deletes. Plain `go test` skips
// it. To record afresh:
//
//	DOORSYNC_RECORD_HISTORIES=$PWD/workflows/testdata go test ./activities/ -run TestRecordPlatformSyncHistories
func TestRecordPlatformSyncHistories(t *testing.T) {
	dir := os.Getenv("DOORSYNC_RECORD_HISTORIES")
	if dir == "" {
		t.Skip("set DOORSYNC_RECORD_HISTORIES=dir to record workflow histories (workflows/testdata)")
	}
	e := newSyncEnv(t)
	e.space(3)
	e.platform.throttle = 1
	e.record(dir, "platform-sync-backfill.json", contract.PlatformSyncInput{Full: true, Trigger: contract.PlatformTriggerConnect})
	e.platform.empty("members")
	e.platform.drop("memberships", "ms-ma")
	e.record(dir, "platform-sync-held-and-deleted.json", contract.PlatformSyncInput{Full: true, Trigger: contract.PlatformTriggerManual})
}

// record runs one sync and writes its history into dir/name.
func (e *syncEnv) record(dir, name string, in contract.PlatformSyncInput) {
	e.t.Helper()
	in.OrgID = org
	id := "platform-sync-record:" + testenv.UniqueName()
	run, err := e.temporal.ExecuteWorkflow(e.ctx, client.StartWorkflowOptions{ID: id, TaskQueue: e.queue}, contract.PlatformSyncWorkflow, in)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := run.Get(e.ctx, nil); err != nil {
		e.t.Fatal(err)
	}
	var events []*historypb.HistoryEvent
	it := e.temporal.GetWorkflowHistory(e.ctx, id, run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			e.t.Fatal(err)
		}
		events = append(events, ev)
	}
	raw, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(&historypb.History{Events: events})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), append(raw, '\n'), 0o644); err != nil {
		e.t.Fatal(err)
	}
}
