package saltokstest

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Email is an e-mail Salto KS would have sent; the fake only records it.
type Email struct {
	To string `json:"to"`
	// Kind is "invitation" (user created with an e-mail) or "site_access"
	// (existing platform user added to a site).
	Kind       string    `json:"kind"`
	SiteID     string    `json:"site_id"`
	SiteUserID string    `json:"site_user_id"`
	UserID     string    `json:"user_id"`
	At         time.Time `json:"at"`
}

// State is everything the fake holds, as GET /__fake/state returns it. Its
// Seed part can be seeded back.
type State struct {
	Seed
	Emails []Email     `json:"emails"`
	Config StateConfig `json:"config"`
}

// StateConfig are the settings in force.
type StateConfig struct {
	PageSize                 int       `json:"page_size"`
	TokenTTLSeconds          float64   `json:"token_ttl_seconds"`
	ProvisioningDelaySeconds float64   `json:"provisioning_delay_seconds"`
	Now                      time.Time `json:"now"`
	ActiveTokens             int       `json:"active_tokens"`
}

// State returns a snapshot of everything.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	active := 0
	for _, sess := range s.w.sessions {
		if now.Before(sess.expires) {
			active++
		}
	}
	return State{
		Seed:   s.w.snapshot(),
		Emails: slices.Clone(s.w.emails),
		Config: StateConfig{
			PageSize: s.cfg.pageSize, TokenTTLSeconds: s.cfg.tokenTTL.Seconds(),
			ProvisioningDelaySeconds: s.cfg.provisioningDelay.Seconds(), Now: now, ActiveTokens: active,
		},
	}
}

// Reset returns to the last seed: state, settings and clock as at the
// start; faults, request counts and e-mails cleared; issued tokens dropped.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := buildWorld(s.baseline)
	if err != nil { // the baseline was valid when seeded
		w = newWorld()
	}
	s.w = w
	s.cfg = s.initial
	s.faults = nil
	s.requests = map[string]int{}
}

// Requests returns how many requests each route received, keyed by
// "METHOD template", e.g. "POST /v1.2/sites/{site_id}/access_groups/{group_id}/users"
// or "POST /connect/token". Control routes are not counted.
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.requests)
}

// ResetRequests zeroes the request counts.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = map[string]int{}
}

// Emails returns the e-mails recorded since the last seed or reset.
func (s *Server) Emails() []Email {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.w.emails)
}

// SetPageSize sets the largest page a list returns.
func (s *Server) SetPageSize(n int) { s.update(func(c *settings) { c.pageSize = max(n, 1) }) }

// SetTokenTTL sets the lifetime of access tokens issued from now on.
func (s *Server) SetTokenTTL(d time.Duration) { s.update(func(c *settings) { c.tokenTTL = d }) }

// SetProvisioningDelay sets the eventual-consistency window after a user is
// created through the API (0: none). It applies to existing users too.
func (s *Server) SetProvisioningDelay(d time.Duration) {
	s.update(func(c *settings) { c.provisioningDelay = d })
}

// Advance moves the fake's clock forward (token expiry, provisioning).
func (s *Server) Advance(d time.Duration) { s.update(func(c *settings) { c.offset += d }) }

func (s *Server) update(f func(*settings)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.cfg)
}

// ExpireTokens invalidates every access token now (refresh tokens stay
// valid): the next API call of each client answers 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.w.sessions)
}

// RevokeRefreshTokens invalidates every refresh token, as when a user's
// consent is withdrawn.
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.w.refresh)
}

// controlRoutes are the /__fake/ routes; they are not counted, never
// faulted and need no token.
func (s *Server) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /__fake/seed", s.postSeed)
	mux.HandleFunc("POST /__fake/reset", func(w http.ResponseWriter, _ *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /__fake/state", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.State()) })
	mux.HandleFunc("GET /__fake/faults", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.Faults()) })
	mux.HandleFunc("POST /__fake/faults", s.postFaults)
	mux.HandleFunc("DELETE /__fake/faults", func(w http.ResponseWriter, _ *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /__fake/requests", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.Requests()) })
	mux.HandleFunc("DELETE /__fake/requests", func(w http.ResponseWriter, _ *http.Request) {
		s.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /__fake/emails", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.Emails()) })
	mux.HandleFunc("GET /__fake/config", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.State().Config) })
	mux.HandleFunc("POST /__fake/config", s.postConfig)
	mux.HandleFunc("POST /__fake/advance", s.postAdvance)
	mux.HandleFunc("POST /__fake/expire-tokens", func(w http.ResponseWriter, _ *http.Request) {
		s.ExpireTokens()
		w.WriteHeader(http.StatusNoContent)
	})
}

// postSeed is POST /__fake/seed with a seed file as the body.
func (s *Server) postSeed(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err == nil {
		err = s.SeedJSON(data)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// postFaults is POST /__fake/faults with one fault object or an array.
func (s *Server) postFaults(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var faults []Fault
	if strings.HasPrefix(strings.TrimSpace(string(data)), "[") {
		err = json.Unmarshal(data, &faults)
	} else {
		var f Fault
		err = json.Unmarshal(data, &f)
		faults = []Fault{f}
	}
	for _, f := range faults {
		if err != nil {
			break
		}
		err = s.AddFault(f)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// postConfig is POST /__fake/config {"page_size","token_ttl_seconds",
// "provisioning_delay_seconds"}; absent fields are unchanged.
func (s *Server) postConfig(w http.ResponseWriter, r *http.Request) {
	var b struct {
		PageSize                 *int     `json:"page_size"`
		TokenTTLSeconds          *float64 `json:"token_ttl_seconds"`
		ProvisioningDelaySeconds *float64 `json:"provisioning_delay_seconds"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if b.PageSize != nil {
		s.SetPageSize(*b.PageSize)
	}
	if b.TokenTTLSeconds != nil {
		s.SetTokenTTL(seconds(*b.TokenTTLSeconds))
	}
	if b.ProvisioningDelaySeconds != nil {
		s.SetProvisioningDelay(seconds(*b.ProvisioningDelaySeconds))
	}
	writeJSON(w, s.State().Config)
}

// postAdvance is POST /__fake/advance {"seconds": n}.
func (s *Server) postAdvance(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Seconds float64 `json:"seconds"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.Seconds < 0 {
		http.Error(w, "want {\"seconds\": n} with n >= 0", http.StatusBadRequest)
		return
	}
	s.Advance(seconds(b.Seconds))
	writeJSON(w, s.State().Config)
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

func writeJSON(w http.ResponseWriter, v any) { jsonResponse(http.StatusOK, v).write(w) }

// snapshot renders the world in seed form.
func (w *world) snapshot() Seed {
	var seed Seed
	for _, id := range slices.Sorted(maps.Keys(w.clients)) {
		seed.Clients = append(seed.Clients, w.clients[id].snapshot())
	}
	for _, st := range w.sites.values() {
		seed.Sites = append(seed.Sites, st.snapshot())
	}
	return seed
}

func (c *oauthClient) snapshot() SeedClient {
	out := SeedClient{ClientID: c.id, ClientSecret: c.secret, Users: []SeedLogin{}}
	for _, u := range c.usernames {
		out.Users = append(out.Users, SeedLogin{Username: u, Password: c.users[u]})
	}
	return out
}

func (st *site) snapshot() SeedSite {
	out := SeedSite{ID: st.id, Name: st.name, TimeZone: st.timeZone, Seats: st.seats,
		Locks: []SeedLock{}, Tags: []SeedTag{}, Users: []SeedUser{}, AccessGroups: []SeedGroup{}}
	for _, l := range st.locks.values() {
		out.Locks = append(out.Locks, SeedLock{ID: l.id, Name: l.name})
	}
	for _, t := range st.tags.values() {
		out.Tags = append(out.Tags, SeedTag{ID: t.id, TagNumber: t.number, UserID: tagHolderID(t)})
	}
	for _, su := range st.users.values() {
		out.Users = append(out.Users, seedUserOf(su))
	}
	for _, g := range st.groups.values() {
		out.AccessGroups = append(out.AccessGroups, g.snapshot())
	}
	return out
}

func seedUserOf(su *siteUser) SeedUser {
	return SeedUser{SiteUserID: su.id, UserID: su.person.id, Email: su.person.email,
		FirstName: su.person.firstName, LastName: su.person.lastName,
		SubscriptionState: su.state, Blocked: su.blocked, Alias: su.alias}
}

func (g *group) snapshot() SeedGroup {
	out := SeedGroup{ID: g.id, Name: g.name, LockIDs: []string{}, UserIDs: []string{}, TimeSchedules: []SeedSchedule{}}
	for _, l := range g.locks.values() {
		out.LockIDs = append(out.LockIDs, l.id)
	}
	for _, su := range g.members.values() {
		out.UserIDs = append(out.UserIDs, su.person.id)
	}
	for _, sc := range g.schedules.values() {
		out.TimeSchedules = append(out.TimeSchedules, SeedSchedule{
			ID: sc.id, Monday: sc.days[0], Tuesday: sc.days[1], Wednesday: sc.days[2], Thursday: sc.days[3],
			Friday: sc.days[4], Saturday: sc.days[5], Sunday: sc.days[6],
			StartTime: sc.startTime, EndTime: sc.endTime, StartDate: sc.startDate, EndDate: sc.endDate,
		})
	}
	return out
}

func tagHolderID(t *tag) string {
	if t.holder == nil {
		return ""
	}
	return t.holder.person.id
}
