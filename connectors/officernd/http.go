package officernd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"doorsync/connectors"
)

// ErrUnavailable is the platform failing (a 5xx after the client's own
// retries, a network error, or a token endpoint error that is not a
// refusal); the caller retries later.
var ErrUnavailable = errors.New("officernd: the platform is unavailable")

// errNotFound is a 404 on a single GET.
var errNotFound = errors.New("officernd: not found")

// BadRequestError is the API refusing a query (400), with its message: a
// bug in the client or a platform that changed, never retried.
type BadRequestError struct {
	Path    string
	Message string
}

func (e *BadRequestError) Error() string {
	return fmt.Sprintf("officernd: %s refused the query: %s", e.Path, e.Message)
}

// Retries of one request.
const (
	maxServerRetries   = 2
	maxThrottleRetries = 5
	serverBackoff      = 200 * time.Millisecond
)

// op counts the requests one operation (a page, a webhook) makes, and
// keeps when the oldest data its records are built from was read.
type op struct {
	calls int
	read  readTime
}

// join adds what a sub-operation (a cache fill, which keeps its own read
// time) did to o.
func (o *op) join(sub *op) {
	o.calls += sub.calls
	o.read.merge(sub.read)
}

// get reads path (under the organization) with q into out: the token
// added, a refused token renewed once, 429 waited out within the client's
// bound, 5xx retried twice. The answer's data counts as read when the
// request that brought it was sent (o.read).
func (c *Client) get(ctx context.Context, o *op, path string, q url.Values, out any) error {
	var renewed bool
	var throttled, failed int
	var waited time.Duration
	for {
		tok, err := c.tokens.token(ctx, &o.calls)
		if err != nil {
			return err
		}
		o.calls++
		sent := time.Now()
		status, header, body, err := c.do(ctx, path, q, tok.AccessToken)
		if err != nil {
			return err
		}
		switch {
		case status == http.StatusOK:
			if err := json.Unmarshal(body, out); err != nil {
				return fmt.Errorf("officernd: decoding %s: %w", path, err)
			}
			o.read.add(sent)
			return nil
		case status == http.StatusUnauthorized && !renewed:
			c.tokens.drop(tok) // expired or revoked early: one new token, then give up
			renewed = true
		case status == http.StatusUnauthorized:
			return fmt.Errorf("officernd: %s: %w", path, connectors.ErrUnauthorized)
		case status == http.StatusTooManyRequests:
			wait := retryAfter(header, time.Second)
			throttled++
			if throttled > maxThrottleRetries || waited+wait > c.cfg.MaxWait {
				return &connectors.ThrottledError{RetryAfter: wait}
			}
			if err := sleep(ctx, wait); err != nil {
				return err
			}
			waited += wait
		case status >= 500 && failed < maxServerRetries:
			failed++
			if err := sleep(ctx, serverBackoff<<failed); err != nil {
				return err
			}
		case status >= 500: // the message says why, e.g. "Organization not found" for a wrong slug
			return fmt.Errorf("officernd: %s answered %d (%s): %w", path, status, nestMessage(body), ErrUnavailable)
		case status == http.StatusNotFound:
			return fmt.Errorf("officernd: %s: %w", path, errNotFound)
		case status == http.StatusBadRequest:
			return &BadRequestError{Path: path, Message: nestMessage(body)}
		default:
			return fmt.Errorf("officernd: %s answered %d", path, status)
		}
	}
}

// do sends one GET and reads the answer (at most 8 MiB: a page of 50).
func (c *Client) do(ctx context.Context, path string, q url.Values, token string) (int, http.Header, []byte, error) {
	u := c.api + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("officernd: request %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("officernd: %s: %w: %w", path, ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("officernd: reading %s: %w: %w", path, ErrUnavailable, err)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// nestMessage is the message of a NestJS error body (a string or a list).
func nestMessage(body []byte) string {
	var e struct {
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Message) == 0 {
		return string(body)
	}
	var one string
	if json.Unmarshal(e.Message, &one) == nil {
		return one
	}
	return string(e.Message)
}

// retryAfter reads Retry-After in seconds or as a date; def when absent.
func retryAfter(h http.Header, def time.Duration) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return def
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return def
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
