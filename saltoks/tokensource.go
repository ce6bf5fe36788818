package saltoks

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// refreshTimeout bounds one renewal. A renewal is detached from the caller's
// cancellation: the identity server rotates refresh tokens, so abandoning a
// refresh half-way could lose the only valid refresh token.
const refreshTimeout = 30 * time.Second

// tokenSource holds the account's current token, renews it (refresh grant,
// else password grant when configured) and hands every new token to
// Config.OnToken, or keeps it in Config.Tokens when the token is shared
// between processes. It is safe for concurrent use; renewals are
// serialised so that one expired token causes one refresh.
type tokenSource struct {
	cfg Config

	mu      sync.Mutex
	tok     *oauth2.Token
	unsaved bool // tok was obtained here and OnToken has not accepted it yet
}

func newTokenSource(cfg Config, tok *oauth2.Token) *tokenSource {
	return &tokenSource{cfg: cfg, tok: cloneToken(tok)}
}

// token returns a token that is valid for at least RefreshEarly, renewing
// the current one first if needed. With a TokenStore, the latest stored
// token is tried before renewing.
func (ts *tokenSource) token(ctx context.Context) (*oauth2.Token, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.cfg.Tokens != nil {
		return ts.sharedTokenLocked(ctx)
	}
	if !ts.fresh(ts.tok) {
		if err := ts.renewLocked(ctx); err != nil {
			return nil, err
		}
	}
	if err := ts.persistLocked(ctx); err != nil {
		return nil, err
	}
	return ts.tok, nil
}

// rejected is called when the API answered 401 to rejected. It renews the
// token unless another request (or, with a TokenStore, another process)
// already did, and returns the token to retry with.
func (ts *tokenSource) rejected(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.cfg.Tokens != nil {
		if ts.tok != nil && ts.tok.AccessToken != rejected.AccessToken && ts.fresh(ts.tok) {
			return ts.tok, nil
		}
		return ts.renewSharedLocked(ctx, rejected)
	}
	if ts.tok == nil || ts.tok.AccessToken == rejected.AccessToken {
		if err := ts.renewLocked(ctx); err != nil {
			return nil, err
		}
	}
	if err := ts.persistLocked(ctx); err != nil {
		return nil, err
	}
	return ts.tok, nil
}

// fresh reports whether t outlives the refresh margin: RefreshEarly, or
// half the token's lifetime (expires_in) when that is shorter (so a
// short-lived token is not refreshed on every call).
func (ts *tokenSource) fresh(t *oauth2.Token) bool {
	if t == nil || t.AccessToken == "" {
		return false
	}
	if t.Expiry.IsZero() {
		return true
	}
	margin := ts.cfg.refreshEarly()
	if t.ExpiresIn > 0 {
		margin = min(margin, time.Duration(t.ExpiresIn)*time.Second/2)
	}
	return time.Until(t.Expiry) > margin
}

// sharedTokenLocked returns the held token while fresh, else the stored
// one if that is fresh (another process renewed it), else renews.
func (ts *tokenSource) sharedTokenLocked(ctx context.Context) (*oauth2.Token, error) {
	if ts.fresh(ts.tok) {
		return ts.tok, nil
	}
	stored, err := ts.cfg.Tokens.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("saltoks: loading the stored token: %w", err)
	}
	if ts.fresh(stored) {
		ts.tok = stored
		return ts.tok, nil
	}
	return ts.renewSharedLocked(ctx, ts.tok)
}

// renewSharedLocked renews stale under the TokenStore's lock: if the
// stored token is already another, fresh one, that is used; else it is
// renewed and stored. A renewal refused after another process rotated the
// token (its refresh token was already used) takes the stored one instead.
func (ts *tokenSource) renewSharedLocked(ctx context.Context, stale *oauth2.Token) (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	staleAccess := ""
	if stale != nil {
		staleAccess = stale.AccessToken
	}
	tok, err := ts.cfg.Tokens.Update(ctx, func(stored *oauth2.Token) (*oauth2.Token, error) {
		if stored != nil && stored.AccessToken != staleAccess && ts.fresh(stored) {
			return stored, nil
		}
		return ts.obtain(ctx, stored)
	})
	if IsAuthError(err) {
		if stored, loadErr := ts.cfg.Tokens.Load(ctx); loadErr == nil && stored != nil && stored.AccessToken != staleAccess {
			tok, err = stored, nil
		}
	}
	if err != nil {
		return nil, err
	}
	ts.tok = cloneToken(tok)
	return ts.tok, nil
}

// renewLocked replaces the current token: by refresh token when there is
// one, else (or when that is refused) by the password grant when the config
// has credentials.
func (ts *tokenSource) renewLocked(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	tok, err := ts.obtain(ctx, ts.tok)
	if err != nil {
		return err
	}
	ts.tok = tok
	ts.unsaved = true
	return nil
}

// obtain gets a new token: by refreshing from, else (or when that is
// refused) by the password grant when the config has credentials.
func (ts *tokenSource) obtain(ctx context.Context, from *oauth2.Token) (*oauth2.Token, error) {
	tok, err := ts.refresh(ctx, from)
	if IsAuthError(err) && ts.cfg.Username != "" && ts.cfg.Password != "" {
		tok, err = PasswordToken(ctx, ts.cfg, ts.cfg.Username, ts.cfg.Password)
	}
	if err != nil {
		return nil, err
	}
	return tok, nil
}

func (ts *tokenSource) refresh(ctx context.Context, from *oauth2.Token) (*oauth2.Token, error) {
	if from == nil || from.RefreshToken == "" {
		return nil, &AuthError{Op: "refresh", Code: "no_refresh_token", Description: "the token expired and there is no refresh token"}
	}
	refreshToken := from.RefreshToken
	src := oauthConfig(ts.cfg, "", nil).TokenSource(tokenContext(ctx, ts.cfg), &oauth2.Token{RefreshToken: refreshToken})
	tok, err := src.Token()
	if err != nil {
		return nil, tokenError("refresh", err, append(ts.cfg.secrets(), refreshToken)...)
	}
	return tok, nil
}

// persistLocked hands an unsaved token to OnToken.
func (ts *tokenSource) persistLocked(ctx context.Context) error {
	if !ts.unsaved {
		return nil
	}
	if ts.cfg.OnToken != nil {
		if err := ts.cfg.OnToken(context.WithoutCancel(ctx), cloneToken(ts.tok)); err != nil {
			return fmt.Errorf("saltoks: persisting a new token: %w", err)
		}
	}
	ts.unsaved = false
	return nil
}

// current returns a copy of the token held now.
func (ts *tokenSource) current() *oauth2.Token {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return cloneToken(ts.tok)
}

func cloneToken(t *oauth2.Token) *oauth2.Token {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}
