package officerndtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Defaults of a new Server.
const (
	DefaultSlug          = "demo-space"
	DefaultClientID      = "doorsync-client"
	DefaultClientSecret  = "doorsync-secret"
	DefaultWebhookSecret = "doorsync-webhook-secret"
	// TokenLifetime is the documented expires_in.
	TokenLifetime = 3599 * time.Second
	// MaxLimit is the largest $limit (51 answers 400, as observed).
	MaxLimit = 50
)

// Server is the fake. NewServer starts it on a loopback listener; New
// returns a bare handler holder for Serve. All methods are safe for
// concurrent use.
type Server struct {
	// URL is the origin serving both the identity and the API, e.g.
	// "http://127.0.0.1:41234".
	URL string

	hs      *httptest.Server
	handler http.Handler

	mu     sync.Mutex
	cfg    settings
	colls  map[Collection]*collection
	tokens map[string]time.Time // access token → expiry
	calls  map[string]int
	// tokenHits and listHits are the request times inside the limiters'
	// windows.
	tokenHits []time.Time
	listHits  []time.Time
	// throttled counts the list requests answered 429.
	throttled int
	failLeft  int
	seq       uint64
	lastStamp time.Time
	delivered []Delivery
}

// settings are the knobs a test turns, at start (Option) or at any time
// (the Set methods).
type settings struct {
	slug, clientID, clientSecret, webhookSecret string
	clock                                       func() time.Time

	tokenLimit      int
	tokenWindow     time.Duration
	tokenRetryAfter bool

	listLimit  int
	listWindow time.Duration

	failStatus int

	membershipsRefuseModified bool
	undocumentedIn            bool
	assignmentTimes           bool

	webhookURL string
	webhooksOn bool
}

// Option configures a new Server.
type Option func(*settings)

// WithSlug sets the organization slug the API answers under.
func WithSlug(slug string) Option { return func(s *settings) { s.slug = slug } }

// WithClient sets the application's client id and secret.
func WithClient(id, secret string) Option {
	return func(s *settings) { s.clientID, s.clientSecret = id, secret }
}

// WithWebhookSecret sets the secret deliveries are signed with.
func WithWebhookSecret(secret string) Option { return func(s *settings) { s.webhookSecret = secret } }

// WithWebhookURL delivers every change to the seed to url from the start.
func WithWebhookURL(url string) Option {
	return func(s *settings) { s.webhookURL, s.webhooksOn = url, url != "" }
}

// WithClock replaces time.Now (token expiry, modifiedAt stamps, limiter
// windows, webhook timestamps).
func WithClock(now func() time.Time) Option { return func(s *settings) { s.clock = now } }

// New returns a fake that is not listening; serve Handler() yourself.
func New(opts ...Option) *Server {
	cfg := settings{
		slug: DefaultSlug, clientID: DefaultClientID, clientSecret: DefaultClientSecret,
		webhookSecret: DefaultWebhookSecret, clock: time.Now,
		tokenLimit: 5, tokenWindow: time.Minute,
		failStatus:                http.StatusServiceUnavailable,
		membershipsRefuseModified: true,
		undocumentedIn:            true,
	}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{cfg: cfg, colls: map[Collection]*collection{}, tokens: map[string]time.Time{}, calls: map[string]int{}}
	for _, c := range allCollections {
		s.colls[c] = newCollection()
	}
	s.handler = s.routes()
	return s
}

// NewServer starts a fake on a loopback listener; Close stops it.
func NewServer(opts ...Option) *Server {
	s := New(opts...)
	s.hs = httptest.NewServer(s.handler)
	s.URL = s.hs.URL
	return s
}

// Handler serves the fake's routes.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops a server started by NewServer.
func (s *Server) Close() {
	if s.hs != nil {
		s.hs.Close()
	}
}

// Slug is the organization slug the API answers under.
func (s *Server) Slug() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.slug
}

// WebhookSecret is the secret deliveries are signed with.
func (s *Server) WebhookSecret() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.webhookSecret
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", s.token)
	mux.HandleFunc("GET /api/v2/organizations/{slug}/{coll}", s.list)
	mux.HandleFunc("GET /api/v2/organizations/{slug}/{coll}/{id}", s.get)
	s.controlRoutes(mux)
	return mux
}

func (s *Server) now() time.Time { return s.cfg.clock().UTC() }

// count records a request under its route template.
func (s *Server) count(route string) {
	s.calls[route]++
}

// Calls is how many requests a route took: "POST /oauth/token",
// "GET /members", "GET /members/{id}" (paths relative to the organization).
func (s *Server) Calls(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// TotalCalls is every request the fake answered, tokens included.
func (s *Server) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

// AllCalls copies the counts per route.
func (s *Server) AllCalls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// ResetCalls zeroes the counts.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
}

// nestError is NestJS's error body, as OfficeRnD v2 answers (OBS).
type nestError struct {
	StatusCode int    `json:"statusCode"`
	Message    any    `json:"message"`
	Error      string `json:"error,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeNest(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, nestError{StatusCode: status, Message: message, Error: strings.ReplaceAll(http.StatusText(status), "-", " ")})
}

func unauthorized(w http.ResponseWriter) {
	writeJSON(w, http.StatusUnauthorized, nestError{StatusCode: 401, Message: "Unauthorized access", Error: "Unauthorized"})
}
