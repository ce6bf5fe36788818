// Package webhooktest is a webhook receiver for tests: a loopback HTTP
// server that verifies every delivery's signature and answers the
// statuses it is told, then 200.
package webhooktest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"doorsync/internal/webhook"
	"doorsync/store"
)

// Receiver records the deliveries it receives.
type Receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	secret   string
	statuses []int
	got      []Delivery
}

// Delivery is one request the receiver got: the status it answered, the
// event id header, the event, and what failed in verifying or decoding it.
type Delivery struct {
	Status int
	ID     string
	Event  store.Event
	Err    error
}

// NewReceiver starts a receiver on loopback that answers statuses in
// turn, then 200; it stops with the test.
func NewReceiver(t testing.TB, statuses ...int) *Receiver {
	r := &Receiver{statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(r.receive))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *Receiver) receive(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	d := Delivery{Status: http.StatusOK, ID: req.Header.Get("Doorsync-Event-Id")}
	d.Err = webhook.Verify(r.secret, req.Header.Get(webhook.SignatureHeader), body, time.Now(), 5*time.Minute)
	if err := json.Unmarshal(body, &d.Event); err != nil {
		d.Err = errors.Join(d.Err, err)
	}
	if len(r.statuses) > 0 {
		d.Status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	r.got = append(r.got, d)
	w.WriteHeader(d.Status)
}

// URL is the receiver's base URL.
func (r *Receiver) URL() string { return r.srv.URL }

// Verify has the receiver verify signatures with secret from now on.
func (r *Receiver) Verify(secret string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = secret
}

// Answer queues statuses to answer before 200 again.
func (r *Receiver) Answer(statuses ...int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statuses = append(r.statuses, statuses...)
}

// Deliveries are what the receiver got so far, in order.
func (r *Receiver) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.got...)
}
