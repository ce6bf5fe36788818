package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"doorsync/internal/guestkey"
	"doorsync/internal/testenv"
	"doorsync/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// newTestRelay is a relay on a fresh database holding the org "acme",
// logging into the returned buffer.
func newTestRelay(t *testing.T) (*Relay, string, *testenv.SyncBuffer) {
	t.Helper()
	st, url := testenv.NewStore(t)
	if _, _, err := st.PutOrg(context.Background(), store.Org{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	logs := &testenv.SyncBuffer{}
	return &Relay{Store: st, TaskQueue: testenv.TaskQueue(t), Log: slog.New(slog.NewTextHandler(logs, nil)),
		Guests: guestkey.New([]byte("test guest key"))}, url, logs
}

// A poke whose payload cannot be read is logged, counted and set aside;
// the relay sends the pokes around it and does not claim it again.
func TestRelaySetsACorruptPokeAsideAndGoesOn(t *testing.T) {
	r, url, logs := newTestRelay(t)
	r.Temporal = testenv.Temporal(t).Client(t)
	ctx := context.Background()
	conn := testenv.Conn(t, url)
	var bad int64
	if err := conn.QueryRow(ctx, `insert into outbox (org_id, kind, target, payload)
		values ('acme', 'lifecycle', 'membership:ms1', '{"at":"not a time"}') returning id`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Store.QueuePokes(ctx, "acme", []store.Poke{{Kind: store.PokeLifecycle, Target: "membership:ms2"}}); err != nil {
		t.Fatal(err)
	}
	before := testenv.CounterValue(t, "doorsync_outbox_corrupt_pokes_total")

	for range 2 { // the second pass finds nothing due: the corrupt poke is not spun on
		if err := r.drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	rows, _ := conn.Query(ctx, `select id from outbox`)
	left, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(left) != 1 || left[0] != bad {
		t.Fatalf("outbox = %v, %v; want only the corrupt poke kept", left, err)
	}
	if got := testenv.CounterValue(t, "doorsync_outbox_corrupt_pokes_total"); got != before+1 {
		t.Errorf("corrupt pokes counted = %v, want %v", got, before+1)
	}
	if l := logs.String(); !strings.Contains(l, "payload unreadable") || strings.Count(l, "payload unreadable") != 1 {
		t.Errorf("logs = %q, want the corrupt poke logged once", l)
	}
}

// claimUnsendablePoke queues a poke whose target names no workflow and
// claims it, for a send that must fail.
func claimUnsendablePoke(t *testing.T, r *Relay) []store.Poke {
	t.Helper()
	ctx := context.Background()
	if _, err := r.Store.QueuePokes(ctx, "acme", []store.Poke{{Kind: store.PokeLifecycle, Target: "not-a-lifecycle-target"}}); err != nil {
		t.Fatal(err)
	}
	pokes, err := r.Store.ClaimPokes(ctx, nil, 10, time.Minute)
	if err != nil || len(pokes) != 1 {
		t.Fatalf("claim = %+v, %v", pokes, err)
	}
	return pokes
}

// A failed send whose back-off cannot be recorded (here: the database is
// gone by then) is logged and counted, not ignored.
func TestRelayCountsAFailedReschedule(t *testing.T) {
	r, _, logs := newTestRelay(t)
	ctx := context.Background()
	pokes := claimUnsendablePoke(t, r)
	before := testenv.CounterValue(t, "doorsync_outbox_reschedule_failures_total")
	r.Store.Close()

	if err := r.sendAll(ctx, pokes); err == nil || !strings.Contains(err.Error(), "bad lifecycle target") {
		t.Fatalf("send = %v, want the bad target", err)
	}
	if got := testenv.CounterValue(t, "doorsync_outbox_reschedule_failures_total"); got != before+1 {
		t.Errorf("reschedule failures = %v, want %v", got, before+1)
	}
	if l := logs.String(); !strings.Contains(l, "could not record a failed send's back-off") {
		t.Errorf("logs = %q, want the failed reschedule logged", l)
	}
}

// Every failed send is counted (doorsync_outbox_send_failures_total), and
// the poke stays queued with its error for a later attempt.
func TestRelayCountsFailedSends(t *testing.T) {
	r, url, _ := newTestRelay(t)
	ctx := context.Background()
	pokes := claimUnsendablePoke(t, r)
	before := testenv.CounterValue(t, "doorsync_outbox_send_failures_total")
	if err := r.sendAll(ctx, pokes); err == nil {
		t.Fatal("send of a bad target succeeded")
	}
	if got := testenv.CounterValue(t, "doorsync_outbox_send_failures_total"); got != before+1 {
		t.Errorf("send failures = %v, want %v", got, before+1)
	}
	var lastErr string
	if err := testenv.Conn(t, url).QueryRow(ctx, `select last_error from outbox`).Scan(&lastErr); err != nil || lastErr == "" {
		t.Errorf("the failed poke's last_error = %q, %v; want it kept with its error", lastErr, err)
	}
}

// The pokes a sender sent are deleted together: once a batch has been
// sent, once the oldest has waited sentDelay, and all of them before wait
// returns; never one statement per poke.
func TestSenderDeletesWhatItSentInBatches(t *testing.T) {
	r, url, _ := newTestRelay(t)
	ctx := context.Background()
	var pokes []store.Poke
	for i := range sentBatch + 10 {
		pokes = append(pokes, store.Poke{Kind: store.PokeLifecycle, Target: fmt.Sprintf("membership:ms%d", i)})
	}
	ids, err := r.Store.QueuePokes(ctx, "acme", pokes)
	if err != nil {
		t.Fatal(err)
	}
	conn := testenv.Conn(t, url)
	left := func() int {
		var n int
		if err := conn.QueryRow(ctx, `select count(*) from outbox`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	s := r.newSender()
	if err := s.deleteSent(ctx, ids[:10], false); err != nil || left() != len(ids) {
		t.Fatalf("after 10 sent: %d left, %v; want none deleted yet", left(), err)
	}
	if err := s.deleteSent(ctx, ids[10:sentBatch], false); err != nil || left() != 10 {
		t.Fatalf("after a batch sent: %d left, %v; want the batch deleted", left(), err)
	}
	if err := s.deleteSent(ctx, ids[sentBatch:sentBatch+1], false); err != nil || left() != 10 {
		t.Fatalf("after one more: %d left, %v", left(), err)
	}
	time.Sleep(sentDelay)
	if err := s.deleteSent(ctx, ids[sentBatch+1:sentBatch+2], false); err != nil || left() != 8 {
		t.Fatalf("after the oldest waited %v: %d left, %v; want both deleted", sentDelay, left(), err)
	}
	if err := s.deleteSent(ctx, ids[sentBatch+2:], false); err != nil || left() != 8 {
		t.Fatalf("after the rest sent: %d left, %v", left(), err)
	}
	s.wait(ctx)
	if n := left(); n != 0 || s.err() != nil {
		t.Fatalf("after wait: %d left, %v", n, s.err())
	}
}
