package nexudus

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"

	"doorsync/connectors"
)

// token is the access token to send: the one held (tokens last about seven
// days, DOC expires_in 604799), refreshed through the config's token source
// when it expires, or a new password sign-in when there is none or the
// refresh is refused.
func (c *Client) token(ctx context.Context) (*oauth2.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ts != nil {
		tok, err := c.ts.Token() // cached: no call while valid
		if err == nil {
			if tok.AccessToken != c.access {
				count(ctx, 1) // a refresh, which ran outside ctx
				c.access = tok.AccessToken
			}
			return tok, nil
		}
		c.ts = nil // the refresh token was refused: sign in again
	}
	return c.signIn(ctx)
}

// signIn is the password grant (form-encoded, DOC). Call with c.mu held.
func (c *Client) signIn(ctx context.Context) (*oauth2.Token, error) {
	octx := context.WithValue(ctx, oauth2.HTTPClient, c.http)
	tok, err := c.oauth.PasswordCredentialsToken(octx, c.cfg.Username, c.cfg.Password)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil {
			switch status := re.Response.StatusCode; {
			case status == http.StatusConflict:
				return nil, &connectors.ThrottledError{RetryAfter: retryAfter(re.Response.Header)}
			case status < 500:
				return nil, fmt.Errorf("nexudus: signing in: %w", connectors.ErrUnauthorized)
			}
		}
		return nil, fmt.Errorf("nexudus: signing in: %w", err)
	}
	// The source refreshes with the refresh_token grant; its context only
	// carries the HTTP client, since it outlives this call.
	bg := context.WithValue(context.Background(), oauth2.HTTPClient, c.http)
	c.ts = c.oauth.TokenSource(bg, tok)
	c.access = tok.AccessToken
	return tok, nil
}

// dropToken forgets the token after a 401, so the next call signs in.
func (c *Client) dropToken(used string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ts == nil {
		return
	}
	if cur, err := c.ts.Token(); err != nil || cur.AccessToken == used {
		c.ts = nil
	}
}
