package saltoks

import (
	"context"
	"net/http"
)

// ListSites returns every site the account can see (all pages).
func (c *Client) ListSites(ctx context.Context) ([]Site, error) {
	req, err := c.newRequest(http.MethodGet, nil, nil, "sites")
	if err != nil {
		return nil, err
	}
	return fetchAll(ctx, c, req, siteWire.site)
}

// GetSite returns one site. siteID must be the site's UUID (a site UID such
// as "DE4520168385" answers 400 ErrorCode 1100).
func (c *Client) GetSite(ctx context.Context, siteID string) (*Site, error) {
	req, err := c.newRequest(http.MethodGet, nil, nil, "sites", siteID)
	if err != nil {
		return nil, err
	}
	var w siteWire
	if err := c.do(ctx, req, &w); err != nil {
		return nil, err
	}
	s := w.site()
	return &s, nil
}
