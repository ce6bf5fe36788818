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
}

func (m *Manager) sealToken(orgID string, t *oauth2.Token) (string, error) {
	st := storedToken{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType}
	if !t.Expiry.IsZero() {
		b, _ := t.Expiry.MarshalText()
		st.Expiry = string(b)
	}
	b, err := json.Marshal(st)
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
	t := &oauth2.Token{AccessToken: st.AccessToken, RefreshToken: st.RefreshToken, TokenType: st.TokenType}
	if st.Expiry != "" {
		if err := t.Expiry.UnmarshalText([]byte(st.Expiry)); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// saveToken persists a token the client obtained by refreshing.
func (m *Manager) saveToken(ctx context.Context, orgID string, t *oauth2.Token) error {
	sealed, err := m.sealToken(orgID, t)
	if err != nil {
		return err
	}
	if err := m.opts.Store.SaveSaltoToken(ctx, orgID, sealed); err != nil {
		return err
	}
	m.opts.Logger.InfoContext(ctx, "salto token refreshed and stored", "org", orgID)
	return nil
}
