package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// sender delivers events as a webhook sender does: it retries on a refused
// connection, a timeout, 429 and 5xx with backoff, until the API accepts.
type sender struct {
	base, token string
	org         string
	http        *http.Client
	o           *oracle

	sent, attempts atomic.Int64
	mu             sync.Mutex
	errors5xx      []answer // every 5xx the API gave
	rejected       []string // events refused with an unexpected 4xx
}

// answer is one 5xx: when and to what.
type answer struct {
	at     time.Time
	status int
	what   string
}

func newSender(base, token, org string, o *oracle) *sender {
	return &sender{base: base, token: token, org: org, o: o, http: &http.Client{Timeout: 15 * time.Second}}
}

// deliver sends ev until the API accepts it or ctx ends.
func (s *sender) deliver(ctx context.Context, ev event) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		start := time.Now()
		status, body, err := s.do(ctx, ev.method, "/v1/orgs/"+s.org+ev.path, ev.body)
		s.attempts.Add(1)
		if err == nil && status < 500 && status != http.StatusTooManyRequests {
			s.accepted(ev, status, body, start)
			return
		}
		if err == nil && status >= 500 {
			s.mu.Lock()
			s.errors5xx = append(s.errors5xx, answer{at: start, status: status, what: ev.method + " " + ev.path + ": " + string(body)})
			s.mu.Unlock()
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// accepted records an answer below 500: 2xx; 409 for a version older
// than the stored one; 404 for a DELETE already done. Anything else is a
// rejection the soak did not expect.
func (s *sender) accepted(ev event, status int, body []byte, start time.Time) {
	s.sent.Add(1)
	ok := status < 300 || status == http.StatusConflict || (status == http.StatusNotFound && ev.method == "DELETE")
	if !ok {
		s.mu.Lock()
		s.rejected = append(s.rejected, fmt.Sprintf("%s %s: %d %s", ev.method, ev.path, status, body))
		s.mu.Unlock()
		return
	}
	if ev.cut != nil {
		s.o.acknowledge(ev.cut, start)
	}
}

// do makes one call with the sender's token.
func (s *sender) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, raw, nil
}

// call makes one setup call that must succeed (retrying as deliver does)
// and decodes the answer.
func call(ctx context.Context, base, token, method, path string, body any) (map[string]any, error) {
	s := &sender{base: base, token: token, http: &http.Client{Timeout: 30 * time.Second}}
	var last error
	for range 20 {
		status, raw, err := s.do(ctx, method, path, body)
		if err == nil && status < 300 {
			var out map[string]any
			json.Unmarshal(raw, &out)
			return out, nil
		}
		if err == nil && status < 500 {
			return nil, fmt.Errorf("%s %s: %d %s", method, path, status, raw)
		}
		last = fmt.Errorf("%s %s: %d %s %w", method, path, status, raw, err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return nil, last
}

func httpStatus(url string) int {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
