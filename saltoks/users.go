package saltoks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ListUsers returns the site's users matching opts (all pages).
func (c *Client) ListUsers(ctx context.Context, siteID string, opts ListOptions) ([]SiteUser, error) {
	req, err := c.newRequest(http.MethodGet, opts.values(), nil, "sites", siteID, "users")
	if err != nil {
		return nil, err
	}
	return fetchAll(ctx, c, req, siteUserWire.siteUser)
}

// UsersPage returns one page of the site's users: the first when nextLink is
// empty, else the page at nextLink (from a previous Page; opts are then
// ignored, the link carries them).
func (c *Client) UsersPage(ctx context.Context, siteID string, opts ListOptions, nextLink string) (Page[SiteUser], error) {
	req, err := c.newRequest(http.MethodGet, opts.values(), nil, "sites", siteID, "users")
	if err != nil {
		return Page[SiteUser]{}, err
	}
	return fetchPage(ctx, c, req, nextLink, siteUserWire.siteUser)
}

// FindUserByEmail returns the site user with this e-mail
// ($filter=user/email eq '…', compared case-insensitively). When there is
// none it returns an error for which IsNotFound is true.
func (c *Client) FindUserByEmail(ctx context.Context, siteID, email string) (*SiteUser, error) {
	if email == "" {
		return nil, fmt.Errorf("saltoks: FindUserByEmail: empty e-mail")
	}
	users, err := c.ListUsers(ctx, siteID, ListOptions{Filter: FilterEq("user/email", email)})
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if strings.EqualFold(u.Email, email) {
			return &u, nil
		}
	}
	return nil, &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: "no site user with this e-mail",
		Method: http.MethodGet, Path: "/" + apiVersion + "/sites/" + siteID + "/users"}
}

// GetUser returns a site user by site-user id (a platform user id answers
// 404 ErrorCode 2202).
func (c *Client) GetUser(ctx context.Context, siteID, siteUserID string) (*SiteUser, error) {
	req, err := c.newRequest(http.MethodGet, nil, nil, "sites", siteID, "users", siteUserID)
	if err != nil {
		return nil, err
	}
	return c.doUser(ctx, req)
}

// CreateUser makes u a user of the site, never twice: when u has an e-mail
// and a site user with that e-mail exists (found before creating, or
// reported by the create as a duplicate), that user is returned with
// Adopted set and nothing is created or sent. Otherwise the user is created
// and, with an e-mail, Salto KS sends them an invitation.
//
// If the returned user is not subscribed (the site is out of seats, or an
// adopted user was suspended) CreateUser returns the result AND a
// *SuspendedError (errors.Is(err, ErrSuspended)): the user exists, but none
// of their keys work until SetSubscription succeeds.
func (c *Client) CreateUser(ctx context.Context, siteID string, u NewUser) (*CreateUserResult, error) {
	if u.Email != "" {
		existing, err := c.FindUserByEmail(ctx, siteID, u.Email)
		if err == nil {
			return checkSubscribed(siteID, CreateUserResult{User: *existing, Adopted: true})
		}
		if !IsNotFound(err) {
			return nil, err
		}
	}
	created, err := c.postUser(ctx, siteID, u)
	if err != nil && u.Email != "" && mayBeDuplicate(err) {
		return c.adoptAfterConflict(ctx, siteID, u.Email, err)
	}
	if err != nil {
		return nil, err
	}
	if created.SubscriptionState == "" {
		if created, err = c.GetUser(ctx, siteID, created.ID); err != nil {
			return nil, err
		}
	}
	return checkSubscribed(siteID, CreateUserResult{User: *created})
}

// postUser is POST /sites/{site}/users.
func (c *Client) postUser(ctx context.Context, siteID string, u NewUser) (*SiteUser, error) {
	req, err := c.newRequest(http.MethodPost, nil, newUserBody(u), "sites", siteID, "users")
	if err != nil {
		return nil, err
	}
	return c.doUser(ctx, req)
}

func newUserBody(u NewUser) map[string]any {
	roles := u.RoleIDs
	if len(roles) == 0 {
		roles = []string{RoleSiteUser}
	}
	body := map[string]any{
		"first_name": u.FirstName,
		"last_name":  u.LastName,
		"role_ids":   roles,
		"use_pin":    u.UsePin,
		"blocked":    u.Blocked,
	}
	setIf(body, "email", u.Email)
	setIf(body, "alias", u.Alias)
	setIf(body, "tag_id", u.TagID)
	if u.ExpiresAt != nil {
		body["expires_at"] = u.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return body
}

// mayBeDuplicate reports whether a failed create may mean "that e-mail is
// already on the site": 409, or 400 ErrorCode 1101 (the reference's assumed
// answer for a duplicate).
func mayBeDuplicate(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Status == http.StatusConflict || (e.Status == http.StatusBadRequest && e.Code == CodeValidation)
}

// adoptAfterConflict resolves a create that lost a race with another
// creator of the same e-mail: the existing user is adopted; if there is none
// the create's own error stands.
func (c *Client) adoptAfterConflict(ctx context.Context, siteID, email string, createErr error) (*CreateUserResult, error) {
	existing, err := c.FindUserByEmail(ctx, siteID, email)
	if IsNotFound(err) {
		return nil, createErr
	}
	if err != nil {
		return nil, err
	}
	return checkSubscribed(siteID, CreateUserResult{User: *existing, Adopted: true})
}

func checkSubscribed(siteID string, res CreateUserResult) (*CreateUserResult, error) {
	if res.User.Subscribed() {
		return &res, nil
	}
	return &res, &SuspendedError{SiteID: siteID, SiteUserID: res.User.ID, UserID: res.User.UserID, State: res.User.SubscriptionState}
}

// PatchUser changes the fields set in p and returns the updated user.
func (c *Client) PatchUser(ctx context.Context, siteID, siteUserID string, p UserPatch) (*SiteUser, error) {
	req, err := c.newRequest(http.MethodPatch, nil, patchBody(p), "sites", siteID, "users", siteUserID)
	if err != nil {
		return nil, err
	}
	return c.doUser(ctx, req)
}

func patchBody(p UserPatch) map[string]any {
	body := map[string]any{}
	if p.Alias != nil {
		body["alias"] = *p.Alias
	}
	if p.Blocked != nil {
		body["blocked"] = *p.Blocked
	}
	if p.UsePin != nil {
		body["use_pin"] = *p.UsePin
	}
	if p.TagID != nil {
		body["tag_id"] = nullIfEmpty(*p.TagID)
	}
	if p.RoleIDs != nil {
		body["role_ids"] = p.RoleIDs
	}
	if p.ExpiresAt != nil {
		body["expires_at"] = p.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return body
}

// SetSubscription sets a site user's subscription to SubscriptionSubscribed
// or SubscriptionSuspended. Suspending frees the seat and keeps the user;
// subscribing when the site has no free seat fails (400).
func (c *Client) SetSubscription(ctx context.Context, siteID, siteUserID, state string) error {
	if state != SubscriptionSubscribed && state != SubscriptionSuspended {
		return fmt.Errorf("saltoks: SetSubscription: state must be %q or %q, not %q", SubscriptionSubscribed, SubscriptionSuspended, state)
	}
	req, err := c.newRequest(http.MethodPatch, nil, map[string]string{"state": state}, "sites", siteID, "users", siteUserID, "subscription")
	if err != nil {
		return err
	}
	return c.do(ctx, req, nil)
}

// DeleteUser deletes a site user (202): the only way to free a seat for
// good. doorsync itself never deletes users; this exists for tools and tests.
func (c *Client) DeleteUser(ctx context.Context, siteID, siteUserID string) error {
	req, err := c.newRequest(http.MethodDelete, nil, nil, "sites", siteID, "users", siteUserID)
	if err != nil {
		return err
	}
	return c.do(ctx, req, nil)
}

func (c *Client) doUser(ctx context.Context, req request) (*SiteUser, error) {
	var w siteUserWire
	if err := c.do(ctx, req, &w); err != nil {
		return nil, err
	}
	u := w.siteUser()
	return &u, nil
}

func setIf(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
