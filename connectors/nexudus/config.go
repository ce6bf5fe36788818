// Package nexudus is doorsync's connector to the Nexudus admin REST API
// (platform-apis.md PART 2): it lists a space's locations, floors, desks,
// resources, plans, teams, members, contracts, bookings and day passes as
// doorsync records, verifies and decodes Nexudus webhooks, and keeps to
// Nexudus' documented throttle.
package nexudus

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"
)

// DefaultBaseURL is the public, multi-tenant admin API host (DOC: the
// tenant is implied by the credentials).
const DefaultBaseURL = "https://spaces.nexudus.com"

// DefaultHosts are the hosts a connection reaches by default.
var DefaultHosts = []string{"spaces.nexudus.com"}

// PageSize is the size asked of every list. The record gives no maximum
// (a production sync by a third party uses 10000); 1,000 keeps a 10,000-
// member space at ten calls a list, well inside 120 calls a minute, while
// one page stays a few megabytes and one short activity. A server capping
// size lower still pages correctly: the client follows HasNextPage, and a
// capped server numbers its pages by its own size.
const PageSize = 1000

// callSpacing keeps the client under the documented 1 request per 100 ms,
// with a margin for the jitter between sending and the server's clock.
const callSpacing = 110 * time.Millisecond

// MaxInlineWait is the longest Retry-After the client sleeps through
// itself; a longer one is returned as *connectors.ThrottledError, for the
// caller (a workflow) to wait without holding an activity.
const MaxInlineWait = 10 * time.Second

// Config is one Nexudus account: an admin user's e-mail and password, the
// shared secret of its webhooks, and optionally another base URL (a fake)
// and HTTP client (egress rules).
type Config struct {
	Username      string
	Password      string
	WebhookSecret string
	BaseURL       string
	HTTPClient    *http.Client
}

// Client reads one Nexudus account. It is safe for concurrent use.
type Client struct {
	cfg   Config
	base  string
	http  *http.Client
	oauth oauth2.Config
	now   func() time.Time

	mu     sync.Mutex
	ts     oauth2.TokenSource // nil until the first sign-in, or after a 401
	access string             // the access token last handed out

	cache lookups
}

// New returns a client of the account; it signs in on its first call.
func New(cfg Config) *Client {
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	hc := limitedClient(cfg.HTTPClient, rate.NewLimiter(rate.Every(callSpacing), 1))
	return &Client{cfg: cfg, base: base, http: hc, now: time.Now,
		oauth: oauth2.Config{Endpoint: oauth2.Endpoint{TokenURL: base + "/api/token",
			AuthStyle: oauth2.AuthStyleInParams}}}
}

// endpoint is the URL of an API path (below /api/) with its query.
func (c *Client) endpoint(path string, q url.Values) string {
	u := c.base + "/api/" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}
