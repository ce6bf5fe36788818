package console

import (
	"net/http"
	"net/url"
)

// names are the org's Salto KS sites and groups by id, read live; an
// unconnected org (or a failed read) leaves ids as they are.
type names struct {
	sites  map[string]string
	groups map[string]string // site id + "/" + group id
}

type namedRow struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
}

func (n names) site(id string) string {
	if s := n.sites[id]; s != "" {
		return s
	}
	return id
}

func (n names) group(site, id string) string {
	if s := n.groups[site+"/"+id]; s != "" {
		return s
	}
	return id
}

func (c *console) groupNames(r *http.Request) names {
	n := names{sites: map[string]string{}, groups: map[string]string{}}
	var sites listPage[namedRow]
	if err := c.get(r, "/salto/sites", &sites); err != nil {
		return n
	}
	for _, s := range sites.Data {
		n.sites[s.ID] = s.Name
		var groups listPage[namedRow]
		if err := c.get(r, "/salto/sites/"+url.PathEscape(s.ID)+"/access-groups", &groups); err != nil {
			continue
		}
		for _, g := range groups.Data {
			n.groups[s.ID+"/"+g.ID] = g.Name
		}
	}
	return n
}

func queryEscape(s string) string { return url.QueryEscape(s) }
