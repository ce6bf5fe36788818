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

// knownNames names sites and groups from names an API answer carried
// (explain's, a preview's), reading the live listing, once, only for an id
// none carried.
type knownNames struct {
	c     *console
	r     *http.Request
	known names
	live  *names
}

func (c *console) knownNames(r *http.Request) *knownNames {
	return &knownNames{c: c, r: r, known: names{sites: map[string]string{}, groups: map[string]string{}}}
}

// learn keeps the names an answer carried ("" when it had none).
func (k *knownNames) learn(site, group, siteName, groupName string) {
	if siteName != "" {
		k.known.sites[site] = siteName
	}
	if groupName != "" {
		k.known.groups[site+"/"+group] = groupName
	}
}

func (k *knownNames) listed() names {
	if k.live == nil {
		n := k.c.groupNames(k.r)
		k.live = &n
	}
	return *k.live
}

func (k *knownNames) site(id string) string {
	if s := k.known.sites[id]; s != "" {
		return s
	}
	return k.listed().site(id)
}

func (k *knownNames) group(site, id string) string {
	if s := k.known.groups[site+"/"+id]; s != "" {
		return s
	}
	return k.listed().group(site, id)
}

func queryEscape(s string) string { return url.QueryEscape(s) }
