package nexudustest

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/token", s.gate("POST /api/token", false, s.token))
	for path := range entities {
		mux.HandleFunc("GET /api/"+path, s.gate("GET /api/"+path, true, s.listHandler(path)))
		mux.HandleFunc("GET /api/"+path+"/{id}", s.gate("GET /api/"+path+"/{id}", true, s.getHandler(path)))
	}
	return mux
}

// gate counts the call, then answers a throttle (409), an injected fault
// or a missing credential before h runs; h runs with s.mu held.
func (s *Server) gate(key string, authed bool, h func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.calls[key]++
		now := s.clock()
		if wait, ok := s.throttled(now); ok {
			writeThrottle(w, wait)
			return
		}
		if f, ok := s.takeFault(key); ok {
			if f.status == http.StatusConflict {
				writeThrottle(w, f.retryAfter)
				return
			}
			http.Error(w, http.StatusText(f.status), f.status)
			return
		}
		if authed && !s.authorized(r, now) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"Message":"Authorization has been denied for this request."}`))
			return
		}
		h(w, r)
	}
}

// writeThrottle is the documented throttle answer: 409, Retry-After in
// whole seconds, an empty body.
func writeThrottle(w http.ResponseWriter, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	w.WriteHeader(http.StatusConflict)
}

// authorized accepts a live Bearer token or Basic auth with a user's
// e-mail and password (both DOC).
func (s *Server) authorized(r *http.Request, now time.Time) bool {
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		exp, ok := s.tokens[tok]
		return ok && now.Before(exp)
	}
	if b, ok := strings.CutPrefix(h, "Basic "); ok {
		raw, err := base64.StdEncoding.DecodeString(b)
		if err != nil {
			return false
		}
		user, pass, _ := strings.Cut(string(raw), ":")
		want, ok := s.users[user]
		return ok && want == pass
	}
	return false
}
