package saltoks

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"
)

// Hosts of the production and accept (sandbox) environments, from the
// reference's §2. Both URLs of a Config are configurable; these are defaults
// for callers that want them.
const (
	DefaultIdentityURL = "https://identity.eu.my-clay.com"
	DefaultAPIURL      = "https://connect.my-clay.com"
	AcceptIdentityURL  = "https://identity-acc.eu.my-clay.com"
	AcceptAPIURL       = "https://clp-accept-user.my-clay.com"
)

// PublicHosts are Salto KS's own identity and Connect API hosts, production
// and accept, current and older ones still seen answering (reference §2).
// They are the default allow-list of the hosts a connection may use.
var PublicHosts = []string{
	"identity.eu.my-clay.com",
	"connect.my-clay.com",
	"identity-acc.eu.my-clay.com",
	"clp-accept-user.my-clay.com",
	"identity.my-clay.com",
	"user.my-clay.com",
	"clp-accept-identityserver.my-clay.com",
	"clp-accept-identityserver.saltoks.com",
}

// OAuth scopes requested by this package.
const (
	// ScopeFullAccess is the Connect API scope.
	ScopeFullAccess = "user_api.full_access"
	// ScopeOfflineAccess asks the identity server for a refresh token.
	ScopeOfflineAccess = "offline_access"
)

const (
	defaultHTTPTimeout  = 30 * time.Second
	defaultRetryWait    = 30 * time.Second
	defaultRefreshEarly = 60 * time.Second
	// DefaultMaxPages is how many pages one listing follows at most.
	DefaultMaxPages = 10_000
	// DefaultMaxResponseBytes caps one response body (8 MiB).
	DefaultMaxResponseBytes = 8 << 20
)

// Config describes one Salto KS account: where its identity server and
// Connect API live, the OAuth client, and how requests are made.
//
// Config prints with its secrets redacted (fmt and log/slog both), but callers
// should still avoid logging it.
type Config struct {
	// IdentityURL is the identity server's origin, e.g. DefaultIdentityURL.
	IdentityURL string
	// APIURL is the Connect API's origin without a version, e.g. DefaultAPIURL.
	APIURL string
	// ClientID and ClientSecret authenticate the OAuth client (HTTP Basic).
	ClientID     string
	ClientSecret string

	// Username and Password, when set, let the token source fall back to the
	// password grant when a token cannot be refreshed (no refresh token, or
	// the identity server rejected it). Leave empty for the
	// authorization-code flow.
	Username string
	Password string

	// HTTPClient makes every request, to both hosts. It should carry a
	// timeout. Nil means a client with a 30 s timeout.
	HTTPClient *http.Client

	// Limiter, when set, is waited on before every request to the Connect
	// API. Share one limiter between all Clients of the same Salto KS account
	// to cap that account's request rate.
	Limiter *rate.Limiter
	// RequestsPerSecond, when Limiter is nil and this is positive, gives the
	// Client its own limiter of that rate, letting Burst requests through at
	// once (zero: the rate rounded up).
	RequestsPerSecond float64
	Burst             int

	// OnToken is called with every new token the token source obtains
	// (refresh or password fallback), before the token is used, so the caller
	// can persist it. If it fails, the request fails with its error and the
	// hook is called again with the same token on the next request. Tokens
	// returned by PasswordToken and ExchangeCode are not passed to it: the
	// caller already holds them.
	OnToken func(context.Context, *oauth2.Token) error

	// Tokens, when set, is where the account's token is kept for every
	// process that uses the account; OnToken is then not called. The
	// identity server rotates refresh tokens (each works once), so a token
	// source that refreshed on its own would invalidate the one every other
	// process holds. With Tokens, an expired token is first replaced by the
	// latest stored one, and a refresh happens inside Tokens.Update, which
	// lets one process at a time renew.
	Tokens TokenStore

	// MaxRetries is how many times a failed request is retried: a 429 on
	// any method, and a 5xx or transport error on any method but POST.
	// Zero means no retry beyond the single 401 → refresh → retry.
	MaxRetries int
	// MaxRetryWait caps one wait between retries; a Retry-After beyond it
	// ends the retries and returns the 429 to the caller. Zero means 30 s.
	MaxRetryWait time.Duration
	// RefreshEarly is how long before its expiry a token is refreshed
	// (capped at half the token's expires_in when known). Zero means 60 s.
	RefreshEarly time.Duration

	// MaxPages is how many pages a listing (List*) follows before it gives
	// up with ErrTooManyPages. Zero means DefaultMaxPages.
	MaxPages int
	// MaxResponseBytes caps one response body; a larger one fails with
	// ErrResponseTooLarge. Zero means DefaultMaxResponseBytes.
	MaxResponseBytes int64
}

// httpClient is the client every exchange goes through, measured
// (metrics.go).
func (c Config) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return instrument(c.HTTPClient)
	}
	return instrument(&http.Client{Timeout: defaultHTTPTimeout})
}

func (c Config) identityBase() string { return strings.TrimRight(c.IdentityURL, "/") }

func (c Config) maxRetryWait() time.Duration {
	if c.MaxRetryWait > 0 {
		return c.MaxRetryWait
	}
	return defaultRetryWait
}

func (c Config) refreshEarly() time.Duration {
	if c.RefreshEarly > 0 {
		return c.RefreshEarly
	}
	return defaultRefreshEarly
}

func (c Config) maxPages() int {
	if c.MaxPages > 0 {
		return c.MaxPages
	}
	return DefaultMaxPages
}

func (c Config) maxResponseBytes() int64 {
	if c.MaxResponseBytes > 0 {
		return c.MaxResponseBytes
	}
	return DefaultMaxResponseBytes
}

func (c Config) limiter() *rate.Limiter {
	if c.Limiter != nil {
		return c.Limiter
	}
	if c.RequestsPerSecond <= 0 {
		return nil
	}
	burst := c.Burst
	if burst <= 0 {
		burst = int(math.Ceil(c.RequestsPerSecond))
	}
	return rate.NewLimiter(rate.Limit(c.RequestsPerSecond), burst)
}

// secrets lists the values that must never reach an error string.
func (c Config) secrets() []string { return []string{c.ClientSecret, c.Password} }

// String describes the config with its secrets redacted.
func (c Config) String() string {
	return fmt.Sprintf("saltoks.Config{IdentityURL:%q APIURL:%q ClientID:%q ClientSecret:%s Username:%q Password:%s}",
		c.IdentityURL, c.APIURL, c.ClientID, redacted(c.ClientSecret), c.Username, redacted(c.Password))
}

// GoString is String, so that %#v redacts too.
func (c Config) GoString() string { return c.String() }

// LogValue makes log/slog print the config with its secrets redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("identity_url", c.IdentityURL),
		slog.String("api_url", c.APIURL),
		slog.String("client_id", c.ClientID),
		slog.String("client_secret", redacted(c.ClientSecret)),
		slog.String("username", c.Username),
		slog.String("password", redacted(c.Password)),
	)
}

func redacted(secret string) string {
	if secret == "" {
		return `""`
	}
	return "[redacted]"
}

// scrub replaces every non-empty secret in s.
func scrub(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}
