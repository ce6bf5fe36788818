package officernd

import (
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// OfficeRnD's public hosts: the API and the identity server.
const (
	DefaultBaseURL     = "https://app.officernd.com"
	DefaultIdentityURL = "https://identity.officernd.com"
)

// DefaultHosts are the public hosts a connection may reach unless the
// operator's allow-list says otherwise.
var DefaultHosts = []string{"app.officernd.com", "identity.officernd.com"}

// Scopes are the read permissions the OfficeRnD application needs. A token
// cannot exceed the application's permissions, so each must be enabled on
// it (README "Connect your platform").
var Scopes = []string{
	"flex.space.locations.read", "flex.space.floors.read", "flex.billing.plans.read",
	"flex.community.companies.read", "flex.community.members.read", "flex.space.resources.read",
	"flex.community.memberships.read", "flex.space.assignments.read", "flex.space.bookings.read",
	"flex.community.visitors.read", "flex.space.passes.read",
}

// DefaultMaxWait is the longest throttle the client waits out inside a
// call; a longer one is returned as *connectors.ThrottledError.
const DefaultMaxWait = 10 * time.Second

// Config is one org's OfficeRnD connection.
type Config struct {
	OrgSlug       string
	ClientID      string
	ClientSecret  string
	WebhookSecret string
	// BaseURL and IdentityURL default to OfficeRnD's public hosts.
	BaseURL     string
	IdentityURL string
	// HTTPClient makes every request (the caller's egress rules apply);
	// nil is http.DefaultClient.
	HTTPClient *http.Client
	// MaxWait bounds a throttle waited out inline (default DefaultMaxWait).
	MaxWait time.Duration
}

// Client reads one org's OfficeRnD account. It is safe for concurrent use.
type Client struct {
	cfg    Config
	api    string // https://app.officernd.com/api/v2/organizations/{slug}
	hc     *http.Client
	tokens *tokens
	now    func() time.Time

	assign   assignmentIndex
	holders  holderCache
	visitors visitorCache
}

// New returns a client for cfg; it makes no request until used.
func New(cfg Config) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.IdentityURL == "" {
		cfg.IdentityURL = DefaultIdentityURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	cc := clientcredentials.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		TokenURL:  strings.TrimRight(cfg.IdentityURL, "/") + "/oauth/token",
		Scopes:    Scopes,
		AuthStyle: oauth2.AuthStyleInParams, // the record: client_id and client_secret in the form body
	}
	c := &Client{
		cfg: cfg, hc: cfg.HTTPClient, now: time.Now,
		api:     strings.TrimRight(cfg.BaseURL, "/") + "/api/v2/organizations/" + cfg.OrgSlug,
		holders: holderCache{byID: map[string]holderEntry{}},
	}
	c.tokens = &tokens{cc: cc, hc: cfg.HTTPClient, maxWait: cfg.MaxWait}
	return c
}
