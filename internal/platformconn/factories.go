package platformconn

import (
	"net/http"
	"slices"

	"doorsync/connectors"
	"doorsync/connectors/nexudus"
	"doorsync/connectors/officernd"
)

// PublicHosts are the hosts of the platforms' public URLs, the default of
// DOORSYNC_PLATFORM_ALLOWED_HOSTS.
var PublicHosts = slices.Concat(officernd.DefaultHosts, nexudus.DefaultHosts)

// DefaultFactories build the connectors doorsync ships: OfficeRnD's and
// Nexudus'. Options.Factories defaults to them.
func DefaultFactories() map[connectors.Platform]Factory {
	return map[connectors.Platform]Factory{
		connectors.OfficeRnD: func(c Config, hc *http.Client) connectors.Connector {
			return officernd.New(officernd.Config{OrgSlug: c.OrgSlug, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
				WebhookSecret: c.WebhookSecret, BaseURL: c.BaseURL, IdentityURL: c.IdentityURL, HTTPClient: hc})
		},
		connectors.Nexudus: func(c Config, hc *http.Client) connectors.Connector {
			return nexudus.New(nexudus.Config{Username: c.Username, Password: c.Password,
				WebhookSecret: c.WebhookSecret, BaseURL: c.BaseURL, HTTPClient: hc})
		},
	}
}
