package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"doorsync/internal/saltoconn"
)

// callbackPath is where the identity server sends the browser back.
const callbackPath = "/v1/salto/callback"

// callbackURL is the deployment's own callback, the only redirect_uri the
// authorization-code flow accepts.
func (h *handlers) callbackURL() string { return h.publicURL + callbackPath }

// authorizeSalto starts the authorization-code flow (PKCE) and binds it to
// this browser: a short-lived cookie holds the nonce sealed with the state.
func (h *handlers) authorizeSalto(w http.ResponseWriter, r *http.Request) error {
	org, err := h.store.GetOrg(r.Context(), chi.URLParam(r, "org"))
	if err != nil {
		return err
	}
	redirectURI, err := h.redirectURI(r.URL.Query())
	if err != nil {
		return err
	}
	replace, err := queryBool(r, "replace")
	if err != nil {
		ve := &validationError{}
		ve.add("replace", "must be true or false")
		return ve
	}
	auth, err := h.salto.AuthorizeURL(r.Context(), org.ID, redirectURI, replace)
	if err != nil {
		return err
	}
	http.SetCookie(w, h.flowCookie(auth.State, auth.Nonce, int(saltoconn.StateTTL.Seconds())))
	http.Redirect(w, r, auth.URL, http.StatusFound)
	return nil
}

// redirectURI is the deployment's callback; a redirect_uri naming anything
// else is refused.
func (h *handlers) redirectURI(q url.Values) (string, error) {
	own := h.callbackURL()
	if v := q.Get("redirect_uri"); v != "" && v != own {
		ve := &validationError{}
		ve.add("redirect_uri", "must be this deployment's callback, "+own+", or absent")
		return "", ve
	}
	return own, nil
}

// saltoCallback completes the authorization-code flow: the single-use state
// says which org it is for, and the flow's cookie must prove that this
// browser started it. Success answers 200 (as API.md has it) with the page
// saying which org was connected.
func (h *handlers) saltoCallback(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return httpError(http.StatusBadGateway, "Salto KS did not authorize: "+oauthErrorCode(e))
	}
	code, state, err := callbackParams(q)
	if err != nil {
		return err
	}
	nonce := "" // no cookie: refused as ErrNotStarter once the state is known
	if c, err := r.Cookie(flowCookieName(state)); err == nil {
		nonce = c.Value
	}
	orgID, _, err := h.salto.CompleteAuthorization(r.Context(), code, state, nonce)
	if err != nil {
		return err
	}
	http.SetCookie(w, h.flowCookie(state, "", -1))
	return h.saltoConnectedPage(w, r, orgID)
}

func callbackParams(q url.Values) (code, state string, err error) {
	v := &validationError{}
	if q.Get("code") == "" {
		v.add("code", "is required")
	}
	if q.Get("state") == "" {
		v.add("state", "is required")
	}
	return q.Get("code"), q.Get("state"), v.orNil()
}

// flowCookie holds a flow's nonce, for the callback only: HttpOnly,
// SameSite=Lax (the identity server's redirect back is a top-level GET),
// Secure when the deployment is served over https. maxAge < 0 deletes it.
func (h *handlers) flowCookie(state, nonce string, maxAge int) *http.Cookie {
	path := callbackPath
	if u, err := url.Parse(h.publicURL); err == nil {
		path = strings.TrimRight(u.Path, "/") + callbackPath
	}
	return &http.Cookie{ //nolint:gosec // Secure under https: a plain-http dev deployment must still get it
		Name: flowCookieName(state), Value: nonce, Path: path, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(h.publicURL, "https://"),
	}
}

// flowCookieName is one cookie per flow, so two flows started in one
// browser do not undo each other.
func flowCookieName(state string) string {
	sum := sha256.Sum256([]byte(state))
	return "doorsync_salto_flow_" + hex.EncodeToString(sum[:8])
}

// oauthErrorCode repeats an OAuth error code (RFC 6749 §4.1.2.1: a short
// ASCII word such as access_denied) and nothing else the browser brought.
func oauthErrorCode(e string) string {
	if len(e) > 40 || strings.IndexFunc(e, func(r rune) bool { return (r < 'a' || r > 'z') && r != '_' }) >= 0 {
		return "an error"
	}
	return e
}
