package saltokstest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Defaults of a new Server.
const (
	DefaultPageSize = 100
	DefaultTokenTTL = time.Hour
	// DefaultSeats is the seat limit of a seeded site that gives none.
	DefaultSeats = 1000
	maxBodyBytes = 1 << 20
)

// Server is the fake. Create it with NewServer (listening, for tests) or New
// (a bare handler, for Serve/Run). All methods are safe for concurrent use.
type Server struct {
	// URL is the origin of a server started by NewServer, e.g.
	// "http://127.0.0.1:41234"; both the identity and the API live there.
	URL string

	hs      *httptest.Server
	handler http.Handler

	mu       sync.Mutex
	w        *world
	baseline Seed
	initial  settings
	cfg      settings
	faults   []*Fault
	requests map[string]int
}

// settings are the knobs a test can turn.
type settings struct {
	pageSize          int
	tokenTTL          time.Duration
	provisioningDelay time.Duration
	clock             func() time.Time
	offset            time.Duration
}

// Option configures a new Server.
type Option func(*settings)

// WithPageSize sets the largest page a list returns (default 100).
func WithPageSize(n int) Option { return func(s *settings) { s.pageSize = max(n, 1) } }

// WithTokenTTL sets the lifetime of access tokens (default 1 h).
func WithTokenTTL(d time.Duration) Option { return func(s *settings) { s.tokenTTL = d } }

// WithProvisioningDelay sets the eventual-consistency window after a user
// is created through the API, during which adding them to a group answers
// 404 2202 and PUT /pin 403 2203 (default 0: none).
func WithProvisioningDelay(d time.Duration) Option {
	return func(s *settings) { s.provisioningDelay = d }
}

// WithClock replaces time.Now (token expiry, the provisioning window).
func WithClock(now func() time.Time) Option { return func(s *settings) { s.clock = now } }

// New returns a fake that is not listening: serve Handler() yourself, or use
// Serve or Run. It starts empty; see Seed.
func New(opts ...Option) *Server {
	cfg := settings{pageSize: DefaultPageSize, tokenTTL: DefaultTokenTTL, clock: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{w: newWorld(), initial: cfg, cfg: cfg, requests: map[string]int{}}
	s.handler = s.routes()
	return s
}

// NewServer returns a fake listening on a loopback port (httptest). Close it
// when done.
func NewServer(opts ...Option) *Server {
	s := New(opts...)
	s.hs = httptest.NewServer(s.handler)
	s.URL = s.hs.URL
	return s
}

// Close stops a server started by NewServer.
func (s *Server) Close() {
	if s.hs != nil {
		s.hs.Close()
	}
}

// Handler serves the identity, Connect and /__fake/ routes.
func (s *Server) Handler() http.Handler { return s.handler }

// now is the fake's clock; call with s.mu held.
func (s *Server) now() time.Time { return s.cfg.clock().Add(s.cfg.offset) }

// call is one request being answered, with s.mu held.
type call struct {
	s       *Server
	w       *world
	r       *http.Request
	body    []byte
	now     time.Time
	version string
	site    *site
	session *session
}

func (c *call) param(name string) string { return c.r.PathValue(name) }

// decode reads the JSON body into v; a bad body is 400 1100.
func (c *call) decode(v any) *response {
	if len(strings.TrimSpace(string(c.body))) == 0 {
		return errorResponse(http.StatusBadRequest, codeBadRequest, "A non-empty request body is required.")
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return errorResponse(http.StatusBadRequest, codeBadRequest, "The request body is not valid JSON.")
	}
	return nil
}

// response is what a handler answers; it is written after s.mu is released.
type response struct {
	status int
	body   any // JSON-encoded; nil means no body
	header http.Header
}

func jsonResponse(status int, body any) response { return response{status: status, body: body} }

func emptyResponse(status int) response { return response{status: status} }

func (r response) write(w http.ResponseWriter) {
	for k, vs := range r.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if r.body == nil {
		w.WriteHeader(r.status)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(r.status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(r.body)
}

// handlerFunc answers a call.
type handlerFunc func(*call) response

// routeAuth says whether a route needs a bearer token.
type routeAuth bool

const (
	public routeAuth = false
	bearer routeAuth = true
)

// connect registers a Connect route; pattern is "METHOD /{version}/…".
// Versions v1.1 and v1.2 are served alike; v2 answers 403 as measured.
func (s *Server) connect(mux *http.ServeMux, pattern string, h handlerFunc) {
	method, template, _ := strings.Cut(pattern, " ")
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		version := r.PathValue("version")
		route := method + " " + strings.Replace(template, "{version}", version, 1)
		switch version {
		case "v1.1", "v1.2":
			s.serve(w, r, route, version, bearer, h)
		case "v2":
			s.serve(w, r, route, version, bearer, forbiddenV2)
		default:
			s.serve(w, r, method+" (unmatched)", "", public, notFound)
		}
	})
}

// identity registers an identity route; pattern is "METHOD /path".
func (s *Server) identity(mux *http.ServeMux, pattern string, h handlerFunc) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, pattern, "", public, h)
	})
}

// serve reads the body, counts the request, applies faults and runs the
// handler under the lock.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, route, version string, auth routeAuth, h handlerFunc) {
	// The body is read first: only then does net/http notice a client that
	// goes away, which cuts a fault's latency short.
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	fault := s.countAndMatch(r, route)
	if fault != nil && fault.interrupt(w, r) {
		return
	}
	if err != nil {
		emptyResponse(http.StatusBadRequest).write(w)
		return
	}
	s.mu.Lock()
	c := &call{s: s, w: s.w, r: r, body: body, now: s.now(), version: version}
	resp := s.dispatch(c, auth, h)
	s.mu.Unlock()
	resp.write(w)
}

// dispatch authenticates, resolves {site_id} and runs h.
func (s *Server) dispatch(c *call, auth routeAuth, h handlerFunc) response {
	if auth == bearer {
		if c.session = c.w.authenticate(c.r, c.now); c.session == nil {
			return unauthorized(c.r)
		}
	}
	if id := c.param("site_id"); id != "" {
		st, resp := c.w.lookupSite(id)
		if st == nil {
			return resp
		}
		c.site = st
	}
	return h(c)
}

// lookupSite finds a site: a non-UUID is 400 1100 (as measured for a site
// UID), an unknown UUID 404 2202.
func (w *world) lookupSite(id string) (*site, response) {
	if !isUUID(id) {
		return nil, *errorResponse(http.StatusBadRequest, codeBadRequest, "The value '"+id+"' is not valid.")
	}
	st, ok := w.sites.get(strings.ToLower(id))
	if !ok {
		return nil, *errorResponse(http.StatusNotFound, codeNotFound, "Site not found")
	}
	return st, response{}
}

// routes builds the mux: identity, Connect and control routes.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.identityRoutes(mux)
	s.siteRoutes(mux)
	s.userRoutes(mux)
	s.groupRoutes(mux)
	s.scheduleRoutes(mux)
	s.lockRoutes(mux)
	s.controlRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			s.serve(w, r, r.Method+" /v2/…", "v2", bearer, forbiddenV2)
			return
		}
		s.serve(w, r, r.Method+" (unmatched)", "", public, notFound)
	})
	return mux
}

// Error codes (reference §4.4).
const (
	codeBadRequest = "1100"
	codeValidation = "1101"
	codeBadQuery   = "1102"
	codeNotFound   = "2202"
	codeForbidden  = "2203"
)

type errorBody struct {
	ErrorCode string `json:"ErrorCode,omitempty"`
	Message   string `json:"Message"`
}

// errorResponse is a Connect error {"ErrorCode","Message"}. It returns a
// pointer so that helpers can return "no error" as nil.
func errorResponse(status int, code, message string) *response {
	return &response{status: status, body: errorBody{ErrorCode: code, Message: message}}
}

func notFound(*call) response { return emptyResponse(http.StatusNotFound) }

// forbiddenV2 is the RFC 7807 answer measured on /v2 for user_api tokens.
func forbiddenV2(*call) response {
	return response{status: http.StatusForbidden, body: map[string]any{
		"type": "https://httpstatuses.io/403", "title": "Forbidden", "status": 403, "traceId": newID(),
	}, header: http.Header{"Content-Type": {"application/problem+json"}}}
}

// baseURL is the origin the request came to, for absolute links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
