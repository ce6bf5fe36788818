package officernd_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"doorsync/access"
	"doorsync/connectors"
	"doorsync/connectors/officernd"
	"doorsync/connectors/officernd/officerndtest"
)

func TestVerifyWebhook(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	secret := f.WebhookSecret()
	now := time.Now()
	body, err := officerndtest.Body("e1", "member.updated", map[string]any{"_id": "m1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	header := func(v string) http.Header {
		h := http.Header{}
		if v != "" {
			h.Set(officernd.SignatureHeader, v)
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		header string
		body   []byte
		ok     bool
	}{
		{"good", officerndtest.Sign(secret, body, now), body, true},
		{"signed 59 s ago", officerndtest.Sign(secret, body, now.Add(-59*time.Second)), body, true},
		{"stale", officerndtest.Sign(secret, body, now.Add(-61*time.Second)), body, false},
		{"from the future", officerndtest.Sign(secret, body, now.Add(61*time.Second)), body, false},
		{"unsigned", "", body, false},
		{"wrong secret", officerndtest.Sign("other", body, now), body, false},
		{"body changed", officerndtest.Sign(secret, body, now), append([]byte(" "), body...), false},
		{"no signature field", "t=1700000000", body, false},
		{"stripe style t.body", "t=" + itoa(int(now.Unix())) + ",v1=00", body, false},
	} {
		err := c.VerifyWebhook(header(tc.header), tc.body, now)
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, connectors.ErrBadSignature) {
			t.Errorf("%s: %v, want ErrBadSignature", tc.name, err)
		}
	}
	noSecret := newClient(f, func(cfg *officernd.Config) { cfg.WebhookSecret = "" })
	if err := noSecret.VerifyWebhook(header(officerndtest.Sign("", body, now)), body, now); !errors.Is(err, connectors.ErrBadSignature) {
		t.Errorf("without a secret: %v, want ErrBadSignature", err)
	}
}

// receiver is a loopback webhook endpoint doing what doorsync's does:
// verify, refuse with 401, decode.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	changes []connectors.Changes
	errs    []error
}

func newReceiver(t *testing.T, c connectors.Connector) *receiver {
	rv := &receiver{}
	rv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := c.VerifyWebhook(r.Header, body, time.Now()); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ch, err := c.Webhook(r.Context(), r.Header, body)
		rv.mu.Lock()
		rv.changes, rv.errs = append(rv.changes, ch), append(rv.errs, err)
		rv.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rv.Close)
	return rv
}

func (rv *receiver) last(t *testing.T) connectors.Changes {
	t.Helper()
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if len(rv.changes) == 0 {
		t.Fatal("no delivery decoded")
	}
	if err := rv.errs[len(rv.errs)-1]; err != nil {
		t.Fatalf("decoding: %v", err)
	}
	return rv.changes[len(rv.changes)-1]
}

func TestSeedChangesAreDeliveredAndDecoded(t *testing.T) {
	f := newFake(t)
	s := seedSpace(f)
	c := newClient(f)
	rv := newReceiver(t, c)
	f.SetWebhooks(rv.URL, true)

	ms := f.AddMembership(officerndtest.Membership{IsPersonal: true, CalculatedStatus: "active", Plan: s.plan, Member: s.teammate,
		StartDate: time.Now().AddDate(0, 0, -1)})
	ch := rv.last(t)
	if len(ch.Upserts) != 1 || ch.Upserts[0].ID != ms || ch.Upserts[0].Kind != access.KindMembership {
		t.Fatalf("membership.created = %+v", ch)
	}
	if ch.Calls != 2 { // a token and the membership's assignments
		t.Errorf("membership.created took %d calls, want 2", ch.Calls)
	}

	_ = officerndtest.Update(f, officerndtest.Bookings, s.booking, func(b *officerndtest.Booking) { b.Title = "Board" })
	ch = rv.last(t)
	if len(ch.Upserts) != 1 || len(body(t, ch.Upserts[0])["guests"].([]any)) != 1 || ch.Calls != 1 {
		t.Errorf("booking.updated = %+v, want the booking with its visitor in one call", ch)
	}

	_ = officerndtest.Update(f, officerndtest.Passes, s.pass, func(p *officerndtest.Pass) { p.UsedCount = 2 })
	ch = rv.last(t)
	if len(ch.Upserts) != 1 || body(t, ch.Upserts[0])["passes"] != 3.0 {
		t.Errorf("pass.updated = %+v, want 3 passes left", ch)
	}

	_ = officerndtest.Update(f, officerndtest.Members, s.teammate, func(m *officerndtest.Member) { m.Phone = "+1" })
	if ch = rv.last(t); len(ch.Upserts) != 1 || ch.Upserts[0].Kind != access.KindMember || ch.Calls != 0 {
		t.Errorf("member.updated = %+v, want the member from data.object, no call", ch)
	}
	_ = officerndtest.Update(f, officerndtest.Companies, s.company, func(co *officerndtest.Company) { co.Status = "former" })
	if ch = rv.last(t); len(ch.Deletes) != 1 || ch.Deletes[0].Kind != access.KindTeam {
		t.Errorf("company.updated to former = %+v, want the team deleted", ch)
	}

	for _, rm := range []struct {
		coll officerndtest.Collection
		id   string
		kind access.Kind
	}{{officerndtest.Memberships, ms, access.KindMembership}, {officerndtest.Bookings, s.booking, access.KindBooking},
		{officerndtest.Members, s.member, access.KindMember}} {
		if err := f.Remove(rm.coll, rm.id); err != nil {
			t.Fatal(err)
		}
		if ch = rv.last(t); len(ch.Deletes) != 1 || ch.Deletes[0] != (connectors.Ref{Kind: rm.kind, ID: rm.id}) {
			t.Errorf("%s.removed = %+v", rm.kind, ch)
		}
	}
	for _, d := range f.Deliveries() {
		if d.Status != http.StatusOK {
			t.Errorf("delivery %s answered %d (%v)", d.EventType, d.Status, d.Err)
		}
	}
}

func TestForgedAndForeignDeliveries(t *testing.T) {
	f := newFake(t)
	c := newClient(f)
	rv := newReceiver(t, c)
	forger := newFake(t, officerndtest.WithWebhookSecret("not-the-secret"))
	if status, err := forger.Deliver(rv.URL, "member.created", map[string]any{"_id": "m1", "email": "x@example.com"}); err != nil || status != http.StatusUnauthorized {
		t.Errorf("forged delivery answered %d, %v; want 401", status, err)
	}
	if status, _ := f.Deliver(rv.URL, "invoice.created", map[string]any{"_id": "i1"}); status != http.StatusOK {
		t.Fatalf("invoice.created answered %d", status)
	}
	if ch := rv.last(t); len(ch.Upserts)+len(ch.Deletes) != 0 {
		t.Errorf("invoice.created = %+v, want no change", ch)
	}
	if _, err := c.Webhook(context.Background(), nil, []byte(`{"eventType":"member.updated","data":{"object":{}}}`)); err == nil {
		t.Error("a delivery without data.object._id decoded")
	}
}
