package webhook

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"

	"doorsync/internal/egress"
	"doorsync/internal/secrets"
	"doorsync/store"
)

// Defaults of the Sender.
const (
	DefaultRetryFor     = 24 * time.Hour
	DefaultBaseBackoff  = 10 * time.Second
	DefaultMaxBackoff   = time.Hour
	DefaultTimeout      = 10 * time.Second
	DefaultPollInterval = 5 * time.Second
	batchSize           = 32
	parallelism         = 8
)

// Sender delivers due webhook deliveries until its context ends. Several
// senders (API processes) may run: each claims deliveries with a lease.
type Sender struct {
	Store   *store.Store
	Secrets *secrets.Box
	// Egress is where deliveries may go; its dialer checks every
	// connection's address again.
	Egress *egress.Policy
	Log    *slog.Logger
	// RetryFor is how long a delivery is retried after its event
	// (DefaultRetryFor); BaseBackoff doubles from the first failure up to
	// MaxBackoff, with jitter.
	RetryFor    time.Duration
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// Timeout bounds one attempt (DefaultTimeout).
	Timeout time.Duration
	// PollInterval is how often the loop looks for due deliveries when no
	// notification wakes it (DefaultPollInterval).
	PollInterval time.Duration
	// Now is the clock of signatures; nil means time.Now.
	Now func() time.Time

	once   sync.Once
	client *http.Client
}

func (s *Sender) init() {
	s.once.Do(func() {
		s.client = s.Egress.Client(cmp.Or(s.Timeout, DefaultTimeout))
		// A redirect is an answer, not a delivery: the URL is the one the
		// operator gave.
		s.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		if s.Now == nil {
			s.Now = time.Now
		}
		if s.Log == nil {
			s.Log = slog.New(slog.DiscardHandler)
		}
	})
}

// Run delivers due deliveries until ctx ends, waking on every new event.
func (s *Sender) Run(ctx context.Context) error {
	s.init()
	notified := make(chan struct{}, 1)
	go s.Store.Forward(ctx, store.WebhookChannel, notified)
	interval := cmp.Or(s.PollInterval, DefaultPollInterval)
	for {
		if _, err := s.SendDue(ctx); err != nil && ctx.Err() == nil {
			s.Log.WarnContext(ctx, "webhook sender: could not claim deliveries; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-notified:
		case <-time.After(interval):
		}
	}
}

// SendDue delivers every due delivery, batch after batch, and returns how
// many it attempted.
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	s.init()
	lease := 2*cmp.Or(s.Timeout, DefaultTimeout) + 30*time.Second
	n := 0
	for ctx.Err() == nil {
		ds, err := s.Store.ClaimDeliveries(ctx, batchSize, lease)
		if err != nil || len(ds) == 0 {
			return n, err
		}
		n += len(ds)
		sem := make(chan struct{}, parallelism)
		var wg sync.WaitGroup
		for _, d := range ds {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				s.deliver(ctx, d)
			})
		}
		wg.Wait()
	}
	return n, nil
}

// deliver makes one attempt and records its outcome.
func (s *Sender) deliver(ctx context.Context, d store.Delivery) {
	status, err := s.post(ctx, d)
	if err == nil {
		if err := s.Store.DeliveryDone(ctx, d.ID, status); err != nil {
			// The lease ends and it is sent again: at least once.
			s.Log.WarnContext(ctx, "webhook sender: could not record a delivery", "delivery", d.ID, "err", err)
		}
		return
	}
	retryAfter := s.backoff(d.Attempts)
	if left := d.CreatedAt.Add(cmp.Or(s.RetryFor, DefaultRetryFor)).Sub(s.Now()); left <= 0 {
		retryAfter = 0 // given up
	} else if retryAfter > left {
		retryAfter = left
	}
	level := slog.LevelInfo
	if retryAfter == 0 {
		level = slog.LevelWarn
	}
	s.Log.Log(ctx, level, "webhook delivery failed", "org", d.OrgID, "webhook", d.WebhookID, "event", d.EventID,
		"type", d.EventType, "attempt", d.Attempts, "status", status, "err", err, "retry_in", retryAfter)
	if rerr := s.Store.DeliveryFailed(ctx, d.ID, status, err.Error(), retryAfter); rerr != nil {
		s.Log.WarnContext(ctx, "webhook sender: could not record a failed delivery", "delivery", d.ID, "err", rerr)
	}
}

// post sends d, signed, and returns the receiver's status; an error unless
// it answered 2xx.
func (s *Sender) post(ctx context.Context, d store.Delivery) (int, error) {
	secret, err := s.Secrets.Open(d.SecretEnc, store.WebhookSealContext(d.OrgID, d.WebhookID))
	if err != nil {
		return 0, fmt.Errorf("the webhook's secret cannot be opened: %w", err)
	}
	body := []byte(d.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("bad webhook URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "doorsync-webhooks/1")
	req.Header.Set("Doorsync-Event-Id", d.EventID)
	req.Header.Set("Doorsync-Event-Type", d.EventType)
	req.Header.Set(SignatureHeader, Sign(string(secret), s.Now(), body))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("no answer: %s", describe(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // draining for reuse only
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// describe is an error without the URL (it may carry a token in its
// path or query).
func describe(err error) string {
	var refused *egress.RefusedError
	if errors.As(err, &refused) {
		return refused.Error()
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		if uerr.Timeout() {
			return "timed out"
		}
		return uerr.Err.Error()
	}
	return err.Error()
}

// backoff is the wait after the attempt-th failed attempt.
func (s *Sender) backoff(attempt int) time.Duration {
	base, maxB := cmp.Or(s.BaseBackoff, DefaultBaseBackoff), cmp.Or(s.MaxBackoff, DefaultMaxBackoff)
	d := base
	for i := 1; i < attempt && d < maxB; i++ {
		d *= 2
	}
	d = min(d, maxB)
	// ±20% so that one receiver's outage does not bring every retry back
	// at once.
	return d - d/5 + rand.N(2*d/5+1) //nolint:gosec // jitter, not a secret
}
