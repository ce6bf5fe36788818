package nexudustest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// M is one Nexudus record: PascalCase field names to JSON values.
type M = map[string]any

// TokenTTL is the documented access-token lifetime (expires_in 604799).
const TokenTTL = 604799 * time.Second

// Limits are the throttle budgets (DOC api-limitations: all methods 1
// request per 100 ms, 120 a minute, 5,000 an hour). A zero field is no
// limit; Minute and Hour are the windows' lengths, shrunk by tests.
type Limits struct {
	MinInterval time.Duration
	PerMinute   int
	PerHour     int
	Minute      time.Duration
	Hour        time.Duration
}

// DocumentedLimits are the limits the record states.
func DocumentedLimits() Limits {
	return Limits{MinInterval: 100 * time.Millisecond, PerMinute: 120, PerHour: 5000,
		Minute: time.Minute, Hour: time.Hour}
}

// Assumptions are the behaviours the public record does not settle. Each is
// ASSUMED; the zero value is the fake's best reading of the record.
type Assumptions struct {
	// MaxPageSize caps size silently (0: no cap). ASSUMED: the record gives
	// no maximum; a third-party client uses size=10000.
	MaxPageSize int
	// BatchOmitsCollections makes ?id=[…] answer the list shape (no
	// TeamMembers). ASSUMED: batch answers the by-id shape.
	BatchOmitsCollections bool
	// WebhookIDOnly delivers {"Id":n} instead of the by-id shape. ASSUMED:
	// the DTO per action is undocumented; the record says it is "the data
	// of" the entity, so the default is the by-id shape.
	WebhookIDOnly bool
	// ActionHeader, when set, is a header naming the action of a delivery.
	// ASSUMED: the record documents none, so the default sends none.
	ActionHeader string
	// LocalIsUTC swaps FromTime/ToTime with FromTimeLocal/ToTimeLocal on
	// output. ASSUMED: X is UTC and XLocal the business's wall clock.
	LocalIsUTC bool
}

// Server is the fake. All methods are safe for concurrent use.
type Server struct {
	// URL is the origin of a server started by NewServer.
	URL string

	hs      *httptest.Server
	handler http.Handler

	mu       sync.Mutex
	clock    func() time.Time
	last     time.Time // the last UpdatedOn stamped
	nextID   int
	records  map[string]map[int]M
	users    map[string]string // e-mail → password
	tokens   map[string]time.Time
	refresh  map[string]string // refresh token → e-mail
	tokenTTL time.Duration
	limits   Limits
	assume   Assumptions
	throttle throttleState
	faults   []fault
	calls    map[string]int
	grants   map[string]int
	secret   string
	subs     map[Action][]string
	deliver  sync.WaitGroup
}

// New returns a fake that is not listening; serve Handler() yourself.
func New() *Server {
	s := &Server{clock: time.Now, nextID: 1000, records: map[string]map[int]M{},
		users: map[string]string{}, tokens: map[string]time.Time{}, refresh: map[string]string{},
		tokenTTL: TokenTTL, limits: DocumentedLimits(), calls: map[string]int{}, grants: map[string]int{}, subs: map[Action][]string{}}
	for path := range entities {
		s.records[path] = map[int]M{}
	}
	s.handler = s.routes()
	return s
}

// NewServer returns a fake listening on a loopback port. Close it when done.
func NewServer() *Server {
	s := New()
	s.hs = httptest.NewServer(s.handler)
	s.URL = s.hs.URL
	return s
}

// Close waits for deliveries in flight and stops a server from NewServer.
func (s *Server) Close() {
	s.deliver.Wait()
	if s.hs != nil {
		s.hs.Close()
	}
}

// Handler serves the API.
func (s *Server) Handler() http.Handler { return s.handler }

// AddUser lets email sign in with password (the admin user doorsync uses).
func (s *Server) AddUser(email, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[email] = password
}

// SetLimits replaces the throttle budgets (DocumentedLimits by default;
// Limits{} turns throttling off).
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = l
	s.throttle = throttleState{}
}

// Assume replaces the ASSUMED behaviours.
func (s *Server) Assume(a Assumptions) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.assume = a
}

// SetTokenTTL shortens access tokens' lifetime (tests of refresh).
func (s *Server) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenTTL = d
}

// ExpireTokens makes every access token issued so far invalid (a 401 on
// the next call), as a revoked or expired token would.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// SetWebhookSecret sets the shared secret deliveries are signed with (""
// sends them unsigned, as Nexudus does without one).
func (s *Server) SetWebhookSecret(secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secret = secret
}

// Calls is the number of requests answered for key: "POST /api/token",
// "GET /api/spaces/coworkers" (lists and batches) or
// "GET /api/spaces/coworkers/{id}"; throttled and failed ones included.
func (s *Server) Calls(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[key]
}

// Grants is the number of tokens issued with grant_type grant
// ("password", "refresh_token").
func (s *Server) Grants(grant string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.grants[grant]
}

// TotalCalls is the number of requests answered.
func (s *Server) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

// ResetCalls zeroes the counters.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.calls)
}
