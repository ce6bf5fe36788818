package nexudus

import (
	"context"
	"net/http"
	"sync/atomic"

	"golang.org/x/time/rate"
)

// limitedClient is base (or a default client) whose every request, token
// requests included, first waits for the limiter and is counted.
func limitedClient(base *http.Client, l *rate.Limiter) *http.Client {
	hc := &http.Client{}
	if base != nil {
		*hc = *base
	}
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = &limitedTransport{next: next, limiter: l}
	return hc
}

type limitedTransport struct {
	next    http.RoundTripper
	limiter *rate.Limiter
}

func (t *limitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.limiter.Wait(r.Context()); err != nil {
		return nil, err
	}
	if n, ok := r.Context().Value(counterKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
	return t.next.RoundTrip(r)
}

// counterKey holds the *atomic.Int64 counting one operation's calls (a
// Page's or a Webhook's Calls), since one client serves concurrent ones.
type counterKey struct{}

func withCounter(ctx context.Context) (context.Context, *atomic.Int64) {
	n := &atomic.Int64{}
	return context.WithValue(ctx, counterKey{}, n), n
}

// count adds k to the operation's counter, for calls made outside its
// context (a token refresh runs under the token source's own context).
func count(ctx context.Context, k int) {
	if n, ok := ctx.Value(counterKey{}).(*atomic.Int64); ok {
		n.Add(int64(k))
	}
}
