package console

import (
	"net/http"
	"net/url"
)

type listPage[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor"`
}

type orgRow struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
}

// orgsPage lets the admin pick the org to look at; an org key has one.
func (c *console) orgsPage(w http.ResponseWriter, r *http.Request) {
	if sessionFrom(r.Context()).Role != "admin" {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return
	}
	var orgs listPage[orgRow]
	q := url.Values{"limit": {"100"}}
	if cur := r.URL.Query().Get("cursor"); cur != "" {
		q.Set("cursor", cur)
	}
	if err := c.callAPI(r, http.MethodGet, "/v1/orgs?"+q.Encode(), nil, &orgs); err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, "orgs", page{Title: "Pick an org", Nav: "orgs", Data: orgs})
}

// pickOrg points the admin's session at an org that exists.
func (c *console) pickOrg(w http.ResponseWriter, r *http.Request) {
	s := sessionFrom(r.Context())
	org := r.PostFormValue("org")
	if s.Role != "admin" {
		http.Error(w, "only the admin picks the org", http.StatusForbidden)
		return
	}
	if err := c.callAPI(r, http.MethodGet, "/v1/orgs/"+url.PathEscape(org), nil, nil); err != nil {
		http.Error(w, "no such org", http.StatusNotFound)
		return
	}
	if err := c.opts.Store.SetConsoleSessionOrg(r.Context(), s.IDHash, org); err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}
