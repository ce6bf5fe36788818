package saltokstest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// oauthClient is a registered OAuth client and the system users it may log
// in as.
type oauthClient struct {
	id, secret string
	users      map[string]string // username → password
	usernames  []string          // seed order
}

// session is what an access token stands for.
type session struct {
	clientID, username, scope string
	expires                   time.Time
}

// grant is what a refresh token stands for. Refresh tokens are one-time:
// each use returns a new one (IdentityServer's default rotation).
type grant struct{ clientID, username, scope string }

type authCode struct {
	clientID, username, redirectURI, challenge, scope string
	expires                                           time.Time
}

const authCodeTTL = 5 * time.Minute

// allowedScopes are the scopes a client may ask for.
var allowedScopes = []string{"user_api.full_access", "openid", "profile", "offline_access"}

func (s *Server) identityRoutes(mux *http.ServeMux) {
	s.identity(mux, "POST /connect/token", s.token)
	s.identity(mux, "GET /connect/authorize", s.authorize)
	s.identity(mux, "GET /.well-known/openid-configuration", discovery)
}

// token is POST /connect/token.
func (s *Server) token(c *call) response {
	form, err := url.ParseQuery(string(c.body))
	if err != nil {
		return oauthError(http.StatusBadRequest, "invalid_request", "malformed form body")
	}
	client := c.w.authenticateClient(c.r, form)
	if client == nil {
		return oauthError(http.StatusUnauthorized, "invalid_client", "")
	}
	switch form.Get("grant_type") {
	case "password":
		return s.passwordGrant(c, client, form)
	case "refresh_token":
		return s.refreshGrant(c, client, form)
	case "authorization_code":
		return s.codeGrant(c, client, form)
	default:
		return oauthError(http.StatusBadRequest, "unsupported_grant_type", "")
	}
}

func (s *Server) passwordGrant(c *call, client *oauthClient, form url.Values) response {
	scope, ok := checkScope(form.Get("scope"))
	if !ok {
		return oauthError(http.StatusBadRequest, "invalid_scope", "")
	}
	password, known := client.users[form.Get("username")]
	if !known || !secretEqual(password, form.Get("password")) {
		return oauthError(http.StatusBadRequest, "invalid_grant", "invalid_username_or_password")
	}
	return s.issue(c, client.id, form.Get("username"), scope)
}

func (s *Server) refreshGrant(c *call, client *oauthClient, form url.Values) response {
	g := c.w.refresh[form.Get("refresh_token")]
	if g == nil || g.clientID != client.id {
		return oauthError(http.StatusBadRequest, "invalid_grant", "")
	}
	delete(c.w.refresh, form.Get("refresh_token"))
	return s.issue(c, g.clientID, g.username, g.scope)
}

func (s *Server) codeGrant(c *call, client *oauthClient, form url.Values) response {
	code := c.w.codes[form.Get("code")]
	delete(c.w.codes, form.Get("code")) // one use, whatever the outcome
	switch {
	case code == nil || code.clientID != client.id || c.now.After(code.expires):
		return oauthError(http.StatusBadRequest, "invalid_grant", "")
	case code.redirectURI != form.Get("redirect_uri"):
		return oauthError(http.StatusBadRequest, "invalid_grant", "redirect_uri does not match")
	case !pkceMatches(code.challenge, form.Get("code_verifier")):
		return oauthError(http.StatusBadRequest, "invalid_grant", "code_verifier does not match")
	}
	return s.issue(c, client.id, code.username, code.scope)
}

// issue answers a token response; a refresh token only with offline_access.
func (s *Server) issue(c *call, clientID, username, scope string) response {
	access := newSecret()
	ttl := s.cfg.tokenTTL
	c.w.purgeSessions(c.now)
	c.w.sessions[access] = &session{clientID: clientID, username: username, scope: scope, expires: c.now.Add(ttl)}
	body := map[string]any{
		"access_token": access,
		"expires_in":   int(ttl.Round(time.Second) / time.Second),
		"token_type":   "Bearer",
		"scope":        scope,
	}
	if slices.Contains(strings.Fields(scope), "offline_access") {
		refresh := newSecret()
		c.w.refresh[refresh] = &grant{clientID: clientID, username: username, scope: scope}
		body["refresh_token"] = refresh
	}
	return response{status: http.StatusOK, body: body, header: http.Header{"Cache-Control": {"no-store"}}}
}

// authorize is GET /connect/authorize: it approves at once, as the
// login_hint user or else the client's first user, and redirects back with
// a code. PKCE (S256) is required.
func (s *Server) authorize(c *call) response {
	q := c.r.URL.Query()
	client := c.w.clients[q.Get("client_id")]
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if client == nil || err != nil || !redirect.IsAbs() {
		return oauthError(http.StatusBadRequest, "invalid_request", "unknown client_id or bad redirect_uri")
	}
	username, problem := authorizeProblem(client, q)
	if problem != "" {
		return redirectTo(redirect, url.Values{"error": {problem}, "state": {q.Get("state")}})
	}
	scope, _ := checkScope(q.Get("scope"))
	code := newSecret()
	c.w.codes[code] = &authCode{clientID: client.id, username: username, redirectURI: q.Get("redirect_uri"),
		challenge: q.Get("code_challenge"), scope: scope, expires: c.now.Add(authCodeTTL)}
	return redirectTo(redirect, url.Values{"code": {code}, "state": {q.Get("state")}, "scope": {scope}})
}

// authorizeProblem checks an authorize request; it returns the user to log
// in as, or the OAuth error to redirect with.
func authorizeProblem(client *oauthClient, q url.Values) (string, string) {
	if q.Get("response_type") != "code" {
		return "", "unsupported_response_type"
	}
	if q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" {
		return "", "invalid_request"
	}
	if _, ok := checkScope(q.Get("scope")); !ok {
		return "", "invalid_scope"
	}
	if hint := q.Get("login_hint"); hint != "" {
		if _, ok := client.users[hint]; ok {
			return hint, ""
		}
		return "", "access_denied"
	}
	if len(client.usernames) == 0 {
		return "", "access_denied"
	}
	return client.usernames[0], ""
}

func redirectTo(u *url.URL, params url.Values) response {
	target := *u
	q := target.Query()
	for k, vs := range params {
		if vs[0] != "" {
			q[k] = vs
		}
	}
	target.RawQuery = q.Encode()
	return response{status: http.StatusFound, header: http.Header{"Location": {target.String()}}}
}

// discovery is GET /.well-known/openid-configuration.
func discovery(c *call) response {
	base := baseURL(c.r)
	return jsonResponse(http.StatusOK, map[string]any{
		"issuer":                                base,
		"authorization_endpoint":                base + "/connect/authorize",
		"token_endpoint":                        base + "/connect/token",
		"grant_types_supported":                 []string{"password", "refresh_token", "authorization_code"},
		"response_types_supported":              []string{"code"},
		"scopes_supported":                      allowedScopes,
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

// authenticateClient checks HTTP Basic (form-encoded id and secret, as
// RFC 6749 §2.3.1 asks) or client_id/client_secret in the form.
func (w *world) authenticateClient(r *http.Request, form url.Values) *oauthClient {
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	client := w.clients[id]
	if client == nil || !secretEqual(client.secret, secret) {
		return nil
	}
	return client
}

// authenticate returns the session of the request's bearer token (header,
// or access_token in the query as the event hub allows), nil if it is
// missing, unknown or expired.
func (w *world) authenticate(r *http.Request, now time.Time) *session {
	token := r.URL.Query().Get("access_token")
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		token = h[7:]
	}
	sess := w.sessions[token]
	if sess == nil || !now.Before(sess.expires) {
		return nil
	}
	return sess
}

// purgeSessions drops expired access tokens once there are many.
func (w *world) purgeSessions(now time.Time) {
	if len(w.sessions) < 10_000 {
		return
	}
	for tok, sess := range w.sessions {
		if !now.Before(sess.expires) {
			delete(w.sessions, tok)
		}
	}
}

// unauthorized is the measured 401: empty body, WWW-Authenticate.
func unauthorized(r *http.Request) response {
	challenge := "Bearer"
	if r.Header.Get("Authorization") != "" {
		challenge = `Bearer error="invalid_token"`
	}
	return response{status: http.StatusUnauthorized, header: http.Header{"WWW-Authenticate": {challenge}}}
}

func oauthError(status int, code, description string) response {
	body := map[string]string{"error": code}
	if description != "" {
		body["error_description"] = description
	}
	return jsonResponse(status, body)
}

// checkScope validates a requested scope; empty means user_api.full_access.
func checkScope(scope string) (string, bool) {
	fields := strings.Fields(scope)
	if len(fields) == 0 {
		return "user_api.full_access", true
	}
	for _, f := range fields {
		if !slices.Contains(allowedScopes, f) {
			return "", false
		}
	}
	return strings.Join(fields, " "), true
}

func pkceMatches(challenge, verifier string) bool {
	if challenge == "" || verifier == "" {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return secretEqual(challenge, base64.RawURLEncoding.EncodeToString(sum[:]))
}

func secretEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
