package saltoks

import (
	"context"
	"net/http"
)

// Profile is the platform profile of the user a token belongs to
// (GET /me): the id identifies the Salto KS account doorsync acts as.
type Profile struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// Me returns the profile of the user the client's token belongs to.
func (c *Client) Me(ctx context.Context) (*Profile, error) {
	req, err := c.newRequest(http.MethodGet, nil, nil, "me")
	if err != nil {
		return nil, err
	}
	var p Profile
	if err := c.do(ctx, req, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
