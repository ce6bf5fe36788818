package saltoks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

var (
	passwordScopes = []string{ScopeFullAccess, ScopeOfflineAccess}
	authCodeScopes = []string{ScopeFullAccess, "openid", "profile", ScopeOfflineAccess}
)

// PasswordToken logs in as a Salto KS system user with the password grant
// (scopes user_api.full_access and offline_access, so a refresh token comes
// back) and returns the token. The caller persists it; OnToken is not called.
// A refusal is an *AuthError (IsAuthError); a 5xx or transport failure is
// retryable.
func PasswordToken(ctx context.Context, cfg Config, username, password string) (*oauth2.Token, error) {
	tok, err := oauthConfig(cfg, "", passwordScopes).PasswordCredentialsToken(tokenContext(ctx, cfg), username, password)
	if err != nil {
		return nil, tokenError("password grant", err, append(cfg.secrets(), password)...)
	}
	return tok, nil
}

// GenerateVerifier returns a new PKCE code verifier (oauth2.GenerateVerifier).
// Keep it server-side with the state until the callback.
func GenerateVerifier() string { return oauth2.GenerateVerifier() }

// AuthCodeURL returns the identity server's authorize URL for the
// authorization-code flow with PKCE (S256): scopes user_api.full_access,
// openid, profile and offline_access.
func AuthCodeURL(cfg Config, redirectURI, state, verifier string) string {
	return oauthConfig(cfg, redirectURI, authCodeScopes).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

// ExchangeCode trades the code from the authorize callback for a token,
// proving possession of verifier. redirectURI must equal the one given to
// AuthCodeURL. The caller persists the token; OnToken is not called.
func ExchangeCode(ctx context.Context, cfg Config, code, redirectURI, verifier string) (*oauth2.Token, error) {
	tok, err := oauthConfig(cfg, redirectURI, authCodeScopes).Exchange(tokenContext(ctx, cfg), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, tokenError("code exchange", err, cfg.secrets()...)
	}
	return tok, nil
}

func oauthConfig(cfg Config, redirectURI string, scopes []string) *oauth2.Config {
	base := cfg.identityBase()
	return &oauth2.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   base + "/connect/authorize",
			TokenURL:  base + "/connect/token",
			AuthStyle: oauth2.AuthStyleInHeader,
		},
		RedirectURL: redirectURI,
		Scopes:      scopes,
	}
}

// tokenContext makes oauth2 use the configured *http.Client.
func tokenContext(ctx context.Context, cfg Config) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, cfg.httpClient())
}

// tokenError maps an oauth2 failure to this package's errors, scrubbing
// secrets: a 429/5xx becomes a retryable *Error, a transport failure a
// retryable transport error, anything else an *AuthError.
func tokenError(op string, err error, secrets ...string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return retrieveError(op, re, secrets)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &transportError{method: http.MethodPost, path: "/connect/token", err: ue.Err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &transportError{method: http.MethodPost, path: "/connect/token", err: err}
	}
	return &AuthError{Op: op, Code: "invalid_response", Description: brief(scrub(err.Error(), secrets...), MaxMessageLen)}
}

func retrieveError(op string, re *oauth2.RetrieveError, secrets []string) error {
	status := 0
	var header http.Header
	if re.Response != nil {
		status, header = re.Response.StatusCode, re.Response.Header
	}
	desc := brief(scrub(re.ErrorDescription, secrets...), MaxMessageLen)
	if status == http.StatusTooManyRequests || status >= 500 {
		e := &Error{Status: status, Code: brief(re.ErrorCode, maxCodeLen), Message: desc, Method: http.MethodPost, Path: "/connect/token"}
		if header != nil {
			e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), time.Now())
		}
		return e
	}
	code := brief(re.ErrorCode, maxCodeLen)
	if code == "" {
		code = fmt.Sprintf("http_%d", status)
	}
	return &AuthError{Op: op, Status: status, Code: code, Description: desc}
}
