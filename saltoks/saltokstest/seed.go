package saltokstest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// DemoSeed is testdata/demo-seed.json: two sites (London, New York) with
// locks, groups, tags and one staff user in every group; OAuth client
// doorsync/secret with system user integration@example.com/pw.
//
//go:embed testdata/demo-seed.json
var DemoSeed []byte

// Seed is the fake's fixture format, used by make run's demo and outside
// tests; ids are UUID strings. Optional fields beyond the documented ones
// (marked "optional") let State's output be fed back as a seed.
type Seed struct {
	Clients []SeedClient `json:"clients"`
	Sites   []SeedSite   `json:"sites"`
}

// SeedClient is an OAuth client and the system users it may log in as.
type SeedClient struct {
	ClientID     string      `json:"client_id"`
	ClientSecret string      `json:"client_secret"`
	Users        []SeedLogin `json:"users"`
}

// SeedLogin is a system user's username and password.
type SeedLogin struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// SeedSite is a site with its locks, tags, users and access groups.
type SeedSite struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
	// Seats is the subscription size; 0 means DefaultSeats.
	Seats        int         `json:"seats"`
	Locks        []SeedLock  `json:"locks"`
	Tags         []SeedTag   `json:"tags"`
	Users        []SeedUser  `json:"users"`
	AccessGroups []SeedGroup `json:"access_groups"`
}

// SeedLock is a door.
type SeedLock struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// SeedTag is a physical key of the site.
type SeedTag struct {
	ID        string `json:"id"`
	TagNumber string `json:"tag_number"`
	// UserID (optional) is the platform user id of the holder.
	UserID string `json:"user_id,omitempty"`
}

// SeedUser is a site user; SiteUserID is the site-user id, UserID the
// platform user id.
type SeedUser struct {
	SiteUserID string `json:"site_user_id"`
	UserID     string `json:"user_id"`
	Email      string `json:"email"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	// SubscriptionState (optional) defaults to "subscribed".
	SubscriptionState string `json:"subscription_state,omitempty"`
	// Blocked and Alias are optional.
	Blocked bool   `json:"blocked,omitempty"`
	Alias   string `json:"alias,omitempty"`
}

// SeedGroup is an access group; UserIDs are PLATFORM user ids.
type SeedGroup struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	LockIDs []string `json:"lock_ids"`
	UserIDs []string `json:"user_ids"`
	// TimeSchedules (optional): when absent the group gets the "Always"
	// schedule (all days, 00:00:00–23:59:59), as coworking groups have.
	TimeSchedules []SeedSchedule `json:"time_schedules"`
}

// SeedSchedule is a time schedule in the API's own shape.
type SeedSchedule struct {
	ID        string `json:"id"`
	Monday    bool   `json:"monday"`
	Tuesday   bool   `json:"tuesday"`
	Wednesday bool   `json:"wednesday"`
	Thursday  bool   `json:"thursday"`
	Friday    bool   `json:"friday"`
	Saturday  bool   `json:"saturday"`
	Sunday    bool   `json:"sunday"`
	StartTime string `json:"start_time"`
	EndTime   string `json:"end_time"`
	StartDate string `json:"start_date,omitempty"`
	EndDate   string `json:"end_date,omitempty"`
}

// ParseSeed reads a seed (or a State, whose extra fields are ignored).
// Unknown fields are errors, so that typos do not go unnoticed.
func ParseSeed(data []byte) (Seed, error) {
	var st State
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return Seed{}, fmt.Errorf("saltokstest: parsing seed: %w", err)
	}
	return st.Seed, nil
}

// LoadSeedFile reads and parses a seed file.
func LoadSeedFile(path string) (Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Seed{}, fmt.Errorf("saltokstest: %w", err)
	}
	return ParseSeed(data)
}

// Seed replaces all state (sites, users, clients, issued tokens, recorded
// e-mails) with seed, which also becomes what Reset returns to. Faults,
// request counts and settings are kept. An invalid seed changes nothing.
func (s *Server) Seed(seed Seed) error {
	w, err := buildWorld(seed)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w = w
	s.baseline = seed
	return nil
}

// SeedJSON parses data (ParseSeed) and seeds with it.
func (s *Server) SeedJSON(data []byte) error {
	seed, err := ParseSeed(data)
	if err != nil {
		return err
	}
	return s.Seed(seed)
}

// buildWorld validates a seed and builds the state it describes.
func buildWorld(seed Seed) (*world, error) {
	w := newWorld()
	for _, sc := range seed.Clients {
		if err := w.addSeedClient(sc); err != nil {
			return nil, err
		}
	}
	for _, ss := range seed.Sites {
		st, err := w.buildSite(ss)
		if err != nil {
			return nil, fmt.Errorf("saltokstest: seed site %q: %w", ss.ID, err)
		}
		w.sites.put(st.id, st)
	}
	return w, nil
}

func (w *world) addSeedClient(sc SeedClient) error {
	if sc.ClientID == "" || w.clients[sc.ClientID] != nil {
		return fmt.Errorf("saltokstest: seed client %q: empty or repeated client_id", sc.ClientID)
	}
	c := &oauthClient{id: sc.ClientID, secret: sc.ClientSecret, users: map[string]string{}}
	for _, u := range sc.Users {
		if u.Username == "" {
			return fmt.Errorf("saltokstest: seed client %q: empty username", sc.ClientID)
		}
		c.users[u.Username] = u.Password
		c.usernames = append(c.usernames, u.Username)
	}
	w.clients[c.id] = c
	return nil
}

func (w *world) buildSite(ss SeedSite) (*site, error) {
	id := strings.ToLower(ss.ID)
	switch {
	case !isUUID(id):
		return nil, errors.New("id is not a UUID")
	case w.sites.has(id):
		return nil, errors.New("repeated site id")
	case ss.Seats < 0:
		return nil, errors.New("negative seats")
	}
	seats := ss.Seats
	if seats == 0 {
		seats = DefaultSeats
	}
	tz := ss.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	st := newSite(id, ss.Name, tz, seats)
	steps := []func() error{
		func() error { return seedLocks(st, ss.Locks) },
		func() error { return w.seedUsers(st, ss.Users) },
		func() error { return seedTags(st, ss.Tags) },
		func() error { return seedGroups(st, ss.AccessGroups) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func seedLocks(st *site, locks []SeedLock) error {
	for _, l := range locks {
		id := strings.ToLower(l.ID)
		if !isUUID(id) || st.locks.has(id) {
			return fmt.Errorf("lock %q: id is not a UUID or is repeated", l.ID)
		}
		st.locks.put(id, &lock{id: id, name: l.Name})
	}
	return nil
}

func (w *world) seedUsers(st *site, users []SeedUser) error {
	for _, u := range users {
		su, err := w.seedUser(st, u)
		if err != nil {
			return fmt.Errorf("user %q: %w", u.SiteUserID, err)
		}
		st.addUser(su)
	}
	if st.subscribed > st.seats {
		return fmt.Errorf("%d subscribed users exceed %d seats", st.subscribed, st.seats)
	}
	return nil
}

// seedUser checks one seeded user and finds or makes its platform user.
func (w *world) seedUser(st *site, u SeedUser) (*siteUser, error) {
	id, pid := strings.ToLower(u.SiteUserID), strings.ToLower(u.UserID)
	switch {
	case !isUUID(id) || !isUUID(pid):
		return nil, errors.New("site_user_id and user_id must be UUIDs")
	case st.users.has(id) || st.byPlatform[pid] != nil:
		return nil, errors.New("repeated site_user_id or user_id")
	case u.Email != "" && st.byEmail[strings.ToLower(u.Email)] != nil:
		return nil, fmt.Errorf("repeated e-mail %q", u.Email)
	}
	state := u.SubscriptionState
	if state == "" {
		state = stateSubscribed
	}
	if state != stateSubscribed && state != stateSuspended {
		return nil, fmt.Errorf("subscription_state %q", state)
	}
	p, err := w.seedPerson(pid, u)
	if err != nil {
		return nil, err
	}
	return &siteUser{id: id, person: p, alias: u.Alias, blocked: u.Blocked, state: state, roleIDs: []string{roleSiteUser}}, nil
}

// seedPerson returns the platform user pid, which may already be on another
// site; its e-mail must agree.
func (w *world) seedPerson(pid string, u SeedUser) (*person, error) {
	if p := w.people[pid]; p != nil {
		if !strings.EqualFold(p.email, u.Email) {
			return nil, fmt.Errorf("user_id %s has e-mail %q on another site", pid, p.email)
		}
		return p, nil
	}
	if u.Email != "" && w.byEmail[strings.ToLower(u.Email)] != nil {
		return nil, fmt.Errorf("e-mail %q belongs to another user_id", u.Email)
	}
	p := &person{id: pid, email: u.Email, firstName: u.FirstName, lastName: u.LastName}
	w.addPerson(p)
	return p, nil
}

func seedTags(st *site, tags []SeedTag) error {
	for _, t := range tags {
		id, number := strings.ToLower(t.ID), strings.ToLower(t.TagNumber)
		if !isUUID(id) || st.tags.has(id) || number == "" || st.tagByNumber[number] != nil {
			return fmt.Errorf("tag %q: bad or repeated id or tag_number", t.ID)
		}
		tg := &tag{id: id, number: t.TagNumber}
		if t.UserID != "" {
			su := st.byPlatform[strings.ToLower(t.UserID)]
			if su == nil || su.tag != nil {
				return fmt.Errorf("tag %q: user_id %q is not a platform user of the site or already has a tag", t.ID, t.UserID)
			}
			assignTag(su, tg)
		}
		st.tags.put(id, tg)
		st.tagByNumber[number] = tg
	}
	return nil
}

func seedGroups(st *site, groups []SeedGroup) error {
	for _, sg := range groups {
		g, err := seedGroup(st, sg)
		if err != nil {
			return fmt.Errorf("access group %q: %w", sg.ID, err)
		}
		st.groups.put(g.id, g)
	}
	return nil
}

func seedGroup(st *site, sg SeedGroup) (*group, error) {
	id := strings.ToLower(sg.ID)
	if !isUUID(id) || st.groups.has(id) {
		return nil, errors.New("id is not a UUID or is repeated")
	}
	g := newGroup(id, sg.Name)
	for _, lid := range sg.LockIDs {
		l, ok := st.locks.get(strings.ToLower(lid))
		if !ok {
			return nil, fmt.Errorf("unknown lock %q", lid)
		}
		g.locks.put(l.id, l)
	}
	for _, uid := range sg.UserIDs {
		su := st.byPlatform[strings.ToLower(uid)]
		if su == nil {
			if st.users.has(strings.ToLower(uid)) {
				return nil, fmt.Errorf("%q is a site-user id; user_ids take platform user ids", uid)
			}
			return nil, fmt.Errorf("unknown user %q", uid)
		}
		g.members.put(su.person.id, su)
	}
	return g, seedSchedules(g, sg.TimeSchedules)
}

func seedSchedules(g *group, schedules []SeedSchedule) error {
	if schedules == nil {
		sc := alwaysSchedule()
		g.schedules.put(sc.id, sc)
		return nil
	}
	for _, ss := range schedules {
		sc, err := scheduleFromSeed(ss)
		if err != nil {
			return err
		}
		g.schedules.put(sc.id, sc)
	}
	return nil
}

func scheduleFromSeed(ss SeedSchedule) (*schedule, error) {
	id := strings.ToLower(ss.ID)
	if !isUUID(id) {
		return nil, fmt.Errorf("time schedule %q: id is not a UUID", ss.ID)
	}
	sc := &schedule{id: id, startDate: ss.StartDate, endDate: ss.EndDate,
		days: [7]bool{ss.Monday, ss.Tuesday, ss.Wednesday, ss.Thursday, ss.Friday, ss.Saturday, ss.Sunday}}
	var err error
	if sc.startTime, err = normaliseTime(ss.StartTime); err != nil {
		return nil, fmt.Errorf("time schedule %q: %w", ss.ID, err)
	}
	if sc.endTime, err = normaliseTime(ss.EndTime); err != nil {
		return nil, fmt.Errorf("time schedule %q: %w", ss.ID, err)
	}
	if bad := validateSchedule(sc); bad != nil {
		return nil, fmt.Errorf("time schedule %q: %s", ss.ID, bad.body.(errorBody).Message)
	}
	return sc, nil
}
