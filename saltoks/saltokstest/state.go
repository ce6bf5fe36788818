package saltokstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// world is everything the fake knows; Server.mu guards it.
type world struct {
	clients  map[string]*oauthClient
	sessions map[string]*session // access token → session
	refresh  map[string]*grant   // refresh token → grant
	codes    map[string]*authCode
	sites    *ordered[*site]
	people   map[string]*person // platform user id → person
	byEmail  map[string]*person // lower-case e-mail → person
	emails   []Email
}

func newWorld() *world {
	return &world{
		clients:  map[string]*oauthClient{},
		sessions: map[string]*session{},
		refresh:  map[string]*grant{},
		codes:    map[string]*authCode{},
		sites:    newOrdered[*site](),
		people:   map[string]*person{},
		byEmail:  map[string]*person{},
	}
}

// person is a platform user (a Salto KS identity); the same person can be a
// user of several sites.
type person struct {
	id, email, firstName, lastName string
}

type site struct {
	id, name, timeZone, siteUID string
	seats                       int
	subscribed                  int // site users holding a seat

	locks       *ordered[*lock]
	tags        *ordered[*tag]
	tagByNumber map[string]*tag // lower-case number
	users       *ordered[*siteUser]
	byPlatform  map[string]*siteUser
	byEmail     map[string]*siteUser // lower-case e-mail
	groups      *ordered[*group]
}

func newSite(id, name, timeZone string, seats int) *site {
	return &site{
		id: id, name: name, timeZone: timeZone, seats: seats,
		siteUID:     siteUIDFor(id),
		locks:       newOrdered[*lock](),
		tags:        newOrdered[*tag](),
		tagByNumber: map[string]*tag{},
		users:       newOrdered[*siteUser](),
		byPlatform:  map[string]*siteUser{},
		byEmail:     map[string]*siteUser{},
		groups:      newOrdered[*group](),
	}
}

type siteUser struct {
	id        string
	person    *person
	alias     string
	blocked   bool
	state     string
	usePin    bool
	tag       *tag
	roleIDs   []string
	expiresAt string
	pin       string
	createdAt time.Time // zero for seeded and direct users: never provisioning
}

type lock struct{ id, name string }

type tag struct {
	id, number string
	holder     *siteUser
}

type group struct {
	id, name  string
	locks     *ordered[*lock]
	members   *ordered[*siteUser] // by platform user id
	schedules *ordered[*schedule]
}

func newGroup(id, name string) *group {
	return &group{id: id, name: name, locks: newOrdered[*lock](), members: newOrdered[*siteUser](), schedules: newOrdered[*schedule]()}
}

// addUser registers su on the site, taking a seat when subscribed.
func (st *site) addUser(su *siteUser) {
	st.users.put(su.id, su)
	st.byPlatform[su.person.id] = su
	if su.person.email != "" {
		st.byEmail[strings.ToLower(su.person.email)] = su
	}
	if su.state == stateSubscribed {
		st.subscribed++
	}
}

// removeUser deletes su from the site: its seat, its tag and every group.
func (st *site) removeUser(su *siteUser) {
	st.users.del(su.id)
	delete(st.byPlatform, su.person.id)
	if su.person.email != "" {
		delete(st.byEmail, strings.ToLower(su.person.email))
	}
	if su.state == stateSubscribed {
		st.subscribed--
	}
	if su.tag != nil {
		su.tag.holder = nil
		su.tag = nil
	}
	for _, g := range st.groups.values() {
		g.members.del(su.person.id)
	}
}

// setState changes a subscription state, keeping the seat count.
func (st *site) setState(su *siteUser, state string) {
	if su.state == stateSubscribed {
		st.subscribed--
	}
	su.state = state
	if state == stateSubscribed {
		st.subscribed++
	}
}

// stateForNewUser is subscribed while seats are left, else suspended.
func (st *site) stateForNewUser() string {
	if st.subscribed < st.seats {
		return stateSubscribed
	}
	return stateSuspended
}

// assignTag gives t to su (nil t removes su's tag).
func assignTag(su *siteUser, t *tag) {
	if su.tag != nil {
		su.tag.holder = nil
	}
	su.tag = t
	if t != nil {
		t.holder = su
	}
}

// personFor returns the platform user for an e-mail, creating one when the
// e-mail is new (or empty: managed users have no identity to share).
func (w *world) personFor(email, firstName, lastName string) *person {
	if email != "" {
		if p := w.byEmail[strings.ToLower(email)]; p != nil {
			return p
		}
	}
	p := &person{id: newID(), email: email, firstName: firstName, lastName: lastName}
	w.addPerson(p)
	return p
}

func (w *world) addPerson(p *person) {
	w.people[p.id] = p
	if p.email != "" {
		w.byEmail[strings.ToLower(p.email)] = p
	}
}

const (
	stateSubscribed = "subscribed"
	stateSuspended  = "suspended"
)

// newID returns a random UUIDv4 string.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newSecret returns an opaque random token.
func newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// isUUID reports whether s looks like 8-4-4-4-12 hex digits.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// siteUIDFor derives a stable human site UID ("DE…" style) from the id.
func siteUIDFor(id string) string {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, id)
	return fmt.Sprintf("FK%010s", digits[:min(len(digits), 10)])
}
