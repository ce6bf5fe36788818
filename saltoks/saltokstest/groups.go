package saltokstest

import (
	"net/http"
	"strings"
)

var groupFields = fields[*group]{
	"id":                 func(g *group) string { return g.id },
	"customer_reference": func(g *group) string { return g.name },
}

var memberFields = fields[*siteUser]{
	"id":         func(u *siteUser) string { return u.person.id },
	"first_name": func(u *siteUser) string { return u.person.firstName },
	"last_name":  func(u *siteUser) string { return u.person.lastName },
	"email":      func(u *siteUser) string { return u.person.email },
}

func (s *Server) groupRoutes(mux *http.ServeMux) {
	const g = "/{version}/sites/{site_id}/access_groups"
	s.connect(mux, "GET "+g, listGroups)
	s.connect(mux, "POST "+g, createGroup)
	s.connect(mux, "GET "+g+"/{group_id}", withGroup(getGroup))
	s.connect(mux, "PATCH "+g+"/{group_id}", withGroup(patchGroup))
	s.connect(mux, "DELETE "+g+"/{group_id}", withGroup(deleteGroup))
	s.connect(mux, "GET "+g+"/{group_id}/users", withGroup(listMembers))
	s.connect(mux, "POST "+g+"/{group_id}/users", withGroup(s.addMember))
	s.connect(mux, "PATCH "+g+"/{group_id}/users", withGroup(s.patchMembers))
	s.connect(mux, "DELETE "+g+"/{group_id}/users/{user_id}", withGroup(removeMember))
	s.connect(mux, "GET "+g+"/{group_id}/locks", withGroup(listGroupLocks))
	s.connect(mux, "POST "+g+"/{group_id}/locks", withGroup(addGroupLock))
	s.connect(mux, "PATCH "+g+"/{group_id}/locks", withGroup(patchGroupLocks))
	s.connect(mux, "DELETE "+g+"/{group_id}/locks/{lock_id}", withGroup(removeGroupLock))
}

// withGroup resolves {group_id} (404 2202 when unknown) for h.
func withGroup(h func(*call, *group) response) handlerFunc {
	return func(c *call) response {
		g, ok := c.site.groups.get(strings.ToLower(c.param("group_id")))
		if !ok {
			return *errorResponse(http.StatusNotFound, codeNotFound, "Access group not found")
		}
		return h(c, g)
	}
}

func listGroups(c *call) response {
	q, bad := parseListQuery(c.r.URL.Query())
	if bad != nil {
		return *bad
	}
	return list(c, q, c.site.groups.values(), groupFields, groupWire)
}

type groupBody struct {
	CustomerReference *string `json:"customer_reference"`
}

// createGroup is POST …/access_groups: 200 (measured), duplicates allowed.
func createGroup(c *call) response {
	var b groupBody
	if bad := c.decode(&b); bad != nil {
		return *bad
	}
	if b.CustomerReference == nil || *b.CustomerReference == "" {
		return *errorResponse(http.StatusBadRequest, codeValidation, "The CustomerReference field is required.")
	}
	g := newGroup(newID(), *b.CustomerReference)
	c.site.groups.put(g.id, g)
	return jsonResponse(http.StatusOK, groupWire(g))
}

func getGroup(_ *call, g *group) response { return jsonResponse(http.StatusOK, groupWire(g)) }

func patchGroup(c *call, g *group) response {
	var b groupBody
	if bad := c.decode(&b); bad != nil {
		return *bad
	}
	if b.CustomerReference != nil {
		if *b.CustomerReference == "" {
			return *errorResponse(http.StatusBadRequest, codeValidation, "The CustomerReference field is required.")
		}
		g.name = *b.CustomerReference
	}
	return jsonResponse(http.StatusOK, groupWire(g))
}

func deleteGroup(c *call, g *group) response {
	c.site.groups.del(g.id)
	return emptyResponse(http.StatusNoContent)
}

// listMembers is GET …/users: the members by PLATFORM user id.
func listMembers(c *call, g *group) response {
	q, bad := parseListQuery(c.r.URL.Query())
	if bad != nil {
		return *bad
	}
	return list(c, q, g.members.values(), memberFields, memberWire)
}

// addMember is POST …/users {"user_id": platform id}: 200 with the member.
// A site-user id, an unknown id, or a user still provisioning is 404 2202
// "User not found" (measured). Adding a member again is a no-op 200
// (ASSUMED).
func (s *Server) addMember(c *call, g *group) response {
	var b struct {
		UserID string `json:"user_id"`
	}
	if bad := c.decode(&b); bad != nil {
		return *bad
	}
	su, bad := s.memberCandidate(c, b.UserID)
	if bad != nil {
		return *bad
	}
	g.members.put(su.person.id, su)
	return jsonResponse(http.StatusOK, memberWire(su))
}

// memberCandidate resolves a platform user id of this site that may join a
// group now.
func (s *Server) memberCandidate(c *call, platformID string) (*siteUser, *response) {
	su := c.site.byPlatform[strings.ToLower(platformID)]
	if su == nil || s.provisioning(su, c.now) {
		return nil, errorResponse(http.StatusNotFound, codeNotFound, "User not found")
	}
	return su, nil
}

// patchMembers is PATCH …/users {"add_ids","remove_ids"}: 204, all or
// nothing; an unknown add id is 404 2202, removing a non-member is ignored.
func (s *Server) patchMembers(c *call, g *group) response {
	var b struct {
		AddIDs    []string `json:"add_ids"`
		RemoveIDs []string `json:"remove_ids"`
	}
	if bad := c.decode(&b); bad != nil {
		return *bad
	}
	adds := make([]*siteUser, 0, len(b.AddIDs))
	for _, id := range b.AddIDs {
		su, bad := s.memberCandidate(c, id)
		if bad != nil {
			return *bad
		}
		adds = append(adds, su)
	}
	for _, su := range adds {
		g.members.put(su.person.id, su)
	}
	for _, id := range b.RemoveIDs {
		g.members.del(strings.ToLower(id))
	}
	return emptyResponse(http.StatusNoContent)
}

// removeMember is DELETE …/users/{platform id}: 204; 404 2202 if not a
// member.
func removeMember(c *call, g *group) response {
	if !g.members.del(strings.ToLower(c.param("user_id"))) {
		return *errorResponse(http.StatusNotFound, codeNotFound, "User not found")
	}
	return emptyResponse(http.StatusNoContent)
}

func listGroupLocks(c *call, g *group) response {
	q, bad := parseListQuery(c.r.URL.Query())
	if bad != nil {
		return *bad
	}
	return list(c, q, g.locks.values(), lockFields, lockWire)
}

// addGroupLock is POST …/locks {"lock_id"}: 200 with the group (as the
// observed mocks answer); unknown lock 404 2202.
func addGroupLock(c *call, g *group) response {
	var b struct {
		LockID string `json:"lock_id"`
	}
	if bad := c.decode(&b); bad != nil {
		return *bad
	}
	l, ok := c.site.locks.get(strings.ToLower(b.LockID))
	if !ok {
		return *errorResponse(http.StatusNotFound, codeNotFound, "Lock not found")
	}
	g.locks.put(l.id, l)
	return jsonResponse(http.StatusOK, groupWire(g))
}

// patchGroupLocks is PATCH …/locks {"add_ids","remove_ids"}: 204.
func patchGroupLocks(c *call, g *group) response {
	var b struct {
		AddIDs    []string `json:"add_ids"`
		RemoveIDs []string `json:"remove_ids"`
	}
	if bad := c.decode(&b); bad != nil {
		return *bad
	}
	adds := make([]*lock, 0, len(b.AddIDs))
	for _, id := range b.AddIDs {
		l, ok := c.site.locks.get(strings.ToLower(id))
		if !ok {
			return *errorResponse(http.StatusNotFound, codeNotFound, "Lock not found")
		}
		adds = append(adds, l)
	}
	for _, l := range adds {
		g.locks.put(l.id, l)
	}
	for _, id := range b.RemoveIDs {
		g.locks.del(strings.ToLower(id))
	}
	return emptyResponse(http.StatusNoContent)
}

func removeGroupLock(c *call, g *group) response {
	if !g.locks.del(strings.ToLower(c.param("lock_id"))) {
		return *errorResponse(http.StatusNotFound, codeNotFound, "Lock not found")
	}
	return emptyResponse(http.StatusNoContent)
}
