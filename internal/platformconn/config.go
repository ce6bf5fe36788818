package platformconn

import (
	"encoding/json"
	"fmt"
	"log/slog"

	"doorsync/connectors"
	"doorsync/connectors/nexudus"
	"doorsync/connectors/officernd"
	"doorsync/store"
)

// The platforms' public URLs, which a connection uses unless it names
// others (a fake, a regional host): the connectors' own defaults, filled
// in here so the URLs checked against the allow-list are the ones the
// connector calls.
const (
	OfficeRnDBaseURL     = officernd.DefaultBaseURL
	OfficeRnDIdentityURL = officernd.DefaultIdentityURL
	NexudusBaseURL       = nexudus.DefaultBaseURL
)

// Config is one org's platform connection: OfficeRnD takes OrgSlug,
// ClientID and ClientSecret (client credentials) and IdentityURL; Nexudus
// Username and Password. It is stored sealed as a whole. It never prints
// its secrets (String, LogValue).
type Config struct {
	Platform      connectors.Platform `json:"platform"`
	OrgSlug       string              `json:"org_slug,omitempty"`
	ClientID      string              `json:"client_id,omitempty"`
	ClientSecret  string              `json:"client_secret,omitempty"`
	Username      string              `json:"username,omitempty"`
	Password      string              `json:"password,omitempty"`
	WebhookSecret string              `json:"webhook_secret,omitempty"`
	BaseURL       string              `json:"base_url,omitempty"`
	IdentityURL   string              `json:"identity_url,omitempty"`
}

// String names the platform only: a Config printed by mistake shows no
// secret.
func (c Config) String() string { return "platformconn.Config{" + string(c.Platform) + "}" }

// GoString is String, for %#v.
func (c Config) GoString() string { return c.String() }

// LogValue logs the platform only.
func (c Config) LogValue() slog.Value { return slog.StringValue(string(c.Platform)) }

// withDefaults fills the platform's public URLs where the config names
// none.
func (c Config) withDefaults() Config {
	switch c.Platform {
	case connectors.OfficeRnD:
		if c.BaseURL == "" {
			c.BaseURL = OfficeRnDBaseURL
		}
		if c.IdentityURL == "" {
			c.IdentityURL = OfficeRnDIdentityURL
		}
	case connectors.Nexudus:
		if c.BaseURL == "" {
			c.BaseURL = NexudusBaseURL
		}
	}
	return c
}

// urls are the config's URLs by the API field naming them.
func (c Config) urls() []struct{ field, url string } {
	out := []struct{ field, url string }{{"base_url", c.BaseURL}}
	if c.Platform == connectors.OfficeRnD {
		out = append(out, struct{ field, url string }{"identity_url", c.IdentityURL})
	}
	return out
}

// seal seals the config for orgID's row.
func (c *Conns) seal(orgID string, cfg Config) (string, error) {
	plain, err := json.Marshal(cfg) //nolint:gosec // sealed before it is stored
	if err != nil {
		return "", fmt.Errorf("platformconn: encode config: %w", err)
	}
	return c.opts.Secrets.Seal(plain, store.PlatformSealContext(orgID)), nil
}

// open opens a stored connection's config.
func (c *Conns) open(conn store.PlatformConnection) (Config, error) {
	plain, err := c.opts.Secrets.Open(conn.ConfigEnc, store.PlatformSealContext(conn.OrgID))
	if err != nil {
		return Config{}, fmt.Errorf("platformconn: open the config of %s: %w", conn.OrgID, err)
	}
	var cfg Config
	if err := json.Unmarshal(plain, &cfg); err != nil {
		return Config{}, fmt.Errorf("platformconn: decode the config of %s: %w", conn.OrgID, err)
	}
	return cfg, nil
}
