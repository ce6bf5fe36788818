package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"doorsync/store"
)

// queuedEvents are the types of the events queued for webhook "all",
// oldest first, each with its data.
func queuedEvents(t *testing.T, ctx context.Context, st *store.Store) ([]string, []map[string]any) {
	t.Helper()
	ds, err := st.Deliveries(ctx, "acme", "all", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(ds)
	var types []string
	var data []map[string]any
	for _, d := range ds {
		var ev store.Event
		if err := json.Unmarshal([]byte(d.Body), &ev); err != nil {
			t.Fatalf("body %s: %v", d.Body, err)
		}
		if ev.ID != d.EventID || ev.Type != d.EventType || ev.OrgID != "acme" || ev.At.IsZero() {
			t.Errorf("event %+v does not match its delivery %+v", ev, d)
		}
		var m map[string]any
		json.Unmarshal(ev.Data, &m)
		types, data = append(types, d.EventType), append(data, m)
	}
	return types, data
}

func putHook(t *testing.T, ctx context.Context, st *store.Store, id string, events ...string) {
	t.Helper()
	if _, created, err := st.PutWebhook(ctx, "acme", id, "https://receiver.example/hook", events, "sealed"); err != nil || !created {
		t.Fatalf("put webhook: %v, %v", created, err)
	}
}

// TestEventsAreQueuedWhereTheyHappen checks each event is queued by the
// store call that records its cause, once per change of state, for the
// webhooks subscribed to it only.
func TestEventsAreQueuedWhereTheyHappen(t *testing.T) {
	ctx, st := newAcme(t)
	// Nothing is queued while no webhook listens.
	if err := st.SetPersonProblem(ctx, "acme", "member:m0", "refused"); err != nil {
		t.Fatal(err)
	}
	putHook(t, ctx, st, "all", store.WebhookEvents...)
	putHook(t, ctx, st, "drift-only", store.EventReconcileDrift)

	// Holds: created once (extending it is no event), expired.
	hold := store.Hold{ID: "h1", OrgID: "acme", SiteID: "s1", GroupID: "g1", Members: 40,
		Remove: []store.HeldRemoval{{SaltoUserID: "u1", Person: "member:m1"}}}
	if _, _, err := st.HoldRemovals(ctx, hold); err != nil {
		t.Fatal(err)
	}
	hold.ID, hold.Remove = "h2", []store.HeldRemoval{{SaltoUserID: "u2"}}
	if _, _, err := st.HoldRemovals(ctx, hold); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ExpireHolds(ctx, store.HoldExpiry{OrgID: "acme", HeldBefore: time.Now().Add(time.Hour), Trigger: "reconcile"}); err != nil {
		t.Fatal(err)
	}

	// The connection: failed on the first error only, restored once.
	if err := st.PutSaltoConnection(ctx, store.SaltoConnection{OrgID: "acme", Mode: "password", IdentityURL: "https://id.example",
		APIURL: "https://api.example", ClientID: "c", ClientSecretEnc: "x", Username: "u", PasswordEnc: "y"}); err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"", "503 from Salto KS", "timeout", "", ""} {
		if err := st.MarkSaltoResult(ctx, "acme", msg); err != nil {
			t.Fatal(err)
		}
	}
	// Failed again, then restored by connecting again.
	if err := st.MarkSaltoResult(ctx, "acme", "401 invalid_grant"); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSaltoConnection(ctx, store.SaltoConnection{OrgID: "acme", Mode: "password", IdentityURL: "https://id.example",
		APIURL: "https://api.example", ClientID: "c", ClientSecretEnc: "x", Username: "u", PasswordEnc: "z"}); err != nil {
		t.Fatal(err)
	}

	// A run's drift, and a run that found none.
	for _, run := range []struct {
		id   string
		adds int
	}{{"r1", 3}, {"r2", 0}} {
		if err := st.StartRun(ctx, store.ReconcileRun{ID: run.id, OrgID: "acme", Trigger: "schedule"}); err != nil {
			t.Fatal(err)
		}
		d := store.RunDrift{Trigger: "schedule", Groups: 2}
		d.Counts.Add, d.Counts.Remove = run.adds, run.adds
		if err := st.SaveRunReport(ctx, "acme", run.id, map[string]any{"groups": []any{}}, d); err != nil {
			t.Fatal(err)
		}
	}

	// A person's problem: appears, the same again (no event), clears.
	for _, p := range []string{"no seats left", "no seats left", ""} {
		if err := st.SetPersonProblem(ctx, "acme", "member:m1", p); err != nil {
			t.Fatal(err)
		}
	}

	types, data := queuedEvents(t, ctx, st)
	want := []string{store.EventHoldCreated, store.EventHoldExpired, store.EventConnectionFailed, store.EventConnectionRestored,
		store.EventConnectionFailed, store.EventConnectionRestored, store.EventReconcileDrift, store.EventAccessProblem, store.EventAccessProblem}
	if !slices.Equal(types, want) {
		t.Fatalf("events = %v, want %v", types, want)
	}
	if data[0]["hold_id"] != "h1" || data[0]["removals"] != 1.0 || data[1]["hold_id"] != "h1" || data[1]["removals"] != 2.0 ||
		data[1]["problem"] == "" {
		t.Errorf("hold data = %v, %v", data[0], data[1])
	}
	if data[2]["error"] != "503 from Salto KS" {
		t.Errorf("connection.failed data = %v", data[2])
	}
	if data[5]["reconnected"] != true || data[3]["reconnected"] != nil {
		t.Errorf("restored data = %v, %v", data[3], data[5])
	}
	if counts, _ := data[6]["counts"].(map[string]any); data[6]["run_id"] != "r1" || counts["add"] != 3.0 || counts["remove"] != 3.0 {
		t.Errorf("drift data = %v", data[6])
	}
	if data[7]["problem"] != "no seats left" || data[7]["cleared"] != false || data[8]["cleared"] != true || data[8]["previous"] != "no seats left" {
		t.Errorf("problem data = %v, %v", data[7], data[8])
	}
	if ds, _ := st.Deliveries(ctx, "acme", "drift-only", 0, 100); len(ds) != 1 || ds[0].EventType != store.EventReconcileDrift {
		t.Errorf("drift-only deliveries = %+v", ds)
	}
	// One event reaches its webhooks with one id.
	all, _ := st.Deliveries(ctx, "acme", "all", 0, 100)
	only, _ := st.Deliveries(ctx, "acme", "drift-only", 0, 100)
	for _, d := range all {
		if d.EventType == store.EventReconcileDrift && d.EventID != only[0].EventID {
			t.Errorf("the drift event has two ids: %s, %s", d.EventID, only[0].EventID)
		}
	}
}

// TestAnEventIsQueuedOnlyIfItsCauseCommits: the event rides the cause's
// transaction, so a write that fails queues nothing.
func TestAnEventIsQueuedOnlyIfItsCauseCommits(t *testing.T) {
	ctx, st := newAcme(t)
	putHook(t, ctx, st, "all", store.WebhookEvents...)
	hold := store.Hold{ID: "h1", OrgID: "acme", SiteID: "s1", GroupID: "g1", Remove: []store.HeldRemoval{{SaltoUserID: "u1"}}}
	if _, _, err := st.HoldRemovals(ctx, hold); err != nil {
		t.Fatal(err)
	}
	// The same id again in another group: the insert fails, nothing is queued.
	hold.GroupID = "g2"
	if _, _, err := st.HoldRemovals(ctx, hold); err == nil {
		t.Fatal("a duplicate hold id was accepted")
	}
	if types, _ := queuedEvents(t, ctx, st); len(types) != 1 {
		t.Errorf("events = %v, want the first hold's only", types)
	}
	if err := st.DeleteWebhook(ctx, "acme", "all"); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.PendingDeliveries(ctx); n != 0 {
		t.Errorf("%d deliveries outlive their webhook", n)
	}
}

// TestDeliveriesArePruned: deliveries made or given up leave the log with
// the org's old runs; pending ones stay.
func TestDeliveriesArePruned(t *testing.T) {
	ctx, st := newAcme(t)
	putHook(t, ctx, st, "all", store.WebhookEvents...)
	for range 3 {
		if _, err := st.QueueTestEvent(ctx, "acme", "all"); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := st.ClaimDeliveries(ctx, 2, time.Minute)
	if err != nil || len(ds) != 2 {
		t.Fatalf("claimed %d, %v", len(ds), err)
	}
	if err := st.DeliveryDone(ctx, ds[0].ID, 204); err != nil {
		t.Fatal(err)
	}
	if err := st.DeliveryFailed(ctx, ds[1].ID, 500, "the receiver answered 500", 0); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	p, err := st.PruneOrg(ctx, "acme", now.Add(time.Hour), now)
	if err != nil || p.Deliveries != 2 {
		t.Fatalf("pruned %+v, %v", p, err)
	}
	if left, _ := st.Deliveries(ctx, "acme", "all", 0, 10); len(left) != 1 || left[0].Status != store.DeliveryPending {
		t.Errorf("left = %+v", left)
	}
}

// TestAWebhookKeepsItsSecret: putting a webhook again changes its URL and
// events, never its sealed secret.
func TestAWebhookKeepsItsSecret(t *testing.T) {
	ctx, st := newAcme(t)
	if _, created, err := st.PutWebhook(ctx, "acme", "w", "https://a.example/", []string{store.EventHoldCreated}, "first"); err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	w, created, err := st.PutWebhook(ctx, "acme", "w", "https://b.example/", []string{store.EventHoldExpired}, "second")
	if err != nil || created || w.SecretEnc != "first" || w.URL != "https://b.example/" || !slices.Equal(w.Events, []string{store.EventHoldExpired}) {
		t.Fatalf("put again = %+v, created %v, %v", w, created, err)
	}
	if _, _, err := st.PutWebhook(ctx, "nobody", "w", "https://a.example/", []string{store.EventHoldCreated}, "x"); err == nil {
		t.Error("a webhook of an unknown org was stored")
	}
}

// TestWaitsBelowAMillisecondAreStored: a retry whose wait is cut to what
// is left of its RetryFor can be under a millisecond (Go spells it "µs",
// which Postgres' interval input refuses); the failure is still recorded,
// and so is a poke's.
func TestWaitsBelowAMillisecondAreStored(t *testing.T) {
	ctx, st := newAcme(t)
	putHook(t, ctx, st, "all", store.WebhookEvents...)
	if _, err := st.QueueTestEvent(ctx, "acme", "all"); err != nil {
		t.Fatal(err)
	}
	ds, err := st.ClaimDeliveries(ctx, 1, 850*time.Microsecond)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claimed %d, %v", len(ds), err)
	}
	if err := st.DeliveryFailed(ctx, ds[0].ID, 503, "the receiver answered 503", 850*time.Microsecond); err != nil {
		t.Fatal(err)
	}
	ids, err := st.QueuePokes(ctx, "acme", []store.Poke{{Kind: store.PokeAccess, Target: "member:m1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ClaimPokes(ctx, nil, 10, 850*time.Microsecond); err != nil {
		t.Fatal(err)
	}
	if err := st.RetryPokeLater(ctx, ids[0], 850*time.Microsecond, "unavailable"); err != nil {
		t.Fatal(err)
	}
}
