package officernd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"doorsync/connectors"
)

// tokenShare is the wait the token endpoint's limit implies when its 429
// names none: five requests a minute.
const tokenShare = 12 * time.Second

// tokens caches the access token. It is oauth2.ReuseTokenSource's job done
// by hand so that a fetch honours the caller's context and can wait out the
// token endpoint's 429 within a bound; the mutex makes concurrent callers
// share one fetch, since the endpoint allows five requests a minute.
type tokens struct {
	cc      clientcredentials.Config
	hc      *http.Client
	maxWait time.Duration

	mu  sync.Mutex
	tok *oauth2.Token
}

// token returns the cached token, or fetches one; calls counts requests.
func (t *tokens) token(ctx context.Context, calls *int) (*oauth2.Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok.Valid() {
		return t.tok, nil
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, t.hc)
	waited, backoff := time.Duration(0), time.Second
	for {
		*calls++
		tok, err := t.cc.Token(ctx)
		if err == nil {
			t.tok = tok
			return tok, nil
		}
		wait, err := t.classify(err, backoff)
		if wait == 0 {
			return nil, err
		}
		if waited+wait > t.maxWait {
			return nil, &connectors.ThrottledError{RetryAfter: max(wait, tokenShare)}
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		waited, backoff = waited+wait, backoff*2
	}
}

// classify turns a failed token request into the wait before another
// (429: its Retry-After, else backoff) or, with no wait, the error.
func (t *tokens) classify(err error, backoff time.Duration) (time.Duration, error) {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return 0, fmt.Errorf("officernd: fetching a token: %w", err)
	}
	switch code := re.Response.StatusCode; code {
	case http.StatusTooManyRequests:
		return max(retryAfter(re.Response.Header, backoff), 100*time.Millisecond), nil
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		return 0, fmt.Errorf("officernd: token request answered %d: %w", code, connectors.ErrUnauthorized)
	default:
		return 0, fmt.Errorf("officernd: token request answered %d: %w", code, ErrUnavailable)
	}
}

// drop forgets tok if it is still the cached one (the API refused it).
func (t *tokens) drop(tok *oauth2.Token) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok == tok {
		t.tok = nil
	}
}
