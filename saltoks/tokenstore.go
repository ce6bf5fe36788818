package saltoks

import (
	"context"

	"golang.org/x/oauth2"
)

// TokenStore keeps an account's current token where every process using
// the account reads it (a database row, say). Implementations must be safe
// for concurrent use by several processes.
type TokenStore interface {
	// Load returns the stored token.
	Load(ctx context.Context) (*oauth2.Token, error)
	// Update calls renew with the stored token while no other process can
	// update it (a row lock, say), stores what renew returns unless it is
	// the token renew was given, and returns the token stored at the end.
	// If renew fails, nothing is stored and its error is returned.
	Update(ctx context.Context, renew func(stored *oauth2.Token) (*oauth2.Token, error)) (*oauth2.Token, error)
}
