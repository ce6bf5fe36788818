package nexudus_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"doorsync/access"
	"doorsync/connectors"
	"doorsync/connectors/nexudus"
	"doorsync/connectors/nexudus/nexudustest"
)

func TestVerifyWebhook(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	body := []byte(`[{"Id":1}]`)
	good := nexudustest.Sign(secret, body)
	tests := []struct {
		name   string
		header string
		client *nexudus.Client
		ok     bool
	}{
		{"upper-case hex", good, c, true},
		{"lower-case hex", strings.ToLower(good), c, true},
		{"unsigned", "", c, false},
		{"garbage", "not-hex", c, false},
		{"wrong secret", nexudustest.Sign("other", body), c, false},
		{"other body", nexudustest.Sign(secret, []byte(`[{"Id":2}]`)), c, false},
		{"no secret configured", good, nexudus.New(nexudus.Config{Username: user, Password: pass, BaseURL: f.URL}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.header != "" {
				h.Set(nexudus.SignatureHeader, tc.header)
			}
			err := tc.client.VerifyWebhook(h, body, time.Now())
			if tc.ok && err != nil || !tc.ok && !errors.Is(err, connectors.ErrBadSignature) {
				t.Fatalf("VerifyWebhook = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// receiver records verified deliveries decoded by the client.
type receiver struct {
	t   *testing.T
	c   *nexudus.Client
	mu  sync.Mutex
	got []connectors.Changes
	bad int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if err := r.c.VerifyWebhook(req.Header, body, time.Now()); err != nil {
		r.mu.Lock()
		r.bad++
		r.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	ch, err := r.c.Webhook(req.Context(), req.Header, body)
	if err != nil {
		r.t.Errorf("Webhook: %v", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	r.mu.Lock()
	r.got = append(r.got, ch)
	r.mu.Unlock()
}

func (r *receiver) changes() []connectors.Changes {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]connectors.Changes(nil), r.got...)
}

// Deliveries by shape (no action header, as documented) and by the
// ASSUMED-id-only DTO with an action header, each re-read by id.
func TestWebhookDecodesDeliveries(t *testing.T) {
	for _, idOnly := range []bool{false, true} {
		f := newFake(t)
		s := seed(f)
		c := newClient(f)
		rcv := &receiver{t: t, c: c}
		hook := httptest.NewServer(rcv)
		defer hook.Close()
		if idOnly {
			f.Assume(nexudustest.Assumptions{WebhookIDOnly: true, ActionHeader: nexudus.ActionHeader})
		}
		for _, a := range []nexudustest.Action{nexudustest.CoworkerUpdate, nexudustest.BookingUpdate,
			nexudustest.BookingDelete, nexudustest.CoworkerContractUpdate, nexudustest.TeamUpdated} {
			f.Subscribe(a, hook.URL)
		}
		f.Update(nexudustest.Coworkers, s.alice, nexudustest.M{"Email": "alice@new.example"})
		f.Update(nexudustest.CoworkerContracts, s.contract, nexudustest.M{"CancellationDate": "2026-12-31T00:00:00Z",
			"CancellationDateLocal": "2026-12-31T00:00:00"})
		f.Update(nexudustest.Teams, s.team, nexudustest.M{"TeamMembers": []int{s.alice}})
		f.Remove(nexudustest.Bookings, s.booking)
		waitFor(t, func() bool { return len(rcv.changes()) == 4 })

		var ups []connectors.Record
		var dels []connectors.Ref
		for _, ch := range rcv.changes() {
			ups, dels = append(ups, ch.Upserts...), append(dels, ch.Deletes...)
		}
		find := func(kind access.Kind, id string) map[string]any {
			for _, r := range ups {
				if r.Kind == kind && r.ID == id {
					return body(t, r)
				}
			}
			t.Fatalf("idOnly=%v: no upsert of %s %s in %v", idOnly, kind, id, ups)
			return nil
		}
		if m := find(access.KindMember, itoa(s.alice)); m["email"] != "alice@new.example" {
			t.Errorf("member email %v", m["email"])
		}
		if m := find(access.KindMembership, itoa(s.contract)); m["ends_at"] != "2026-12-31" {
			t.Errorf("membership ends_at %v", m["ends_at"])
		}
		find(access.KindTeam, itoa(s.team))
		if len(dels) != 1 || dels[0] != (connectors.Ref{Kind: access.KindBooking, ID: itoa(s.booking)}) {
			t.Errorf("deletes %v, want the booking", dels)
		}
	}
}

// A forged delivery is refused before anything is read.
func TestForgedWebhookIsRefused(t *testing.T) {
	f := newFake(t)
	s := seed(f)
	c := newClient(f)
	rcv := &receiver{t: t, c: c}
	hook := httptest.NewServer(rcv)
	defer hook.Close()
	f.SetWebhookSecret("not-the-secret")
	f.ResetCalls()
	status, err := f.Deliver(hook.URL, nexudustest.CoworkerUpdate, f.Get(nexudustest.Coworkers, s.alice))
	if err != nil || status != http.StatusUnauthorized {
		t.Fatalf("forged delivery: %d %v, want 401", status, err)
	}
	if len(rcv.changes()) != 0 || f.TotalCalls() != 0 {
		t.Errorf("a forged delivery changed %v and cost %d calls", rcv.changes(), f.TotalCalls())
	}
}

// A booking visitor's DTO re-reads its booking, with the visitors as
// guests, at the latest of their versions.
func TestWebhookBookingVisitorRereadsBooking(t *testing.T) {
	f := newFake(t)
	s := seed(f)
	c := newClient(f)
	v := f.Put(nexudustest.BookingVisitors, nexudustest.M{"BookingId": s.booking, "VisitorId": 3,
		"VisitorFullName": "Dan Late", "VisitorEmail": "dan@example.com"})
	dto, _ := json.Marshal([]any{f.Get(nexudustest.BookingVisitors, v)})
	ch, err := c.Webhook(context.Background(), http.Header{}, dto)
	if err != nil || len(ch.Upserts) != 1 {
		t.Fatalf("Webhook = %v, %v", ch, err)
	}
	b := body(t, ch.Upserts[0])
	if got := len(b["guests"].([]any)); got != 2 {
		t.Errorf("%d guests, want 2", got)
	}
	visitorAt, _ := time.Parse(time.RFC3339Nano, f.Get(nexudustest.BookingVisitors, v)["UpdatedOn"].(string))
	if int64(b["version"].(float64)) != visitorAt.UnixMilli() {
		t.Errorf("version %v, want the visitor's UpdatedOn %d", b["version"], visitorAt.UnixMilli())
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
