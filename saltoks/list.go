package saltoks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ListOptions are the OData query options of a list call. Zero values are
// left out of the query.
type ListOptions struct {
	// Filter is an OData $filter, e.g. FilterEq("user/email", "ada@example.com").
	Filter string
	// OrderBy is an OData $orderby, e.g. "customer_reference desc".
	OrderBy string
	// Top asks for at most this many items per page.
	Top int
	// Skip skips this many items.
	Skip int
	// InlineCount asks for the total ($inlinecount=allpages), in Page.Count.
	InlineCount bool
}

func (o ListOptions) values() url.Values {
	v := url.Values{}
	if o.Filter != "" {
		v.Set("$filter", o.Filter)
	}
	if o.OrderBy != "" {
		v.Set("$orderby", o.OrderBy)
	}
	if o.Top > 0 {
		v.Set("$top", strconv.Itoa(o.Top))
	}
	if o.Skip > 0 {
		v.Set("$skip", strconv.Itoa(o.Skip))
	}
	if o.InlineCount {
		v.Set("$inlinecount", "allpages")
	}
	return v
}

// Page is one page of a list.
type Page[T any] struct {
	Items []T `json:"items"`
	// NextPageLink is the absolute URL of the next page; empty on the last.
	// Pass it back to the same *Page method to continue, even from another
	// process: it holds no credentials.
	NextPageLink string `json:"next_page_link,omitempty"`
	// Count is the total when InlineCount was asked for and the server gave
	// it; nil when unknown.
	Count *int `json:"count,omitempty"`
}

// ODataString quotes s as an OData string literal ('…' with ' doubled).
func ODataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// FilterEq returns the OData filter "field eq 'value'".
func FilterEq(field, value string) string { return field + " eq " + ODataString(value) }

// listEnvelope is the observed list shape.
type listEnvelope[W any] struct {
	Items        []W     `json:"items"`
	NextPageLink *string `json:"next_page_link"`
	Count        *int    `json:"count"`
}

// fetchPage gets one page: the first (from req) when link is empty, else the
// page at link. Items are converted from their wire shape W.
func fetchPage[W, T any](ctx context.Context, c *Client, req request, link string, conv func(W) T) (Page[T], error) {
	if link != "" {
		u, err := c.resolveLink(link)
		if err != nil {
			return Page[T]{}, err
		}
		req = request{method: http.MethodGet, url: u}
	}
	body, err := c.send(ctx, req)
	if err != nil {
		return Page[T]{}, err
	}
	env, err := decodeList[W](body)
	if err != nil {
		return Page[T]{}, fmt.Errorf("saltoks: %s %s: decoding list: %w", req.method, req.path(), err)
	}
	page := Page[T]{Items: make([]T, 0, len(env.Items)), Count: env.Count}
	for _, w := range env.Items {
		page.Items = append(page.Items, conv(w))
	}
	if env.NextPageLink != nil {
		page.NextPageLink = *env.NextPageLink
	}
	return page, nil
}

// fetchAll follows next_page_link from the first page to the last, within
// the bounds of a PageTrail.
func fetchAll[W, T any](ctx context.Context, c *Client, req request, conv func(W) T) ([]T, error) {
	trail := c.NewPageTrail()
	if err := trail.follow(req.url); err != nil {
		return nil, err
	}
	var all []T
	link := ""
	for {
		page, err := fetchPage(ctx, c, req, link, conv)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.NextPageLink == "" {
			return all, nil
		}
		if err := trail.Follow(page.NextPageLink); err != nil {
			return nil, err
		}
		link = page.NextPageLink
	}
}

// PageTrail bounds one listing followed page by page: at most
// Config.MaxPages pages, and never the same page twice (a next_page_link
// loop). fetchAll keeps one; a caller paging itself (GroupMembersPage,
// UsersPage) keeps its own and calls Follow before each next page.
type PageTrail struct {
	client *Client
	seen   map[string]bool
}

// NewPageTrail starts the bounds of one listing.
func (c *Client) NewPageTrail() *PageTrail {
	return &PageTrail{client: c, seen: map[string]bool{}}
}

// Follow records that link (a next_page_link) is about to be fetched. It
// fails with ErrPageLoop when the link was already followed and with
// ErrTooManyPages when the listing would pass Config.MaxPages.
func (t *PageTrail) Follow(link string) error {
	u, err := t.client.resolveLink(link)
	if err != nil {
		return err
	}
	return t.follow(u)
}

func (t *PageTrail) follow(u *url.URL) error {
	key := u.String()
	switch {
	case t.seen[key]:
		return fmt.Errorf("saltoks: GET %s: %w", u.Path, ErrPageLoop)
	case len(t.seen) >= t.client.cfg.maxPages():
		return fmt.Errorf("saltoks: GET %s: %w (more than %d)", u.Path, ErrTooManyPages, t.client.cfg.maxPages())
	}
	t.seen[key] = true
	return nil
}

// decodeList accepts the {"items",…} envelope and a bare array.
func decodeList[W any](body []byte) (listEnvelope[W], error) {
	var env listEnvelope[W]
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return env, nil
	}
	if trimmed[0] == '[' {
		err := json.Unmarshal(trimmed, &env.Items)
		return env, err
	}
	err := json.Unmarshal(trimmed, &env)
	return env, err
}

// resolveLink checks that a page link stays on the API's origin, so the
// bearer token is never sent elsewhere.
func (c *Client) resolveLink(link string) (*url.URL, error) {
	if c.base == nil || c.base.Host == "" {
		return nil, fmt.Errorf("saltoks: invalid APIURL %q", c.cfg.APIURL)
	}
	ref, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("saltoks: invalid next_page_link: %w", err)
	}
	u := c.base.ResolveReference(ref)
	if u.Host != c.base.Host {
		return nil, fmt.Errorf("saltoks: next_page_link points to host %q, not to the API's", u.Host)
	}
	// A server behind a TLS-terminating proxy may write http:// links; keep
	// the configured scheme.
	u.Scheme = c.base.Scheme
	return u, nil
}
