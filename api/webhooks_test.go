package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"doorsync/api"
	"doorsync/internal/egress"
	"doorsync/internal/webhook"
	"doorsync/internal/webhook/webhooktest"
	"doorsync/store"
)

// newHookAPI is the API with rcv's loopback address on the webhooks'
// list, and a sender delivering as the API process would.
func newHookAPI(t *testing.T, rcv *webhooktest.Receiver) (*testAPI, *webhook.Sender) {
	t.Helper()
	policy := egress.MustParseOpen("DOORSYNC_WEBHOOK_ALLOWED_HOSTS", []string{rcv.URL()})
	a := newTestAPI(t, func(d *api.Deps) { d.Webhooks.Egress = policy })
	return a, &webhook.Sender{Store: a.Store, Secrets: a.Secrets, Egress: policy, BaseBackoff: 50 * time.Millisecond,
		MaxBackoff: 100 * time.Millisecond}
}

// deliverUntil runs the sender until n deliveries reached rcv.
func deliverUntil(t *testing.T, s *webhook.Sender, rcv *webhooktest.Receiver, n int) []webhooktest.Delivery {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(rcv.Deliveries()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries reached the receiver, want %d", len(rcv.Deliveries()), n)
		}
		if _, err := s.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return rcv.Deliveries()
}

func TestWebhooksAreSignedAndDeliveredAfterAnOutage(t *testing.T) {
	rcv := webhooktest.NewReceiver(t)
	a, sender := newHookAPI(t, rcv)
	key := a.createOrg("acme")
	url := rcv.URL() + "/doorsync?token=abc"

	created := a.must(201, "PUT", "/v1/orgs/acme/webhooks/ops", key,
		map[string]any{"url": url, "events": []string{"access.problem", "hold.created", "access.problem"}}).JSON(t)
	secret, _ := created["secret"].(string)
	if secret == "" || created["url"] != url || len(created["events"].([]any)) != 2 {
		t.Fatalf("created = %v", created)
	}
	rcv.Verify(secret)
	if dump := a.dumpTable("webhooks"); strings.Contains(dump, secret) {
		t.Error("the secret is stored in clear")
	}
	for _, r := range []response{a.must(200, "GET", "/v1/orgs/acme/webhooks/ops", key, nil),
		a.must(200, "GET", "/v1/orgs/acme/webhooks", key, nil)} {
		if strings.Contains(string(r.Body), secret) || strings.Contains(string(r.Body), `"secret"`) {
			t.Errorf("a GET shows the secret: %s", r.Body)
		}
	}
	// Changing it keeps the secret, and does not show it.
	changed := a.must(200, "PUT", "/v1/orgs/acme/webhooks/ops", key,
		map[string]any{"url": url, "events": []string{"access.problem"}}).JSON(t)
	if _, shown := changed["secret"]; shown || len(changed["events"].([]any)) != 1 {
		t.Errorf("changed = %v", changed)
	}

	// The test event.
	queued := a.must(202, "POST", "/v1/orgs/acme/webhooks/ops/test", key, nil).JSON(t)
	got := deliverUntil(t, sender, rcv, 1)
	if got[0].Err != nil || got[0].Event.Type != "webhook.test" || got[0].Event.ID != queued["event_id"] ||
		got[0].Event.OrgID != "acme" {
		t.Errorf("test delivery = %+v", got[0])
	}

	// A person's problem, while the receiver is down once (500, then 200).
	rcv.Answer(500)
	if err := a.Store.SetPersonProblem(context.Background(), "acme", "member:m1", "no seats left on site London"); err != nil {
		t.Fatal(err)
	}
	got = deliverUntil(t, sender, rcv, 3)
	first, second := got[1], got[2]
	if first.Status != 500 || second.Status != 200 || first.Err != nil || second.Err != nil {
		t.Errorf("attempts = %+v, %+v", first, second)
	}
	if second.Event.Type != "access.problem" || second.Event.ID != first.Event.ID {
		t.Errorf("retried event = %+v (first %v)", second.Event, first.Event.ID)
	}
	var data map[string]any
	if err := json.Unmarshal(second.Event.Data, &data); err != nil || data["person"] != "member:m1" || data["problem"] != "no seats left on site London" {
		t.Errorf("data = %s (%v)", second.Event.Data, err)
	}

	log := a.must(200, "GET", "/v1/orgs/acme/webhooks/ops/deliveries?limit=1", key, nil).JSON(t)
	entries := log["data"].([]any)
	if len(entries) != 1 || log["next_cursor"] == nil {
		t.Fatalf("deliveries page = %v", log)
	}
	d := entries[0].(map[string]any)
	if d["event_id"] != second.Event.ID || d["type"] != "access.problem" || d["status"] != "delivered" ||
		d["attempts"] != 2.0 || d["last_status"] != 200.0 {
		t.Errorf("delivery = %v", d)
	}
	next := a.must(200, "GET", "/v1/orgs/acme/webhooks/ops/deliveries?cursor="+log["next_cursor"].(string), key, nil).JSON(t)
	if rest := next["data"].([]any); len(rest) != 1 || rest[0].(map[string]any)["type"] != "webhook.test" {
		t.Errorf("second page = %v", next)
	}

	// Deleting it forgets it and its log.
	a.must(204, "DELETE", "/v1/orgs/acme/webhooks/ops", key, nil)
	a.must(404, "GET", "/v1/orgs/acme/webhooks/ops", key, nil)
	a.must(404, "GET", "/v1/orgs/acme/webhooks/ops/deliveries", key, nil)
	a.must(404, "POST", "/v1/orgs/acme/webhooks/ops/test", key, nil)
	a.must(404, "DELETE", "/v1/orgs/acme/webhooks/ops", key, nil)
}

func TestWebhookBodiesAreValidated(t *testing.T) {
	rcv := webhooktest.NewReceiver(t)
	a, _ := newHookAPI(t, rcv)
	key := a.createOrg("acme")
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"no url", map[string]any{"events": []string{"hold.created"}}, "url"},
		{"no events", map[string]any{"url": rcv.URL(), "events": []string{}}, "events"},
		{"unknown event", map[string]any{"url": rcv.URL(), "events": []string{"hold.created", "member.deleted"}}, "events[1]"},
		{"the test event is not subscribable", map[string]any{"url": rcv.URL(), "events": []string{"webhook.test"}}, "events[0]"},
		// Refused on the check itself: nothing is dialed.
		{"plain http to a public host", map[string]any{"url": "http://203.0.113.10/hook", "events": []string{"hold.created"}}, "url"},
		{"metadata address", map[string]any{"url": "https://169.254.169.254/latest", "events": []string{"hold.created"}}, "url"},
		{"private address", map[string]any{"url": "https://10.1.2.3/hook", "events": []string{"hold.created"}}, "url"},
		{"loopback by name", map[string]any{"url": "https://localhost:9/hook", "events": []string{"hold.created"}}, "url"},
		{"loopback not listed", map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"hold.created"}}, "url"},
		{"user info", map[string]any{"url": "https://u:p@203.0.113.10/hook", "events": []string{"hold.created"}}, "url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := a.must(400, "PUT", "/v1/orgs/acme/webhooks/w1", key, tc.body).JSON(t)
			errs, _ := r["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["field"] != tc.field {
				t.Errorf("errors = %v, want one naming %s", r["errors"], tc.field)
			}
		})
	}
	if list := a.must(200, "GET", "/v1/orgs/acme/webhooks", key, nil).JSON(t); len(list["data"].([]any)) != 0 {
		t.Errorf("a refused webhook was stored: %v", list)
	}
	platform := a.createKey("acme", "the platform", "platform")
	a.must(403, "PUT", "/v1/orgs/acme/webhooks/w1", platform, map[string]any{"url": rcv.URL(), "events": []string{"hold.created"}})
	a.must(403, "GET", "/v1/orgs/acme/webhooks", platform, nil)
	a.must(404, "GET", "/v1/orgs/acme/webhooks/none", key, nil)
}

func TestProblemsAreListed(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	platform := a.createKey("acme", "the platform", "platform")
	ctx := context.Background()
	for person, p := range map[string]string{"member:m1": "no seats left on site London", "member:m2": "the site refused the tag",
		"guest:joe@example.com": "no seats left on site London"} {
		if err := a.Store.SetPersonProblem(ctx, "acme", person, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Store.SetPersonProblem(ctx, "acme", "member:m2", ""); err != nil { // cleared
		t.Fatal(err)
	}
	page := a.must(200, "GET", "/v1/orgs/acme/problems?limit=1", platform, nil).JSON(t)
	data := page["data"].([]any)
	if len(data) != 1 || data[0].(map[string]any)["person"] != "guest:joe@example.com" || page["next_cursor"] == nil {
		t.Fatalf("first page = %v", page)
	}
	if since, _ := time.Parse(time.RFC3339, data[0].(map[string]any)["since"].(string)); time.Since(since) > time.Minute {
		t.Errorf("since = %v", data[0])
	}
	page = a.must(200, "GET", "/v1/orgs/acme/problems?limit=1&cursor="+page["next_cursor"].(string), key, nil).JSON(t)
	data = page["data"].([]any)
	if len(data) != 1 || data[0].(map[string]any)["person"] != "member:m1" ||
		data[0].(map[string]any)["problem"] != "no seats left on site London" || page["next_cursor"] != nil {
		t.Errorf("second page = %v", page)
	}
	a.must(404, "GET", "/v1/orgs/nobody/problems", adminToken, nil)
}

func TestAuditFiltersByResult(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	ctx := context.Background()
	for _, e := range []store.AuditEntry{
		{Action: "add", Person: "member:m1", Trigger: "realtime", Result: "ok"},
		{Action: "add", Person: "member:m2", Trigger: "realtime", Result: "error", Error: "403 no seats"},
		{Action: "remove", Person: "member:m3", Trigger: "reconcile", Result: "ok"},
	} {
		if err := a.Store.AddAudit(ctx, "acme", e); err != nil {
			t.Fatal(err)
		}
	}
	r := a.must(200, "GET", "/v1/orgs/acme/audit?result=error", key, nil).JSON(t)
	if data := r["data"].([]any); len(data) != 1 || data[0].(map[string]any)["person"] != "member:m2" {
		t.Errorf("result=error = %v", r)
	}
	r = a.must(200, "GET", "/v1/orgs/acme/audit?result=ok", key, nil).JSON(t)
	if data := r["data"].([]any); len(data) != 2 {
		t.Errorf("result=ok = %v", r)
	}
	a.must(400, "GET", "/v1/orgs/acme/audit?result=ERROR!", key, nil)
}
