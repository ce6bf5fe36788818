package officerndtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// SignatureHeader is the header OfficeRnD signs deliveries in.
const SignatureHeader = "officernd-signature"

// Envelope is the documented webhook body.
type Envelope struct {
	Event     string       `json:"event"`
	EventType string       `json:"eventType"`
	Data      EnvelopeData `json:"data"`
	CreatedAt string       `json:"createdAt,omitempty"`
}

// EnvelopeData carries the object after the change.
type EnvelopeData struct {
	Object any `json:"object"`
}

// Delivery is one webhook the fake sent.
type Delivery struct {
	URL       string
	EventType string
	Status    int
	Err       error
}

// pending is a delivery decided under the lock and sent after it.
type pending struct {
	url, secret, eventType string
	object                 object
	at                     time.Time
	event                  string
}

// pendingDelivery prepares the automatic delivery of a change to c (mu
// held); nil when webhooks are off or c has no such event.
func (s *Server) pendingDelivery(c Collection, action string, o object) *pending {
	prefix, ok := events[c]
	if !ok || !s.cfg.webhooksOn || s.cfg.webhookURL == "" {
		return nil
	}
	return &pending{url: s.cfg.webhookURL, secret: s.cfg.webhookSecret, eventType: prefix + "." + action,
		object: o, at: s.now(), event: s.newID()}
}

// send posts a prepared delivery (mu not held) and records the outcome.
func (s *Server) send(p *pending) {
	if p == nil {
		return
	}
	status, err := post(p.url, p.secret, p.event, p.eventType, p.object, p.at, p.at)
	s.mu.Lock()
	s.delivered = append(s.delivered, Delivery{URL: p.url, EventType: p.eventType, Status: status, Err: err})
	s.mu.Unlock()
}

// Deliver posts eventType with object as data.object to url, signed with
// the fake's webhook secret at the fake's now; it answers the receiver's
// status.
func (s *Server) Deliver(url, eventType string, object any) (int, error) {
	return s.deliver(url, eventType, object, nil)
}

// DeliverLate posts, signed at the fake's now, the delivery of an event
// that happened at createdAt: a delivery late or retried, its envelope's
// createdAt (and data.object) the event's. A zero createdAt leaves the
// envelope without one.
func (s *Server) DeliverLate(url, eventType string, object any, createdAt time.Time) (int, error) {
	return s.deliver(url, eventType, object, &createdAt)
}

// deliver posts a delivery signed at the fake's now, of an event that
// happened at createdAt (nil: now).
func (s *Server) deliver(url, eventType string, object any, createdAt *time.Time) (int, error) {
	s.mu.Lock()
	secret, at, event := s.cfg.webhookSecret, s.now(), s.newID()
	s.mu.Unlock()
	if createdAt == nil {
		createdAt = &at
	}
	status, err := post(url, secret, event, eventType, object, *createdAt, at)
	s.mu.Lock()
	s.delivered = append(s.delivered, Delivery{URL: url, EventType: eventType, Status: status, Err: err})
	s.mu.Unlock()
	return status, err
}

// Deliveries copies what the fake has sent so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.delivered...)
}

// Body is the envelope Deliver sends, for tests that sign it themselves;
// a zero at leaves out createdAt.
func Body(event, eventType string, object any, at time.Time) ([]byte, error) {
	env := Envelope{Event: event, EventType: eventType, Data: EnvelopeData{Object: object}}
	if !at.IsZero() {
		env.CreatedAt = at.UTC().Format(TimeFormat)
	}
	b, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("officerndtest: encoding delivery: %w", err)
	}
	return b, nil
}

// Sign is the officernd-signature value for body at t:
// t=<unix>,signature=<lower-case hex HMAC-SHA256(secret, body + "." + t)>.
func Sign(secret string, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	mac.Write([]byte("." + ts))
	return "t=" + ts + ",signature=" + hex.EncodeToString(mac.Sum(nil))
}

var deliveryClient = &http.Client{Timeout: 10 * time.Second}

func post(url, secret, event, eventType string, object any, createdAt, signedAt time.Time) (int, error) {
	body, err := Body(event, eventType, object, createdAt)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("officerndtest: delivery request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(secret, body, signedAt))
	resp, err := deliveryClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("officerndtest: delivering %s: %w", eventType, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
