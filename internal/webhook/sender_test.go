package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"doorsync/internal/egress"
	"doorsync/internal/saltoconn"
	"doorsync/internal/secrets"
	"doorsync/internal/testenv"
	"doorsync/internal/webhook"
	"doorsync/internal/webhook/webhooktest"
	"doorsync/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type fixture struct {
	key    []byte // the secrets' key
	ctx    context.Context
	st     *store.Store
	hooks  *webhook.Hooks
	sender *webhook.Sender
}

func newFixture(t *testing.T, rcvs ...*webhooktest.Receiver) *fixture {
	t.Helper()
	ctx := context.Background()
	st, _ := testenv.NewStore(t)
	if _, _, err := st.PutOrg(ctx, store.Org{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	key, _ := secrets.ParseKey(secrets.NewKey())
	box, _ := secrets.New(key)
	var list []string
	for _, r := range rcvs {
		list = append(list, r.URL())
	}
	policy, err := egress.ParseOpen("DOORSYNC_WEBHOOK_ALLOWED_HOSTS", list)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{key: key, ctx: ctx, st: st, hooks: &webhook.Hooks{Store: st, Secrets: box, Egress: policy},
		sender: &webhook.Sender{Store: st, Secrets: box, Egress: policy, BaseBackoff: 50 * time.Millisecond,
			MaxBackoff: 100 * time.Millisecond}}
}

func (f *fixture) put(t *testing.T, rcv *webhooktest.Receiver, id string, events ...string) store.Webhook {
	t.Helper()
	w, secret, created, err := f.hooks.Put(f.ctx, "acme", id, rcv.URL()+"/hooks?token=x", events)
	if err != nil || !created || secret == "" {
		t.Fatalf("put webhook = %v, created %v, secret %q", err, created, secret)
	}
	rcv.Verify(secret)
	return w
}

// sendUntil runs SendDue until cond holds or 10 s have passed.
func (f *fixture) sendUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		if _, err := f.sender.SendDue(f.ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAProblemIsDeliveredSignedAndRetriedAfterAnOutage: a person's problem
// queues an access.problem event in the same transaction; the receiver
// answers 500 (an outage), then 200; the event arrives signed, twice with
// the same id, and the delivery log says delivered after 2 attempts.
func TestAProblemIsDeliveredSignedAndRetriedAfterAnOutage(t *testing.T) {
	rcv, other := webhooktest.NewReceiver(t, 500), webhooktest.NewReceiver(t)
	f := newFixture(t, rcv, other)
	f.put(t, rcv, "ops", store.EventAccessProblem)
	f.put(t, other, "holds-only", store.EventHoldCreated) // not subscribed: gets nothing
	if err := f.st.SetPersonProblem(f.ctx, "acme", "member:m1", "no seats left on site London"); err != nil {
		t.Fatal(err)
	}
	// Recording the same problem again is no event.
	if err := f.st.SetPersonProblem(f.ctx, "acme", "member:m1", "no seats left on site London"); err != nil {
		t.Fatal(err)
	}
	f.sendUntil(t, func() bool { got := rcv.Deliveries(); return len(got) == 2 })
	got := rcv.Deliveries()
	for i, r := range got {
		if r.Err != nil {
			t.Errorf("attempt %d: %v", i+1, r.Err)
		}
	}
	if got[0].Status != 500 || got[1].Status != 200 {
		t.Errorf("statuses = %d, %d; want 500, 200", got[0].Status, got[1].Status)
	}
	ev := got[1].Event
	if ev.ID == "" || ev.ID != got[0].Event.ID || ev.ID != got[1].ID || ev.Type != store.EventAccessProblem || ev.OrgID != "acme" || ev.At.IsZero() {
		t.Errorf("event = %+v (first attempt's id %s)", ev, got[0].Event.ID)
	}
	var data store.ProblemEvent
	if err := json.Unmarshal(ev.Data, &data); err != nil || data.Person != "member:m1" || data.Problem != "no seats left on site London" || data.Cleared {
		t.Errorf("data = %s (%v)", ev.Data, err)
	}
	ds, err := f.st.Deliveries(f.ctx, "acme", "ops", 0, 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries = %v, %v", ds, err)
	}
	if d := ds[0]; d.Status != store.DeliveryDelivered || d.Attempts != 2 || d.LastStatus != 200 || d.EventID != ev.ID {
		t.Errorf("delivery = %+v", d)
	}
	if n := len(other.Deliveries()); n != 0 {
		t.Errorf("the webhook not subscribed got %d deliveries", n)
	}

	// The problem clears: one more event, cleared.
	if err := f.st.SetPersonProblem(f.ctx, "acme", "member:m1", ""); err != nil {
		t.Fatal(err)
	}
	f.sendUntil(t, func() bool { return len(rcv.Deliveries()) == 3 })
	if err := json.Unmarshal(rcv.Deliveries()[2].Event.Data, &data); err != nil || !data.Cleared || data.Previous == "" {
		t.Errorf("cleared data = %+v (%v)", data, err)
	}
}

// TestADeliveryIsGivenUpAfterRetryFor: a receiver that never accepts is
// retried until RetryFor has passed since the event, then the delivery is
// failed, with its last status.
func TestADeliveryIsGivenUpAfterRetryFor(t *testing.T) {
	rcv := webhooktest.NewReceiver(t, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503)
	f := newFixture(t, rcv)
	f.sender.RetryFor = 300 * time.Millisecond
	f.put(t, rcv, "ops", store.EventHoldExpired)
	if _, err := f.st.QueueTestEvent(f.ctx, "acme", "ops"); err != nil {
		t.Fatal(err)
	}
	f.sendUntil(t, func() bool {
		ds, _ := f.st.Deliveries(f.ctx, "acme", "ops", 0, 10)
		return len(ds) == 1 && ds[0].Status == store.DeliveryFailed
	})
	ds, _ := f.st.Deliveries(f.ctx, "acme", "ops", 0, 10)
	if d := ds[0]; d.Attempts < 2 || d.LastStatus != 503 || d.EventType != store.EventWebhookTest {
		t.Errorf("delivery = %+v", d)
	}
	if n, _ := f.st.PendingDeliveries(f.ctx); n != 0 {
		t.Errorf("%d deliveries pending after giving up", n)
	}
}

// TestRunWakesOnNotify: the loop delivers a new event without waiting for
// its poll interval.
func TestRunWakesOnNotify(t *testing.T) {
	rcv := webhooktest.NewReceiver(t)
	f := newFixture(t, rcv)
	f.sender.PollInterval = time.Hour
	f.put(t, rcv, "ops", store.EventConnectionFailed)
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() { f.sender.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	time.Sleep(200 * time.Millisecond) // listening
	if _, err := f.st.QueueTestEvent(f.ctx, "acme", "ops"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(rcv.Deliveries()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the sender did not wake on the notification")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := rcv.Deliveries()[0]; r.Err != nil || r.Event.Type != store.EventWebhookTest {
		t.Errorf("received %+v", r)
	}
}

// TestAnInternalURLIsRefused: webhook URLs follow the egress rules; the
// check refuses before anything is dialed.
func TestAnInternalURLIsRefused(t *testing.T) {
	rcv := webhooktest.NewReceiver(t)
	f := newFixture(t, rcv)
	for _, u := range []string{"https://169.254.169.254/latest/meta-data", "https://10.0.0.1/hook", "https://localhost:8443/hook",
		"http://203.0.113.10/hook", "https://[::1]/hook"} {
		_, _, _, err := f.hooks.Put(f.ctx, "acme", "bad", u, []string{store.EventHoldCreated})
		var uerr *webhook.URLError
		if !errors.As(err, &uerr) {
			t.Errorf("Put(%s) = %v, want a URLError", u, err)
		}
	}
	if ws, _ := f.st.Webhooks(f.ctx, "acme"); len(ws) != 0 {
		t.Errorf("refused webhooks were stored: %+v", ws)
	}
}

func TestSignAndVerify(t *testing.T) {
	at := time.Unix(1700000000, 0)
	sig := webhook.Sign("s3cret", at, []byte(`{"a":1}`))
	// HMAC-SHA256("s3cret", `1700000000.{"a":1}`), computed independently.
	if want := "t=1700000000,v1=" + hmacHex("s3cret", `1700000000.{"a":1}`); sig != want {
		t.Errorf("Sign = %s, want %s", sig, want)
	}
	if err := webhook.Verify("s3cret", sig, []byte(`{"a":1}`), at, time.Minute); err != nil {
		t.Error(err)
	}
	if webhook.Verify("s3cret", sig, []byte(`{"a":2}`), at, time.Minute) == nil {
		t.Error("a changed body verified")
	}
	if webhook.Verify("other", sig, []byte(`{"a":1}`), at, time.Minute) == nil {
		t.Error("another secret verified")
	}
	if webhook.Verify("s3cret", sig, []byte(`{"a":1}`), at.Add(time.Hour), time.Minute) == nil {
		t.Error("a stale signature verified")
	}
}

// TestSecretsAreResealed: `doorsync secrets reseal` moves webhook secrets
// to the current key too; the sender then opens them with it.
func TestSecretsAreResealed(t *testing.T) {
	rcv := webhooktest.NewReceiver(t)
	f := newFixture(t, rcv)
	f.put(t, rcv, "ops", store.EventHoldCreated)
	newKey, _ := secrets.ParseKey(secrets.NewKey())
	// The fixture's box sealed it; a box with a new primary key that still
	// opens the old one reseals it.
	before, _ := f.st.SealedValues(f.ctx)
	var sealed string
	for _, v := range before {
		if v.Table == "webhooks" && v.Key == "acme/ops" {
			sealed = v.Value
		}
	}
	if sealed == "" {
		t.Fatalf("the webhook's secret is not among the sealed values: %+v", before)
	}
	rotated, err := secrets.New(newKey, f.key)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := saltoconn.New(saltoconn.Options{Store: f.st, Secrets: rotated}).Reseal(f.ctx)
	if err != nil || rep.Resealed != 1 {
		t.Fatalf("reseal = %+v, %v", rep, err)
	}
	// Only the new key from now on.
	only, _ := secrets.New(newKey)
	f.sender = &webhook.Sender{Store: f.st, Secrets: only, Egress: f.sender.Egress}
	if _, err := f.st.QueueTestEvent(f.ctx, "acme", "ops"); err != nil {
		t.Fatal(err)
	}
	f.sendUntil(t, func() bool { return len(rcv.Deliveries()) == 1 })
	if r := rcv.Deliveries()[0]; r.Err != nil || r.Status != 200 {
		t.Errorf("after reseal: %+v", r)
	}
}
