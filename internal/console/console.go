// Package console is doorsync's operator console: server-rendered pages
// (html/template, embedded assets) at /console/. It holds no rules of its
// own: every read and write goes through the API's route table in process
// (Backend), as the signed-in key or the admin, so roles, validation and
// the audit actor are the API's.
package console

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"doorsync/store"
)

// Principal is who a session acts as: an operator key (its id, role and
// org) or the admin.
type Principal struct {
	Role  string // "operator" or "admin"
	KeyID string // empty for the admin
	OrgID string // the key's org; empty for the admin
	Actor string // the key's name, or "admin"
}

// Errors of Backend.SignIn.
var (
	ErrBadToken    = errors.New("not a valid API key or admin token")
	ErrNotOperator = errors.New("the console needs an operator key or the admin token")
)

// Backend is the API as the console uses it.
type Backend interface {
	// SignIn resolves a pasted key or admin token to its principal.
	SignIn(ctx context.Context, token string) (Principal, error)
	// Valid says whether the principal still may act (its key exists).
	Valid(ctx context.Context, p Principal) (bool, error)
	// Call serves one API request as p in process and returns its answer.
	Call(ctx context.Context, p Principal, method, target string, body []byte) Response
}

// Response is an API answer to an in-process call.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Options configure the console.
type Options struct {
	Store   *store.Store
	Backend Backend
	Logger  *slog.Logger
	// PublicURL, when https, makes the cookies Secure whatever the request.
	PublicURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// IdleTimeout ends a session unused this long; 0 means DefaultIdle.
	IdleTimeout time.Duration
}

// DefaultIdle is how long a session lasts unused.
const DefaultIdle = 8 * time.Hour

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

type console struct {
	opts  Options
	pages map[string]*pageTemplate
}

// New returns the console's handler, serving paths under /console/.
func New(o Options) http.Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdle
	}
	c := &console{opts: o, pages: parsePages()}
	return c.routes()
}

func (c *console) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /console/signin", c.signInPage)
	mux.HandleFunc("POST /console/signin", c.signIn)
	mux.Handle("POST /console/signout", c.session(c.signOut))
	mux.Handle("GET /console/orgs", c.session(c.orgsPage))
	mux.Handle("POST /console/org", c.session(c.pickOrg))
	mux.Handle("GET /console/{$}", c.inOrg(c.overview))
	mux.Handle("GET /console/problems", c.inOrg(c.problems))
	mux.Handle("GET /console/holds", c.inOrg(c.holds))
	mux.Handle("GET /console/holds/{id}/{decision}", c.inOrg(c.confirmHold))
	mux.Handle("POST /console/holds/{id}/{decision}", c.inOrg(c.decideHold))
	mux.Handle("GET /console/audit", c.inOrg(c.audit))
	mux.Handle("GET /console/people", c.inOrg(c.people))
	mux.Handle("GET /console/people/{id}", c.inOrg(c.person))
	mux.Handle("POST /console/people/{id}/reapply", c.inOrg(c.reapply))
	mux.Handle("GET /console/mappings", c.inOrg(c.mappings))
	mux.Handle("POST /console/mappings/{tab}/{id}", c.inOrg(c.saveMapping))
	mux.Handle("POST /console/mappings/{tab}/{id}/apply", c.inOrg(c.applyMapping))
	mux.Handle("GET /console/reconcile", c.inOrg(c.reconcilePage))
	mux.Handle("POST /console/reconcile", c.inOrg(c.reconcile))
	mux.Handle("GET /console/webhooks", c.inOrg(c.webhooksPage))
	mux.Handle("POST /console/webhooks", c.inOrg(c.addWebhook))
	mux.Handle("POST /console/webhooks/{id}/test", c.inOrg(c.testWebhook))
	mux.Handle("GET /console/platform", c.inOrg(c.platformPage))
	mux.Handle("POST /console/platform/sync", c.inOrg(c.syncPlatform))
	mux.Handle("GET /console/salto", c.inOrg(c.saltoPage))
	mux.Handle("POST /console/salto", c.inOrg(c.connectSalto))
	mux.Handle("GET /console/salto/authorize", c.inOrg(c.authorizeSalto))
	mux.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not found", http.StatusNotFound)
	})
	return securityHeaders(mux)
}

// securityHeaders keeps the pages out of frames and other origins' scripts.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
