package nexudus

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

// StatusError is an answer the client does not handle itself. A 5xx is
// worth retrying later (Retryable).
type StatusError struct {
	Path   string
	Status int
}

func (e *StatusError) Error() string {
	if e.Status == http.StatusForbidden {
		return fmt.Sprintf("nexudus: GET %s: HTTP 403 (does the admin user have the entity's -List and -Read roles?)", e.Path)
	}
	return fmt.Sprintf("nexudus: GET %s: HTTP %d", e.Path, e.Status)
}

// Retryable reports a server-side failure.
func (e *StatusError) Retryable() bool { return e.Status >= 500 }

// errNotFound is a 404 on a single GET: the record is gone.
var errNotFound = errors.New("nexudus: not found")

// Attempts the client makes itself before giving an error back.
const (
	serverRetries = 2 // a 5xx or a network error, with a short backoff
	// maxInlineTotal bounds the 409 waits one call sleeps through, so an
	// activity reading a page is not silent for long (its heartbeat).
	maxInlineTotal = 30 * time.Second
)

// get calls GET path?q and decodes the JSON answer into out. A 401 signs
// in again once (then connectors.ErrUnauthorized); a 409 waits out its
// Retry-After when short, else is *connectors.ThrottledError; a 5xx or a
// network error is retried twice, then returned (a *StatusError for a 5xx).
func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	var a attempts
	for {
		err := c.getOnce(ctx, path, q, out)
		if err == nil {
			return nil
		}
		if err = c.recover(ctx, err, &a); err != nil {
			return err
		}
	}
}

// attempts is what one get has been through.
type attempts struct {
	reauthed  bool
	failures  int
	throttled time.Duration
}

// rejectedError is a 401 to a request sent with token.
type rejectedError struct{ token string }

func (e *rejectedError) Error() string { return "nexudus: the token was refused" }

// transportError is a request that got no answer.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// recover decides after a failed attempt: nil to try again (having waited
// or signed out), else the error to return.
func (c *Client) recover(ctx context.Context, err error, a *attempts) error {
	var te *connectors.ThrottledError
	var rejected *rejectedError
	var se *StatusError
	var tre *transportError
	switch {
	case ctx.Err() != nil:
		return err
	case errors.As(err, &te):
		return c.waitThrottle(ctx, te.RetryAfter, &a.throttled)
	case errors.As(err, &rejected) && !a.reauthed:
		a.reauthed = true
		c.dropToken(rejected.token)
		return nil
	case errors.As(err, &rejected):
		return fmt.Errorf("nexudus: %w", connectors.ErrUnauthorized)
	case (errors.As(err, &se) && se.Retryable() || errors.As(err, &tre)) && a.failures < serverRetries:
		a.failures++
		return sleep(ctx, backoff(a.failures))
	}
	return err
}

// getOnce sends one request and reads its answer; an answer read notes
// when the request was sent on the operation's read clock.
func (c *Client) getOnce(ctx context.Context, path string, q url.Values, out any) error {
	tok, err := c.token(ctx)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint(path, q), nil)
	if err != nil {
		return fmt.Errorf("nexudus: GET %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	sent := c.now() // before the limiter's wait too: never later than the data
	resp, err := c.http.Do(req)
	if err != nil {
		return &transportError{fmt.Errorf("nexudus: GET %s: %w", path, err)}
	}
	defer drain(resp)
	switch status := resp.StatusCode; status {
	case http.StatusOK:
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return fmt.Errorf("nexudus: GET %s: decoding: %w", path, err)
		}
		noteRead(ctx, sent)
		return nil
	case http.StatusUnauthorized:
		return &rejectedError{token: tok.AccessToken}
	case http.StatusConflict:
		return &connectors.ThrottledError{RetryAfter: retryAfter(resp.Header)}
	case http.StatusNotFound:
		return fmt.Errorf("nexudus: GET %s: %w", path, errNotFound)
	default:
		return &StatusError{Path: path, Status: status}
	}
}

// waitThrottle sleeps through a short Retry-After (DOC: obey the status
// codes rather than hard-coding limits) or gives a long one back.
func (c *Client) waitThrottle(ctx context.Context, wait time.Duration, waited *time.Duration) error {
	wait = max(wait, time.Second) // Retry-After is whole seconds; 0 must not spin
	if wait > MaxInlineWait || *waited+wait > maxInlineTotal {
		return &connectors.ThrottledError{RetryAfter: wait}
	}
	*waited += wait
	return sleep(ctx, wait)
}

// retryAfter reads Retry-After in seconds (DOC); absent or unreadable, one
// second.
func retryAfter(h http.Header) time.Duration {
	if n, err := strconv.Atoi(h.Get("Retry-After")); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	return time.Second
}

func backoff(failures int) time.Duration { return time.Duration(failures) * 250 * time.Millisecond }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
}
