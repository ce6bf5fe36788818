package saltoconn

import (
	"context"
	"encoding/json"
	"fmt"

	"golang.org/x/oauth2"
)

// storedToken is what is sealed: enough to use and refresh the token.
type storedToken struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type,omitempty"`
	Expiry       string `json:"expiry,omitempty"`
	// ExpiresIn is the lifetime the token was issued with, which decides
	// how early it is renewed.
	ExpiresIn int64 `json:"expires_in,omitempty"`
}

func (m *Manager) sealToken(orgID string, t *oauth2.Token) (string, error) {
	st := storedToken{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType, ExpiresIn: t.ExpiresIn}
	if !t.Expiry.IsZero() {
		b, _ := t.Expiry.MarshalText()
		st.Expiry = string(b)
	}
	b, err := json.Marshal(st) //nolint:gosec // sealed before it is stored
	if err != nil {
		return "", err
	}
	return m.opts.Secrets.Seal(b, sealContext(orgID, "token")), nil
}

func (m *Manager) openToken(orgID, sealed string) (*oauth2.Token, error) {
	b, err := m.opts.Secrets.Open(sealed, sealContext(orgID, "token"))
	if err != nil {
		return nil, fmt.Errorf("saltoconn: open token of %s: %w", orgID, err)
	}
	var st storedToken
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("saltoconn: token of %s: %w", orgID, err)
	}
	t := &oauth2.Token{AccessToken: st.AccessToken, RefreshToken: st.RefreshToken, TokenType: st.TokenType, ExpiresIn: st.ExpiresIn}
	if st.Expiry != "" {
		if err := t.Expiry.UnmarshalText([]byte(st.Expiry)); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// sharedToken is an org's token as stored: the one every process uses
// (saltoks.TokenStore). It belongs to one generation of the connection.
type sharedToken struct {
	m          *Manager
	orgID      string
	generation int64
}

// Load returns the stored token.
func (t sharedToken) Load(ctx context.Context) (*oauth2.Token, error) {
	sealed, err := t.m.opts.Store.SaltoToken(ctx, t.orgID, t.generation)
	if err != nil {
		return nil, err
	}
	return t.open(sealed)
}

// Update renews the stored token under the connection's row lock.
func (t sharedToken) Update(ctx context.Context, renew func(*oauth2.Token) (*oauth2.Token, error)) (*oauth2.Token, error) {
	var latest *oauth2.Token
	_, err := t.m.opts.Store.UpdateSaltoToken(ctx, t.orgID, t.generation, func(sealed string) (string, error) {
		stored, err := t.open(sealed)
		if err != nil {
			return "", err
		}
		if latest, err = renew(stored); err != nil || latest == stored {
			return sealed, err
		}
		resealed, err := t.m.sealToken(t.orgID, latest)
		if err == nil {
			t.m.opts.Logger.InfoContext(ctx, "salto token refreshed and stored", "org", t.orgID)
		}
		return resealed, err
	})
	if err != nil {
		return nil, err
	}
	return latest, nil
}

func (t sharedToken) open(sealed string) (*oauth2.Token, error) {
	if sealed == "" {
		return nil, nil
	}
	return t.m.openToken(t.orgID, sealed)
}
