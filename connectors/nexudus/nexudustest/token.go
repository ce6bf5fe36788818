package nexudustest

import (
	"crypto/rand"
	"encoding/json"
	"mime"
	"net/http"
)

// token serves POST /api/token: form-encoded only (DOC: a JSON body is
// unsupported_grant_type), the password grant (totp is accepted and
// ignored) and the refresh_token grant. A refresh token works once
// (ASSUMED: the record does not say whether Nexudus rotates them; the
// stricter reading catches a client reusing one).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" || r.ParseForm() != nil {
		tokenError(w, "unsupported_grant_type")
		return
	}
	var email string
	switch r.PostForm.Get("grant_type") {
	case "password":
		email = r.PostForm.Get("username")
		want, ok := s.users[email]
		if !ok || want != r.PostForm.Get("password") {
			tokenError(w, "invalid_grant")
			return
		}
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		var ok bool
		if email, ok = s.refresh[rt]; !ok {
			tokenError(w, "invalid_grant")
			return
		}
		delete(s.refresh, rt)
	default:
		tokenError(w, "unsupported_grant_type")
		return
	}
	s.grants[r.PostForm.Get("grant_type")]++
	access, refresh := rand.Text(), rand.Text()
	s.tokens[access] = s.clock().Add(s.tokenTTL)
	s.refresh[refresh] = email
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "bearer",
		"expires_in": int(s.tokenTTL.Seconds()), "refresh_token": refresh})
}

// tokenError is the OAuth error answer (400).
func tokenError(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
