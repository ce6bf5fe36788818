package officerndtest

import (
	"crypto/rand"
	"encoding/hex"
	"math"
	"net/http"
	"strconv"
	"time"
)

// tokenAnswer is the documented token response.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
}

// token is POST /oauth/token: form-encoded client_credentials with the
// client id and secret in the body, limited to five requests a minute.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count("POST /oauth/token")
	if over, wait := limited(&s.tokenHits, s.cfg.tokenLimit, s.cfg.tokenWindow, s.now()); over {
		if s.cfg.tokenRetryAfter {
			w.Header().Set("Retry-After", seconds(wait))
		}
		writeNest(w, http.StatusTooManyRequests, "Too many requests, please try again later")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	if r.PostForm.Get("client_id") != s.cfg.clientID || r.PostForm.Get("client_secret") != s.cfg.clientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	tok := randomHex(24)
	s.tokens[tok] = s.now().Add(TokenLifetime)
	writeJSON(w, http.StatusOK, tokenAnswer{AccessToken: tok, TokenType: "Bearer",
		ExpiresIn: int(TokenLifetime / time.Second), Scope: r.PostForm.Get("scope")})
}

// authorized checks the bearer token (mu held).
func (s *Server) authorized(r *http.Request) bool {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
		return false
	}
	exp, ok := s.tokens[h[len(prefix):]]
	return ok && s.now().Before(exp)
}

func seconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
