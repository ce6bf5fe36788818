package saltoks

import (
	"context"
	"net/http"
	"strings"
)

// ListLocks returns the site's locks (all pages).
func (c *Client) ListLocks(ctx context.Context, siteID string) ([]Lock, error) {
	req, err := c.newRequest(http.MethodGet, nil, nil, "sites", siteID, "locks")
	if err != nil {
		return nil, err
	}
	return fetchAll(ctx, c, req, lockWire.lock)
}

// ListTags returns the site's tags matching opts (all pages). The route
// /sites/{site}/tags is ASSUMED: no Connect endpoint for tags was observed.
func (c *Client) ListTags(ctx context.Context, siteID string, opts ListOptions) ([]Tag, error) {
	req, err := c.newRequest(http.MethodGet, opts.values(), nil, "sites", siteID, "tags")
	if err != nil {
		return nil, err
	}
	return fetchAll(ctx, c, req, tagWire.tag)
}

// FindTagByNumber returns the site's tag with this number (e.g. "04A1B2C3",
// compared case-insensitively); IsNotFound when there is none.
func (c *Client) FindTagByNumber(ctx context.Context, siteID, tagNumber string) (*Tag, error) {
	tags, err := c.ListTags(ctx, siteID, ListOptions{Filter: FilterEq("tag_number", tagNumber)})
	if err != nil {
		return nil, err
	}
	for _, t := range tags {
		if strings.EqualFold(t.TagNumber, tagNumber) {
			return &t, nil
		}
	}
	return nil, &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: "no tag with this number",
		Method: http.MethodGet, Path: "/" + apiVersion + "/sites/" + siteID + "/tags"}
}
