package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"doorsync/access"
)

// tab is one of the mapping tabs: the entity kind it lists and, for
// resources, which kind of resource.
type tab struct {
	Key, Label, Path string
	kind             access.Kind
	resourceKind     string
}

var tabs = []tab{
	{Key: "plans", Label: "Plans", Path: "plans", kind: access.KindPlan},
	{Key: "locations", Label: "Locations", Path: "locations", kind: access.KindLocation},
	{Key: "floors", Label: "Floors", Path: "floors", kind: access.KindFloor},
	{Key: "desks", Label: "Desks & offices", Path: "resources", kind: access.KindResource, resourceKind: access.ResourceAssignable},
	{Key: "rooms", Label: "Meeting rooms", Path: "resources", kind: access.KindResource, resourceKind: access.ResourceBookable},
	// Day passes map by location (or at every location, "*").
	{Key: "day-passes", Label: "Day passes", Path: "day-passes", kind: access.KindLocation},
}

type groupOption struct {
	Value, Label string // Value is "site/group"
	Selected     bool
}

type mappingRow struct {
	ID, Name, SiteName string
	DOMID              string // ID, fit for an HTML id ("*" is "all")
	Options            []groupOption
}

type mappingsData struct {
	Tabs   []tab
	Tab    tab
	Rows   []mappingRow
	NoSalt bool
}

type mappingJSON struct {
	Kind         string      `json:"kind"`
	ID           string      `json:"id"`
	AccessGroups []groupJSON `json:"access_groups"`
}

type groupJSON struct {
	SiteID  string `json:"site_id"`
	GroupID string `json:"group_id"`
}

func tabOf(key string) tab {
	for _, t := range tabs {
		if t.Key == key {
			return t
		}
	}
	return tabs[0]
}

// listMappable lists a tab's entities; it reads the store until the API's
// entity lists land.
func (c *console) listMappable(r *http.Request, t tab) ([]mappingRow, []string, error) {
	es, err := c.opts.Store.EntityNames(r.Context(), sessionFrom(r.Context()).OrgID, t.kind, 500)
	if err != nil {
		return nil, nil, err
	}
	var rows []mappingRow
	var sites []string
	if t.Key == "day-passes" {
		rows = append(rows, mappingRow{ID: access.AllLocations, DOMID: "all", Name: "At every location"})
		sites = append(sites, "")
	}
	for _, e := range es {
		if t.resourceKind != "" && e.Kind != t.resourceKind {
			continue
		}
		name := e.Name
		if name == "" {
			name = e.ID
		}
		if t.Key == "day-passes" {
			name = "At " + name
		}
		rows = append(rows, mappingRow{ID: e.ID, DOMID: e.ID, Name: name})
		sites = append(sites, e.SiteID)
	}
	return rows, sites, nil
}

// mappings shows a tab's entities, each with a picker of the access groups
// (by name, of the entity's site; a plan's of every site) it grants.
func (c *console) mappings(w http.ResponseWriter, r *http.Request) {
	t := tabOf(r.URL.Query().Get("tab"))
	p := page{Title: "Mappings", Nav: "mappings"}
	if r.URL.Query().Get("done") != "" {
		p.Notice = "Saved the mapping of " + r.URL.Query().Get("done") + "."
	}
	c.renderMappings(w, r, t, p)
}

func (c *console) renderMappings(w http.ResponseWriter, r *http.Request, t tab, p page) {
	rows, sites, err := c.listMappable(r, t)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var current listPage[mappingJSON]
	if err := c.get(r, "/mappings?limit=1000", &current); err != nil {
		c.fail(w, r, err)
		return
	}
	mapped := map[string]bool{}
	for _, m := range current.Data {
		if m.Kind == t.Path {
			for _, g := range m.AccessGroups {
				mapped[m.ID+"|"+g.SiteID+"/"+g.GroupID] = true
			}
		}
	}
	n := c.groupNames(r)
	for i := range rows {
		rows[i].Options = n.options(sites[i], func(v string) bool { return mapped[rows[i].ID+"|"+v] })
		if sites[i] != "" {
			rows[i].SiteName = n.site(sites[i])
		}
	}
	p.Data = mappingsData{Tabs: tabs, Tab: t, Rows: rows, NoSalt: len(n.sites) == 0}
	c.render(w, r, "mappings", p)
}

// options are the groups of site (every site when empty), by site and
// group name.
func (n names) options(site string, selected func(string) bool) []groupOption {
	var out []groupOption
	for key, g := range n.groups {
		s, _, _ := strings.Cut(key, "/")
		if site != "" && s != site {
			continue
		}
		out = append(out, groupOption{Value: key, Label: n.site(s) + " · " + g, Selected: selected(key)})
	}
	slices.SortFunc(out, func(a, b groupOption) int { return strings.Compare(a.Label, b.Label) })
	return out
}

// saveMapping puts the picked groups as the entity's mapping through the
// API (which checks them against the entity's site); none picked deletes it.
func (c *console) saveMapping(w http.ResponseWriter, r *http.Request) {
	t := tabOf(r.PathValue("tab"))
	id := r.PathValue("id")
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	groups := []groupJSON{}
	for _, v := range r.PostForm["group"] {
		site, group, ok := strings.Cut(v, "/")
		if !ok {
			http.Error(w, "bad group", http.StatusBadRequest)
			return
		}
		groups = append(groups, groupJSON{SiteID: site, GroupID: group})
	}
	path := "/mappings/" + t.Path + "/" + url.PathEscape(id)
	var err error
	if len(groups) == 0 {
		err = c.call(r, http.MethodDelete, path, nil, nil)
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			err = nil
		}
	} else {
		err = c.call(r, http.MethodPut, path, map[string]any{"access_groups": groups}, nil)
	}
	var ae *apiError
	if errors.As(err, &ae) {
		w.WriteHeader(ae.Status)
		c.renderMappings(w, r, t, page{Title: "Mappings", Nav: "mappings", Error: "The mapping was not saved: " + ae.Message})
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/mappings?"+url.Values{"tab": {t.Key}, "done": {id}}.Encode(), http.StatusSeeOther)
}
