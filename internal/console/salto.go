package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

type siteGroups struct {
	Site   namedRow
	Groups []namedRow
}

type saltoData struct {
	Status saltoStatus
	Sites  []siteGroups
}

// saltoPage shows the connection and, once connected, the sites and their
// access groups by name.
func (c *console) saltoPage(w http.ResponseWriter, r *http.Request) {
	p := page{Title: "Salto KS", Nav: "salto"}
	if r.URL.Query().Get("done") == "connected" {
		p.Notice = "Connected to Salto KS."
	}
	c.renderSalto(w, r, p)
}

func (c *console) renderSalto(w http.ResponseWriter, r *http.Request, p page) {
	var d saltoData
	if err := c.get(r, "/salto", &d.Status); err != nil {
		c.fail(w, r, err)
		return
	}
	if d.Status.Connected {
		n := c.groupNames(r)
		for id, name := range n.sites {
			sg := siteGroups{Site: namedRow{ID: id, Name: name}}
			for key, g := range n.groups {
				if gid, ok := strings.CutPrefix(key, id+"/"); ok {
					sg.Groups = append(sg.Groups, namedRow{ID: gid, Name: g})
				}
			}
			slices.SortFunc(sg.Groups, func(a, b namedRow) int { return strings.Compare(a.Name, b.Name) })
			d.Sites = append(d.Sites, sg)
		}
		slices.SortFunc(d.Sites, func(a, b siteGroups) int { return strings.Compare(a.Site.Name, b.Site.Name) })
	}
	p.Data = d
	c.render(w, r, "salto", p)
}

// connectSalto connects with a Salto KS system user (the password grant).
// The secrets go straight to the API, which seals them; they are never
// logged or shown again.
func (c *console) connectSalto(w http.ResponseWriter, r *http.Request) {
	body := map[string]any{
		"client_id": r.PostFormValue("client_id"), "client_secret": r.PostFormValue("client_secret"),
		"username": r.PostFormValue("username"), "password": r.PostFormValue("password"),
	}
	for _, f := range []string{"identity_url", "api_url"} {
		if v := strings.TrimSpace(r.PostFormValue(f)); v != "" {
			body[f] = v
		}
	}
	if r.PostFormValue("replace") == "on" {
		body["replace"] = true
	}
	err := c.call(r, http.MethodPut, "/salto", body, nil)
	var ae *apiError
	if errors.As(err, &ae) {
		w.WriteHeader(ae.Status)
		c.renderSalto(w, r, page{Title: "Salto KS", Nav: "salto", Error: "Salto KS did not connect: " + ae.Message})
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/salto?"+url.Values{"done": {"connected"}}.Encode(), http.StatusSeeOther)
}

// authorizeSalto starts the authorization-code flow through the API and
// sends the browser on to Salto KS, with the flow's cookie the API set
// (the callback checks it). A link, not a form: the page's CSP keeps forms
// on this origin, redirects included.
func (c *console) authorizeSalto(w http.ResponseWriter, r *http.Request) {
	target := "/v1/orgs/" + sessionFrom(r.Context()).OrgID + "/salto/authorize"
	if r.URL.Query().Get("replace") == "true" {
		target += "?replace=true"
	}
	res := c.opts.Backend.Call(r.Context(), sessionFrom(r.Context()).principal(), http.MethodGet, target, nil)
	loc := res.Header.Get("Location")
	if res.Status != http.StatusFound || loc == "" {
		w.WriteHeader(http.StatusBadGateway)
		c.renderSalto(w, r, page{Title: "Salto KS", Nav: "salto", Error: "The authorization could not start: " + apiMessage(res.Body)})
		return
	}
	for _, ck := range res.Header.Values("Set-Cookie") {
		w.Header().Add("Set-Cookie", ck)
	}
	http.Redirect(w, r, loc, http.StatusSeeOther)
}
