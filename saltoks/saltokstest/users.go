package saltokstest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

var userFields = fields[*siteUser]{
	"id":                 func(u *siteUser) string { return u.id },
	"user/id":            func(u *siteUser) string { return u.person.id },
	"user/email":         func(u *siteUser) string { return u.person.email },
	"user/first_name":    func(u *siteUser) string { return u.person.firstName },
	"user/last_name":     func(u *siteUser) string { return u.person.lastName },
	"user/tag_number":    func(u *siteUser) string { return tagNumber(u) },
	"alias":              func(u *siteUser) string { return u.alias },
	"subscription_state": func(u *siteUser) string { return u.state },
	"blocked":            func(u *siteUser) string { return boolString(u.blocked) },
	"tag_id":             func(u *siteUser) string { return tagID(u) },
}

func (s *Server) userRoutes(mux *http.ServeMux) {
	s.connect(mux, "GET /{version}/sites/{site_id}/users", s.listUsers)
	s.connect(mux, "POST /{version}/sites/{site_id}/users", s.createUser)
	s.connect(mux, "GET /{version}/sites/{site_id}/users/{site_user_id}", s.getUser)
	s.connect(mux, "PATCH /{version}/sites/{site_id}/users/{site_user_id}", s.patchUser)
	s.connect(mux, "DELETE /{version}/sites/{site_id}/users/{site_user_id}", deleteUser)
	s.connect(mux, "PATCH /{version}/sites/{site_id}/users/{site_user_id}/subscription", setSubscription)
	s.connect(mux, "PUT /{version}/sites/{site_id}/users/{site_user_id}/pin", s.putPin)
	s.connect(mux, "GET /{version}/sites/{site_id}/users/{site_user_id}/keys", listKeys)
	s.connect(mux, "POST /{version}/sites/{site_id}/guests", s.createGuest)
	s.connect(mux, "POST /{version}/sites/{site_id}/users/existing", s.addExistingUser)
	s.connect(mux, "GET /{version}/users/search", searchUsers)
}

// listUsers is GET /sites/{id}/users; "user/email eq '…'" uses the index.
func (s *Server) listUsers(c *call) response {
	q, bad := parseListQuery(c.r.URL.Query())
	if bad != nil {
		return *bad
	}
	users := c.site.users.values()
	if email, ok := emailEq(q.filter); ok {
		users = nil
		if su := c.site.byEmail[strings.ToLower(email)]; su != nil {
			users = []*siteUser{su}
		}
	}
	return list(c, q, users, userFields, func(u *siteUser) any { return s.siteUserWire(u, c.now) })
}

func (s *Server) getUser(c *call) response {
	su, bad := c.siteUser()
	if bad != nil {
		return *bad
	}
	return jsonResponse(http.StatusOK, s.siteUserWire(su, c.now))
}

// siteUser resolves {site_user_id}; a platform id (or anything else) is
// 404 2202 "User not found".
func (c *call) siteUser() (*siteUser, *response) {
	su, ok := c.site.users.get(strings.ToLower(c.param("site_user_id")))
	if !ok {
		return nil, errorResponse(http.StatusNotFound, codeNotFound, "User not found")
	}
	return su, nil
}

type createUserBody struct {
	FirstName *string  `json:"first_name"`
	LastName  string   `json:"last_name"`
	Email     *string  `json:"email"`
	RoleIDs   []string `json:"role_ids"`
	Alias     string   `json:"alias"`
	TagID     *string  `json:"tag_id"`
	UsePin    bool     `json:"use_pin"`
	Blocked   bool     `json:"blocked"`
	ExpiresAt *string  `json:"expires_at"`
}

// createUser is POST /sites/{id}/users: 201 with a new site user that is
// subscribed while seats last and suspended after. With an e-mail the user
// gets a profile and an invitation e-mail (recorded).
func (s *Server) createUser(c *call) response {
	var b createUserBody
	if bad := c.decode(&b); bad != nil {
		return *bad
	}
	t, bad := validateCreate(c.site, b)
	if bad != nil {
		return *bad
	}
	email := deref(b.Email)
	su := &siteUser{
		id: newID(), person: c.w.personFor(email, *b.FirstName, b.LastName),
		alias: b.Alias, blocked: b.Blocked, usePin: b.UsePin, roleIDs: b.RoleIDs,
		expiresAt: deref(b.ExpiresAt), state: c.site.stateForNewUser(), createdAt: c.now,
	}
	c.site.addUser(su)
	assignTag(su, t)
	if email != "" {
		c.w.recordEmail(c.site, su, "invitation", c.now)
	}
	return jsonResponse(http.StatusCreated, s.siteUserWire(su, c.now))
}

// validateCreate checks a create body and returns the tag to assign.
func validateCreate(st *site, b createUserBody) (*tag, *response) {
	if b.FirstName == nil || strings.TrimSpace(*b.FirstName) == "" {
		return nil, errorResponse(http.StatusBadRequest, codeValidation, "The FirstName field is required.")
	}
	if bad := validateRoles(b.RoleIDs); bad != nil {
		return nil, bad
	}
	if b.Email != nil {
		if !strings.Contains(*b.Email, "@") {
			return nil, errorResponse(http.StatusBadRequest, codeValidation, fmt.Sprintf("Email '%s' is not valid", *b.Email))
		}
		if st.byEmail[strings.ToLower(*b.Email)] != nil {
			return nil, errorResponse(http.StatusBadRequest, codeValidation, fmt.Sprintf("A user with email '%s' already exists on this site.", *b.Email))
		}
	}
	if b.TagID == nil || *b.TagID == "" {
		return nil, nil
	}
	return freeTag(st, *b.TagID, nil)
}

func validateRoles(ids []string) *response {
	if len(ids) == 0 {
		return errorResponse(http.StatusBadRequest, codeValidation, "The RoleIds field is required.")
	}
	for _, id := range ids {
		if _, ok := findRole(id); !ok {
			return errorResponse(http.StatusBadRequest, codeValidation, fmt.Sprintf("Role '%s' is not valid.", id))
		}
	}
	return nil
}

// freeTag finds a tag that is unassigned or already held by su.
func freeTag(st *site, id string, su *siteUser) (*tag, *response) {
	t, ok := st.tags.get(strings.ToLower(id))
	if !ok {
		return nil, errorResponse(http.StatusNotFound, codeNotFound, "Tag not found")
	}
	if t.holder != nil && t.holder != su {
		return nil, errorResponse(http.StatusBadRequest, codeValidation, "The tag is already assigned to another user.")
	}
	return t, nil
}

// userPatch is a parsed PATCH body; nil or unset fields are left alone.
type userPatch struct {
	alias, firstName, lastName *string
	blocked, usePin            *bool
	roleIDs                    []string
	tagSet, expiresSet         bool
	tagID, expiresAt           *string
}

// patchUser is PATCH /sites/{id}/users/{su}: alias, blocked, use_pin,
// tag_id (null or "" removes the tag), role_ids, expires_at, and the names
// (ASSUMED). Unknown fields are ignored.
func (s *Server) patchUser(c *call) response {
	su, bad := c.siteUser()
	if bad != nil {
		return *bad
	}
	var raw map[string]json.RawMessage
	if bad := c.decode(&raw); bad != nil {
		return *bad
	}
	p, err := parseUserPatch(raw)
	if err != nil {
		return *errorResponse(http.StatusBadRequest, codeValidation, err.Error())
	}
	t, bad := patchTag(c.site, su, p)
	if bad != nil {
		return *bad
	}
	if p.roleIDs != nil {
		if bad := validateRoles(p.roleIDs); bad != nil {
			return *bad
		}
	}
	applyUserPatch(su, p, t)
	return jsonResponse(http.StatusOK, s.siteUserWire(su, c.now))
}

func parseUserPatch(raw map[string]json.RawMessage) (userPatch, error) {
	var p userPatch
	var err error
	get := func(key string, dst any) bool {
		v, ok := raw[key]
		if ok && err == nil {
			if e := json.Unmarshal(v, dst); e != nil {
				err = fmt.Errorf("The field %s is not valid.", key)
			}
		}
		return ok
	}
	get("alias", &p.alias)
	get("first_name", &p.firstName)
	get("last_name", &p.lastName)
	get("blocked", &p.blocked)
	get("use_pin", &p.usePin)
	get("role_ids", &p.roleIDs)
	p.tagSet = get("tag_id", &p.tagID)
	p.expiresSet = get("expires_at", &p.expiresAt)
	return p, err
}

// patchTag validates the patch's tag_id and returns the tag to hold (nil:
// none).
func patchTag(st *site, su *siteUser, p userPatch) (*tag, *response) {
	if !p.tagSet {
		return su.tag, nil
	}
	if p.tagID == nil || *p.tagID == "" {
		return nil, nil
	}
	return freeTag(st, *p.tagID, su)
}

func applyUserPatch(su *siteUser, p userPatch, t *tag) {
	if p.alias != nil {
		su.alias = *p.alias
	}
	if p.firstName != nil {
		su.person.firstName = *p.firstName
	}
	if p.lastName != nil {
		su.person.lastName = *p.lastName
	}
	if p.blocked != nil {
		su.blocked = *p.blocked
	}
	if p.usePin != nil {
		su.usePin = *p.usePin
	}
	if p.roleIDs != nil {
		su.roleIDs = p.roleIDs
	}
	if p.expiresSet {
		su.expiresAt = deref(p.expiresAt)
	}
	if t != su.tag {
		assignTag(su, t)
	}
}

// deleteUser is DELETE /sites/{id}/users/{su}: 202, the seat is freed and
// the user leaves every group.
func deleteUser(c *call) response {
	su, bad := c.siteUser()
	if bad != nil {
		return *bad
	}
	c.site.removeUser(su)
	return emptyResponse(http.StatusAccepted)
}

// setSubscription is PATCH …/subscription {"state"}: 204. The field is
// "state"; "subscription_state" is 400 1101 (measured). Subscribing with
// no free seat is 400 1101 (ASSUMED).
func setSubscription(c *call) response {
	su, bad := c.siteUser()
	if bad != nil {
		return *bad
	}
	var b struct {
		State *string `json:"state"`
	}
	if bad := c.decode(&b); bad != nil {
		return *bad
	}
	switch {
	case b.State == nil:
		return *errorResponse(http.StatusBadRequest, codeValidation, "The State field is required.")
	case *b.State != stateSubscribed && *b.State != stateSuspended:
		return *errorResponse(http.StatusBadRequest, codeValidation, fmt.Sprintf("The value '%s' is not valid for State.", *b.State))
	case *b.State == stateSubscribed && su.state != stateSubscribed && c.site.subscribed >= c.site.seats:
		return *errorResponse(http.StatusBadRequest, codeValidation, "The subscription has no free seats.")
	}
	c.site.setState(su, *b.State)
	return emptyResponse(http.StatusNoContent)
}

// putPin is PUT …/pin: 200 with the new PIN as a bare JSON string; 403 2203
// while the user is provisioning (measured).
func (s *Server) putPin(c *call) response {
	su, bad := c.siteUser()
	if bad != nil {
		return *bad
	}
	if s.provisioning(su, c.now) {
		return *errorResponse(http.StatusForbidden, codeForbidden, "User does not have permission for this operation on this user")
	}
	su.pin = fmt.Sprintf("%06d", rand.IntN(1_000_000))
	return jsonResponse(http.StatusOK, su.pin)
}

// listKeys is GET …/keys: the PIN key (measured shape) and the tag (ASSUMED).
func listKeys(c *call) response {
	su, bad := c.siteUser()
	if bad != nil {
		return *bad
	}
	items := []any{}
	if su.pin != "" {
		items = append(items, map[string]any{"type": "pin", "key_identifier": "pin", "expiry_date": nil, "offline_access": false})
	}
	if su.tag != nil {
		items = append(items, map[string]any{"type": "tag", "key_identifier": su.tag.number, "expiry_date": nil, "offline_access": true})
	}
	return jsonResponse(http.StatusOK, envelope{Items: items})
}

// createGuest is POST /sites/{id}/guests {"alias","expires_at"}: 201, a
// site_guest without e-mail and with use_pin false (measured).
func (s *Server) createGuest(c *call) response {
	var b struct {
		Alias     string  `json:"alias"`
		ExpiresAt *string `json:"expires_at"`
	}
	if bad := c.decode(&b); bad != nil {
		return *bad
	}
	if strings.TrimSpace(b.Alias) == "" {
		return *errorResponse(http.StatusBadRequest, codeValidation, "The Alias field is required.")
	}
	su := &siteUser{
		id: newID(), person: c.w.personFor("", b.Alias, ""), alias: b.Alias, roleIDs: []string{roleSiteGuest},
		expiresAt: deref(b.ExpiresAt), state: c.site.stateForNewUser(), createdAt: c.now,
	}
	c.site.addUser(su)
	return jsonResponse(http.StatusCreated, s.siteUserWire(su, c.now))
}

// addExistingUser is POST /sites/{id}/users/existing {"user_id","role_ids"}
// (body ASSUMED): it links an existing platform user to the site.
func (s *Server) addExistingUser(c *call) response {
	var b struct {
		UserID  string   `json:"user_id"`
		RoleIDs []string `json:"role_ids"`
	}
	if bad := c.decode(&b); bad != nil {
		return *bad
	}
	p := c.w.people[strings.ToLower(b.UserID)]
	if p == nil {
		return *errorResponse(http.StatusNotFound, codeNotFound, "User not found")
	}
	if c.site.byPlatform[p.id] != nil {
		return *errorResponse(http.StatusBadRequest, codeValidation, "The user already belongs to this site.")
	}
	if len(b.RoleIDs) == 0 {
		b.RoleIDs = []string{roleSiteUser}
	}
	if bad := validateRoles(b.RoleIDs); bad != nil {
		return *bad
	}
	su := &siteUser{id: newID(), person: p, roleIDs: b.RoleIDs, state: c.site.stateForNewUser(), createdAt: c.now}
	c.site.addUser(su)
	c.w.recordEmail(c.site, su, "site_access", c.now)
	return jsonResponse(http.StatusCreated, s.siteUserWire(su, c.now))
}

// searchUsers is GET /users/search?search_for=&for_site_id=: platform users
// by e-mail or tag number. The envelope is ASSUMED.
func searchUsers(c *call) response {
	term := strings.TrimSpace(c.r.URL.Query().Get("search_for"))
	if term == "" {
		return *errorResponse(http.StatusBadRequest, codeValidation, "The search_for field is required.")
	}
	var forSite *site
	if id := c.r.URL.Query().Get("for_site_id"); id != "" {
		forSite, _ = c.w.sites.get(strings.ToLower(id))
	}
	items := []any{}
	for _, p := range c.w.searchPeople(term) {
		linked := forSite != nil && forSite.byPlatform[p.id] != nil
		items = append(items, map[string]any{
			"id": p.id, "first_name": p.firstName, "last_name": p.lastName, "image_url": nil,
			"is_managed": p.email == "", "has_identity": p.email != "", "is_linked": linked,
		})
	}
	return jsonResponse(http.StatusOK, envelope{Items: items})
}

// searchPeople finds people by e-mail or by the number of a tag they hold.
func (w *world) searchPeople(term string) []*person {
	if p := w.byEmail[strings.ToLower(term)]; p != nil {
		return []*person{p}
	}
	var found []*person
	for _, st := range w.sites.values() {
		if t := st.tagByNumber[strings.ToLower(term)]; t != nil && t.holder != nil {
			found = append(found, t.holder.person)
		}
	}
	return found
}

// provisioning reports whether su is inside the eventual-consistency window
// that follows its creation through the API.
func (s *Server) provisioning(su *siteUser, now time.Time) bool {
	return !su.createdAt.IsZero() && now.Before(su.createdAt.Add(s.cfg.provisioningDelay))
}

func (w *world) recordEmail(st *site, su *siteUser, kind string, now time.Time) {
	w.emails = append(w.emails, Email{
		To: su.person.email, Kind: kind, SiteID: st.id, SiteUserID: su.id, UserID: su.person.id, At: now,
	})
}

func tagNumber(su *siteUser) string {
	if su.tag == nil {
		return ""
	}
	return su.tag.number
}

func tagID(su *siteUser) string {
	if su.tag == nil {
		return ""
	}
	return su.tag.id
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
