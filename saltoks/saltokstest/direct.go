package saltokstest

import (
	"errors"
	"fmt"
	"strings"
)

// The Direct helpers change the fake's state without going through the API,
// as someone working in the Salto KS web app would. They send no e-mail,
// skip the provisioning window and are not counted as requests.

// CreateUserDirect adds a site user. Empty SiteUserID and UserID are
// generated; an e-mail already known on another site reuses that platform
// user. The user is subscribed unless u says otherwise or the site is out
// of seats (then suspended). It returns the user as stored.
func (s *Server) CreateUserDirect(siteID string, u SeedUser) (SeedUser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.site(siteID)
	if err != nil {
		return SeedUser{}, err
	}
	if u.Email != "" && st.byEmail[strings.ToLower(u.Email)] != nil {
		return SeedUser{}, fmt.Errorf("saltokstest: e-mail %q is already on site %s", u.Email, st.id)
	}
	if u.SiteUserID == "" {
		u.SiteUserID = newID()
	}
	if u.UserID == "" {
		u.UserID = s.w.personFor(u.Email, u.FirstName, u.LastName).id
	}
	if u.SubscriptionState == "" {
		u.SubscriptionState = st.stateForNewUser()
	}
	su, err := s.w.seedUser(st, u)
	if err != nil {
		return SeedUser{}, fmt.Errorf("saltokstest: %w", err)
	}
	st.addUser(su)
	return seedUserOf(su), nil
}

// CreateAccessGroupDirect adds an access group (with the "Always" schedule)
// and returns its id.
func (s *Server) CreateAccessGroupDirect(siteID, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.site(siteID)
	if err != nil {
		return "", err
	}
	g := newGroup(newID(), name)
	sc := alwaysSchedule()
	g.schedules.put(sc.id, sc)
	st.groups.put(g.id, g)
	return g.id, nil
}

// AddGroupMemberDirect adds a site's user, by PLATFORM user id, to a group.
func (s *Server) AddGroupMemberDirect(siteID, groupID, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, g, err := s.group(siteID, groupID)
	if err != nil {
		return err
	}
	su := st.byPlatform[strings.ToLower(userID)]
	if su == nil {
		return fmt.Errorf("saltokstest: %q is not a platform user id of site %s", userID, st.id)
	}
	g.members.put(su.person.id, su)
	return nil
}

// RemoveGroupMemberDirect removes a platform user id from a group.
func (s *Server) RemoveGroupMemberDirect(siteID, groupID, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, g, err := s.group(siteID, groupID)
	if err != nil {
		return err
	}
	if !g.members.del(strings.ToLower(userID)) {
		return fmt.Errorf("saltokstest: %q is not a member of group %s", userID, g.id)
	}
	return nil
}

// GroupMembers returns the platform user ids in a group, in the order they
// joined; nil for an unknown site or group.
func (s *Server) GroupMembers(siteID, groupID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, g, err := s.group(siteID, groupID)
	if err != nil {
		return nil
	}
	members := g.members.values()
	ids := make([]string, len(members))
	for i, su := range members {
		ids[i] = su.person.id
	}
	return ids
}

// SiteUsers returns a site's users in the order they were added.
func (s *Server) SiteUsers(siteID string) []SeedUser {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.site(siteID)
	if err != nil {
		return nil
	}
	var out []SeedUser
	for _, su := range st.users.values() {
		out = append(out, seedUserOf(su))
	}
	return out
}

// SetSeats changes a site's seat limit. Users already subscribed keep their
// seats; only new users are affected.
func (s *Server) SetSeats(siteID string, seats int) error {
	if seats < 0 {
		return errors.New("saltokstest: negative seats")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.site(siteID)
	if err != nil {
		return err
	}
	st.seats = seats
	return nil
}

// site finds a site; call with s.mu held.
func (s *Server) site(id string) (*site, error) {
	st, ok := s.w.sites.get(strings.ToLower(id))
	if !ok {
		return nil, fmt.Errorf("saltokstest: unknown site %q", id)
	}
	return st, nil
}

// group finds a site's group; call with s.mu held.
func (s *Server) group(siteID, groupID string) (*site, *group, error) {
	st, err := s.site(siteID)
	if err != nil {
		return nil, nil, err
	}
	g, ok := st.groups.get(strings.ToLower(groupID))
	if !ok {
		return nil, nil, fmt.Errorf("saltokstest: unknown access group %q on site %s", groupID, st.id)
	}
	return st, g, nil
}

// SetTagDirect gives a site's tag to a user (by PLATFORM user id), as an
// operator would in the Salto KS web app: the tag is taken from whoever
// held it, and the user's previous tag is released. An empty tagID takes
// the user's tag away.
func (s *Server) SetTagDirect(siteID, userID, tagID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.site(siteID)
	if err != nil {
		return err
	}
	su := st.byPlatform[strings.ToLower(userID)]
	if su == nil {
		return fmt.Errorf("saltokstest: %q is not a platform user id of site %s", userID, st.id)
	}
	if tagID == "" {
		assignTag(su, nil)
		return nil
	}
	t, ok := st.tags.get(strings.ToLower(tagID))
	if !ok {
		return fmt.Errorf("saltokstest: no tag %q on site %s", tagID, st.id)
	}
	if t.holder != nil && t.holder != su {
		assignTag(t.holder, nil)
	}
	assignTag(su, t)
	return nil
}
