package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"doorsync/store"
)

const (
	sessionCookie = "doorsync_console"
	// preCookie carries the sign-in form's CSRF token (double submit):
	// there is no session yet to bind it to.
	preCookie = "doorsync_console_signin"
	csrfField = "csrf"
)

type sessionKey struct{}

// sess is the request's session.
type sess struct {
	store.ConsoleSession
}

func (s sess) principal() Principal {
	p := Principal{Role: s.Role, KeyID: s.KeyID, Actor: s.Actor}
	if s.Role != "admin" {
		p.OrgID = s.OrgID
	}
	return p
}

func sessionFrom(ctx context.Context) sess {
	s, _ := ctx.Value(sessionKey{}).(sess)
	return s
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashID(id string) []byte {
	sum := sha256.Sum256([]byte(id))
	return sum[:]
}

// secure says whether cookies must be Secure: the request came over https
// (directly or, as PublicURL says, behind a proxy).
func (c *console) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(c.opts.PublicURL, "https://")
}

func (c *console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{ //nolint:gosec // Secure under https: a plain-http dev deployment must still sign in
		Name: name, Value: value, Path: "/console/", MaxAge: maxAge,
		HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteStrictMode})
}

// session requires a live session: a GET without one goes to the sign-in
// page, anything else is refused (403). Every POST must carry the
// session's CSRF token.
func (c *console) session(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := c.load(w, r)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
				return
			}
			http.Error(w, "sign in first", http.StatusForbidden)
			return
		}
		if r.Method != http.MethodGet && !sameToken(r.PostFormValue(csrfField), s.CSRFToken) {
			http.Error(w, "the form's CSRF token is missing or wrong; reload the page", http.StatusForbidden)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	})
}

// inOrg is session for pages of one org: an admin who has not picked one
// yet is sent to pick.
func (c *console) inOrg(next http.HandlerFunc) http.Handler {
	return c.session(func(w http.ResponseWriter, r *http.Request) {
		if sessionFrom(r.Context()).OrgID == "" {
			http.Redirect(w, r, "/console/orgs", http.StatusSeeOther)
			return
		}
		next(w, r)
	})
}

// load finds the request's session, sliding its expiry, and drops it
// when its key is gone.
func (c *console) load(w http.ResponseWriter, r *http.Request) (sess, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return sess{}, false
	}
	ctx := r.Context()
	cs, err := c.opts.Store.TouchConsoleSession(ctx, hashID(ck.Value), c.opts.Now(), c.opts.IdleTimeout)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			c.opts.Logger.ErrorContext(ctx, "console: loading a session failed", "err", err)
		}
		return sess{}, false
	}
	s := sess{cs}
	if ok, err := c.opts.Backend.Valid(ctx, s.principal()); err != nil || !ok {
		if err != nil {
			c.opts.Logger.ErrorContext(ctx, "console: checking a session's key failed", "err", err)
		}
		return sess{}, false
	}
	return s, true
}

func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (c *console) signInPage(w http.ResponseWriter, r *http.Request) {
	pre := randomToken()
	c.setCookie(w, r, preCookie, pre, 600)
	c.render(w, r, "signin", page{Title: "Sign in", CSRF: pre})
}

// signIn turns a pasted operator key or admin token into a session; the
// key is not kept, only its id and role.
func (c *console) signIn(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(preCookie)
	if err != nil || !sameToken(r.PostFormValue(csrfField), ck.Value) {
		http.Error(w, "the form's CSRF token is missing or wrong; reload the page", http.StatusForbidden)
		return
	}
	p, err := c.opts.Backend.SignIn(r.Context(), strings.TrimSpace(r.PostFormValue("token")))
	if err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		c.render(w, r, "signin", page{Title: "Sign in", CSRF: ck.Value, Error: signInError(err)})
		return
	}
	id := randomToken()
	cs := store.ConsoleSession{IDHash: hashID(id), CSRFToken: randomToken(), Role: p.Role, KeyID: p.KeyID,
		Actor: p.Actor, OrgID: p.OrgID, ExpiresAt: c.opts.Now().Add(c.opts.IdleTimeout)}
	if err := c.opts.Store.CreateConsoleSession(r.Context(), cs); err != nil {
		c.fail(w, r, err)
		return
	}
	c.setCookie(w, r, preCookie, "", -1)
	c.setCookie(w, r, sessionCookie, id, 0)
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}

func signInError(err error) string {
	if errors.Is(err, ErrNotOperator) {
		return ErrNotOperator.Error() + "."
	}
	return "That is not a valid API key or admin token."
}

func (c *console) signOut(w http.ResponseWriter, r *http.Request) {
	if err := c.opts.Store.DeleteConsoleSession(r.Context(), sessionFrom(r.Context()).IDHash); err != nil {
		c.fail(w, r, err)
		return
	}
	c.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
}
