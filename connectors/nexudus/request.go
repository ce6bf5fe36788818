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
	"strings"
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
// Retry-After when short, else is *connectors.ThrottledError; a 5xx is
// retried twice, then a *StatusError.
func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	var reauthed bool
	var failures int
	var throttled time.Duration
	for {
		resp, err := c.send(ctx, path, q)
		var te *connectors.ThrottledError
		switch {
		case errors.As(err, &te):
			if err := c.waitThrottle(ctx, te.RetryAfter, &throttled); err != nil {
				return err
			}
			continue
		case err != nil && ctx.Err() == nil && !errors.Is(err, connectors.ErrUnauthorized) && failures < serverRetries:
			failures++
			if err := sleep(ctx, backoff(failures)); err != nil {
				return err
			}
			continue
		case err != nil:
			return err
		}
		status, header := resp.StatusCode, resp.Header
		switch {
		case status == http.StatusOK:
			defer resp.Body.Close()
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				return fmt.Errorf("nexudus: GET %s: decoding: %w", path, err)
			}
			return nil
		case status == http.StatusUnauthorized && !reauthed:
			reauthed = true
			c.dropToken(strings.TrimPrefix(resp.Request.Header.Get("Authorization"), "Bearer "))
		case status == http.StatusUnauthorized:
			return fmt.Errorf("nexudus: GET %s: %w", path, connectors.ErrUnauthorized)
		case status == http.StatusConflict:
			if err := c.waitThrottle(ctx, retryAfter(header), &throttled); err != nil {
				return err
			}
		case status == http.StatusNotFound:
			return fmt.Errorf("nexudus: GET %s: %w", path, errNotFound)
		case status >= 500 && failures < serverRetries:
			failures++
			if err := sleep(ctx, backoff(failures)); err != nil {
				return err
			}
		default:
			return &StatusError{Path: path, Status: status}
		}
		drain(resp)
	}
}

// send makes one authenticated request.
func (c *Client) send(ctx context.Context, path string, q url.Values) (*http.Response, error) {
	tok, err := c.token(ctx)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint(path, q), nil)
	if err != nil {
		return nil, fmt.Errorf("nexudus: GET %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("nexudus: GET %s: %w", path, err)
	}
	return resp, nil
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
	resp.Body.Close()
}
