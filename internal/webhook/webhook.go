// Package webhook signs and delivers doorsync's outbound webhooks (see
// docs/architecture.md, D43). The store queues each event, for every
// webhook of its org subscribed to it, in the transaction of the change
// that caused it; the Sender (run by the API process) delivers what is
// due, signed, retrying with back-off for RetryFor (24 h), at least once:
// receivers de-duplicate by the event's id.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"doorsync/internal/egress"
	"doorsync/internal/secrets"
	"doorsync/store"
)

// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
// "<t>.<body>")>".
const SignatureHeader = "Doorsync-Signature"

// Sign returns the SignatureHeader value of body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a SignatureHeader value against body, as a receiver
// would: a v1 signature must match, and t must be within tolerance of
// now (0: any t).
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("webhook: malformed signature header")
	}
	if tolerance > 0 {
		if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
			return errors.New("webhook: signature timestamp out of tolerance")
		}
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return errors.New("webhook: signature mismatch")
}

// NewSecret returns a fresh signing secret.
func NewSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return "whsec_" + hex.EncodeToString(b[:])
}

// URLError says why a webhook URL is refused; its message names the host,
// never the path.
type URLError struct{ Reason string }

func (e *URLError) Error() string { return e.Reason }

// Hooks keeps an org's webhooks: URLs checked against the egress policy,
// secrets sealed at rest.
type Hooks struct {
	Store   *store.Store
	Secrets *secrets.Box
	Egress  *egress.Policy
}

// Put creates or changes a webhook. A new one gets a secret, returned in
// clear this once (created true); a changed one keeps its secret and
// returns "". A URL the policy refuses is a *URLError.
func (h *Hooks) Put(ctx context.Context, orgID, id, url string, events []string) (w store.Webhook, secret string, created bool, err error) {
	if err := h.CheckURL(ctx, url); err != nil {
		return store.Webhook{}, "", false, err
	}
	secret = NewSecret()
	sealed := h.Secrets.Seal([]byte(secret), store.WebhookSealContext(orgID, id))
	w, created, err = h.Store.PutWebhook(ctx, orgID, id, url, events, sealed)
	if err != nil || !created {
		secret = ""
	}
	return w, secret, created, err
}

// CheckURL checks a webhook URL against the policy (resolving its host).
func (h *Hooks) CheckURL(ctx context.Context, url string) error {
	if h.Egress == nil {
		return &URLError{Reason: "webhooks are not configured"}
	}
	if err := h.Egress.CheckURL(ctx, url); err != nil {
		var refused *egress.RefusedError
		if errors.As(err, &refused) {
			return &URLError{Reason: refused.Reason}
		}
		return fmt.Errorf("webhook: check url: %w", err)
	}
	return nil
}
