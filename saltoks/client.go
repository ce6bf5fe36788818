package saltoks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"
)

// apiVersion is the Connect API version every method uses (reference §4.1:
// v1.2 serves all the routes this client needs).
const apiVersion = "v1.2"

// Client calls the Connect API of one Salto KS account. It is safe for
// concurrent use. Every method takes the caller's context, which bounds the
// whole call including rate-limit waits and retries. The one exception is a
// token refresh in progress: it is detached from cancellation (bounded by
// 30 s) because the identity server rotates refresh tokens and an abandoned
// refresh could lose the only valid one.
type Client struct {
	cfg     Config
	base    *url.URL
	http    *http.Client
	tokens  *tokenSource
	limiter *rate.Limiter
}

// New returns a Client that starts from token (as returned by PasswordToken
// or ExchangeCode, or loaded from storage). The client refreshes the token
// when it is about to expire or when the API answers 401, and calls
// cfg.OnToken with every new token.
//
// An unparsable cfg.APIURL makes every call fail with an error.
func New(cfg Config, token *oauth2.Token) *Client {
	base, _ := url.Parse(strings.TrimRight(cfg.APIURL, "/"))
	return &Client{
		cfg:     cfg,
		base:    base,
		http:    cfg.httpClient(),
		tokens:  newTokenSource(cfg, token),
		limiter: cfg.limiter(),
	}
}

// Token returns a copy of the token the client currently holds.
func (c *Client) Token() *oauth2.Token { return c.tokens.current() }

// request is one prepared call; it can be sent more than once.
type request struct {
	method string
	url    *url.URL
	body   []byte
}

// path names the request in errors: the URL path without the query (so
// neither e-mail filters nor page links end up in error strings).
func (r request) path() string { return r.url.Path }

// newRequest prepares a call to the API path built from segments, each
// escaped, below /v1.2.
func (c *Client) newRequest(method string, query url.Values, in any, segments ...string) (request, error) {
	if c.base == nil || c.base.Host == "" {
		return request{}, fmt.Errorf("saltoks: invalid APIURL %q", c.cfg.APIURL)
	}
	for _, s := range segments {
		if s == "" {
			return request{}, fmt.Errorf("saltoks: %s %s: empty id in path", method, strings.Join(segments, "/"))
		}
	}
	u := *c.base
	u.Path = c.base.Path + "/" + apiVersion + "/" + strings.Join(segments, "/")
	u.RawPath = c.base.EscapedPath() + "/" + apiVersion + "/" + escapeSegments(segments)
	u.RawQuery = encodeQuery(query)
	req := request{method: method, url: &u}
	if in != nil {
		body, err := json.Marshal(in)
		if err != nil {
			return request{}, fmt.Errorf("saltoks: %s %s: encoding body: %w", method, u.Path, err)
		}
		req.body = body
	}
	return req, nil
}

// do sends the call and decodes a 2xx JSON body into out (if non-nil).
func (c *Client) do(ctx context.Context, req request, out any) error {
	body, err := c.send(ctx, req)
	if err != nil {
		return err
	}
	if out == nil || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("saltoks: %s %s: decoding response: %w", req.method, req.path(), err)
	}
	return nil
}

// send makes the call, retrying as Config allows, and returns the 2xx body.
func (c *Client) send(ctx context.Context, req request) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		body, err := c.attempt(ctx, req)
		if err == nil {
			return body, nil
		}
		wait, ok := c.retryWait(req.method, attempt, err)
		if !ok {
			return nil, err
		}
		if sleep(ctx, wait) != nil {
			return nil, err // the caller gave up: report what went wrong, not the cancellation
		}
		countRetry(req)
	}
}

// attempt makes one call; a 401 refreshes the token once and repeats it.
func (c *Client) attempt(ctx context.Context, req request) ([]byte, error) {
	tok, err := c.tokens.token(ctx)
	if err != nil {
		return nil, err
	}
	resp, body, err := c.roundTrip(ctx, req, tok) //nolint:bodyclose // roundTrip reads and closes the body
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		if tok, err = c.tokens.rejected(ctx, tok); err != nil {
			return nil, err
		}
		if resp, body, err = c.roundTrip(ctx, req, tok); err != nil { //nolint:bodyclose // as above
			return nil, err
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newError(req.method, req.path(), resp, body)
	}
	return body, nil
}

// roundTrip waits for the rate limiter and performs one HTTP exchange.
// pace takes req's turn at the rate limiter. A revocation (a DELETE: a user
// leaving a group, a user or tag removed) never waits behind additions and
// reads: it takes its token at once, going into debt if the bucket is
// empty, and the calls after it wait that much longer, so the rate holds
// over time while no access outlives its reason for the limiter's sake.
func (c *Client) pace(ctx context.Context, req request) error {
	if c.limiter == nil {
		return nil
	}
	if req.method == http.MethodDelete {
		c.limiter.Reserve()
		return nil
	}
	return c.limiter.Wait(ctx)
}

func (c *Client) roundTrip(ctx context.Context, req request, tok *oauth2.Token) (*http.Response, []byte, error) {
	if err := c.pace(ctx, req); err != nil {
		return nil, nil, &transportError{method: req.method, path: req.path(), err: err}
	}
	if err := checkBeforeSend(ctx, req); err != nil {
		return nil, nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, req.url.String(), bytes.NewReader(req.body))
	if err != nil {
		return nil, nil, fmt.Errorf("saltoks: %s %s: %w", req.method, req.path(), err)
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if req.body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		return nil, nil, &transportError{method: req.method, path: req.path(), err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	body, err := c.readBody(resp.Body)
	if errors.Is(err, ErrResponseTooLarge) {
		return nil, nil, fmt.Errorf("saltoks: %s %s: %w", req.method, req.path(), err)
	}
	if err != nil {
		return nil, nil, &transportError{method: req.method, path: req.path(), err: err}
	}
	return resp, body, nil
}

// readBody reads a response body of at most Config.MaxResponseBytes; a
// longer one is ErrResponseTooLarge, never silently cut.
func (c *Client) readBody(r io.Reader) ([]byte, error) {
	limit := c.cfg.maxResponseBytes()
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w (over %d bytes)", ErrResponseTooLarge, limit)
	}
	return body, nil
}

// retryWait decides whether err is worth another attempt and how long to
// wait first: Retry-After when the server gave one, else exponential backoff
// with jitter. A 429 is retried on any method (the server did not act on
// it); other retryable failures only on methods other than POST.
func (c *Client) retryWait(method string, attempt int, err error) (time.Duration, bool) {
	if attempt >= c.cfg.MaxRetries || !IsRetryable(err) {
		return 0, false
	}
	retryAfter, limited := IsRateLimited(err)
	if !limited && method == http.MethodPost {
		return 0, false
	}
	if retryAfter > 0 {
		return retryAfter, retryAfter <= c.cfg.maxRetryWait()
	}
	return min(backoff(attempt), c.cfg.maxRetryWait()), true
}

// backoff is 250 ms doubled per attempt, with ±50 % jitter.
func backoff(attempt int) time.Duration {
	d := 250 * time.Millisecond << min(attempt, 10)
	return d/2 + rand.N(d) //nolint:gosec // jitter, not a secret
}

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

// unwrapURLError drops *url.Error's copy of the URL (it would repeat the
// query string) but keeps the cause.
func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

func escapeSegments(segments []string) string {
	escaped := make([]string, len(segments))
	for i, s := range segments {
		escaped[i] = url.PathEscape(s)
	}
	return strings.Join(escaped, "/")
}

// encodeQuery encodes spaces as %20 rather than "+" (OData servers differ on
// "+").
func encodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}
