package saltokstest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// builtinRole is a role every site has; the ids are global (measured),
// except site_guest's, which was not observed (ASSUMED).
type builtinRole struct{ id, code, name string }

var builtinRoles = []builtinRole{
	{"8f6081a3-80fb-11e8-a892-000d3a221c5b", "site_user", "Site User"},
	{"7d53b0b3-3ef7-11e8-9f1c-0050568d6e36", "site_admin", "Site Admin"},
	{"9df437bb-80fb-11e8-a892-000d3a221c5b", "site_mobile_user", "Site Mobile User"},
	{"1243f463-1033-11ea-ac2c-000d3a46a880", "site_pod_member", "Pod Member"},
	{"58ebcde4-d01d-11eb-b9e0-000d3a46a880", "site_remote_office_mode_user", "Remote Office Mode User"},
	{"0d3b5f2e-6c1a-4b8e-9f3a-5a1c2e7b9d40", "site_guest", "Site Guest"},
}

const (
	roleSiteUser  = "8f6081a3-80fb-11e8-a892-000d3a221c5b"
	roleSiteGuest = "0d3b5f2e-6c1a-4b8e-9f3a-5a1c2e7b9d40"
)

func findRole(id string) (builtinRole, bool) {
	for _, r := range builtinRoles {
		if strings.EqualFold(r.id, id) {
			return r, true
		}
	}
	return builtinRole{}, false
}

func roleWire(id string) roleJSON {
	r, _ := findRole(id)
	return roleJSON{ID: r.id, CustomerReference: r.name, Code: r.code, IsHierarchical: true}
}

var siteFields = fields[*site]{
	"id":                 func(s *site) string { return s.id },
	"customer_reference": func(s *site) string { return s.name },
	"site_uid":           func(s *site) string { return s.siteUID },
	"time_zone":          func(s *site) string { return s.timeZone },
}

func (s *Server) siteRoutes(mux *http.ServeMux) {
	s.connect(mux, "GET /{version}/sites", listSites)
	s.connect(mux, "GET /{version}/sites/{site_id}", getSite)
	s.connect(mux, "GET /{version}/sites/{site_id}/subscription", getSubscription)
	s.connect(mux, "GET /{version}/sites/{site_id}/roles", listRoles)
	s.connect(mux, "GET /{version}/me", getMe)
	s.connect(mux, "GET /{version}/sites/{site_id}/me", s.getSiteMe)
}

func listSites(c *call) response {
	q, bad := parseListQuery(c.r.URL.Query())
	if bad != nil {
		return *bad
	}
	return list(c, q, c.w.sites.values(), siteFields, siteWire)
}

func getSite(c *call) response { return jsonResponse(http.StatusOK, siteWire(c.site)) }

// getSubscription is the measured GET /sites/{id}/subscription.
func getSubscription(c *call) response {
	return jsonResponse(http.StatusOK, map[string]any{
		"user_amount": c.site.seats,
		"type":        "default",
		"features":    []string{"pods", "events_streaming", "smart_tag_assignment", "nfc", "events_storage", "activity_log"},
	})
}

func listRoles(c *call) response {
	items := make([]any, 0, len(builtinRoles))
	for _, r := range builtinRoles {
		items = append(items, roleWire(r.id))
	}
	return jsonResponse(http.StatusOK, envelope{Items: items})
}

// getMe is the caller's platform profile; its id is derived from the login.
func getMe(c *call) response {
	sum := sha256.Sum256([]byte(c.session.clientID + "\x00" + c.session.username))
	h := hex.EncodeToString(sum[:16])
	id := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	return jsonResponse(http.StatusOK, map[string]any{
		"id": id, "email": c.session.username, "first_name": "Integration", "last_name": "User",
		"phone": nil, "language": "en", "tag_number": nil, "image_url": nil,
	})
}

// getSiteMe is the caller's site user: the site user whose e-mail is the
// login, else 404 2202.
func (s *Server) getSiteMe(c *call) response {
	su := c.site.byEmail[strings.ToLower(c.session.username)]
	if su == nil {
		return *errorResponse(http.StatusNotFound, codeNotFound, "User not found")
	}
	return jsonResponse(http.StatusOK, s.siteUserWire(su, c.now))
}
