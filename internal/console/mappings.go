package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"doorsync/access"
)

// tab is one of the mapping tabs: the mapping kind (Path) it lists and,
// for resources, which kind of resource.
type tab struct {
	Key, Label, Path string
	resourceKind     string
}

// entityPath is the API path of the tab's entities (a day pass's mapping
// is its location's).
func (t tab) entityPath() string {
	if t.Key == "day-passes" {
		return "locations"
	}
	return t.Path
}

var tabs = []tab{
	{Key: "plans", Label: "Plans", Path: "plans"},
	{Key: "locations", Label: "Locations", Path: "locations"},
	{Key: "floors", Label: "Floors", Path: "floors"},
	{Key: "desks", Label: "Desks & offices", Path: "resources", resourceKind: access.ResourceAssignable},
	{Key: "rooms", Label: "Meeting rooms", Path: "resources", resourceKind: access.ResourceBookable},
	// Day passes map by location (or at every location, "*").
	{Key: "day-passes", Label: "Day passes", Path: "day-passes"},
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

// listedEntity is what the console reads of an entity list's item.
type listedEntity struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Kind        string `json:"kind"` // a resource's: assignable or bookable
	LocationID  string `json:"location_id"`
	SaltoSiteID string `json:"salto_site_id"`
	Email       string `json:"email"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
}

// listAll reads every page of the API's list of path ("plans", …),
// following next_cursor.
func (c *console) listAll(r *http.Request, path string) ([]listedEntity, error) {
	var out []listedEntity
	q := url.Values{"limit": {"1000"}}
	for {
		var p listPage[listedEntity]
		if err := c.get(r, "/"+path+"?"+q.Encode(), &p); err != nil {
			return nil, err
		}
		out = append(out, p.Data...)
		if p.NextCursor == "" {
			return out, nil
		}
		q.Set("cursor", p.NextCursor)
	}
}

// listMappable lists a tab's entities through the API's entity lists, with
// the Salto KS site each is on (a location's own, a floor's or resource's
// location's; none for a plan).
func (c *console) listMappable(r *http.Request, t tab) ([]mappingRow, []string, error) {
	es, err := c.listAll(r, t.entityPath())
	if err != nil {
		return nil, nil, err
	}
	siteOf := map[string]string{} // location id → its site
	switch t.entityPath() {
	case "locations":
		for _, l := range es {
			siteOf[l.ID] = l.SaltoSiteID
		}
	case "floors", "resources":
		ls, err := c.listAll(r, "locations")
		if err != nil {
			return nil, nil, err
		}
		for _, l := range ls {
			siteOf[l.ID] = l.SaltoSiteID
		}
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
		site := siteOf[e.LocationID]
		if t.entityPath() == "locations" {
			site = e.SaltoSiteID
		}
		rows = append(rows, mappingRow{ID: e.ID, DOMID: e.ID, Name: name})
		sites = append(sites, site)
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

// pickedGroups reads the groups a mapping form picked ("site/group").
func pickedGroups(r *http.Request) ([]groupJSON, error) {
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	groups := []groupJSON{}
	for _, v := range r.PostForm["group"] {
		site, group, ok := strings.Cut(v, "/")
		if !ok {
			return nil, errors.New("bad group")
		}
		groups = append(groups, groupJSON{SiteID: site, GroupID: group})
	}
	return groups, nil
}

// previewPerson is one person a mapping change adds or removes.
type previewPerson struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// Label is the person's name, else their e-mail, else their id.
func (p previewPerson) Label() string {
	switch {
	case p.Name != "":
		return p.Name
	case p.Email != "":
		return p.Email
	}
	return p.ID
}

// previewGroup is what the change does to one group now.
type previewGroup struct {
	SiteID    string          `json:"site_id"`
	GroupID   string          `json:"group_id"`
	SiteName  string          `json:"site_name"`
	GroupName string          `json:"group_name"`
	Add       []previewPerson `json:"add"`
	Remove    []previewPerson `json:"remove"`
}

type previewData struct {
	Tab    tab
	ID     string
	Name   string   // the entity's name, or its id
	Picked []string // the form's groups, "site/group", for Apply
	Groups []previewGroup
}

// saveMapping previews the picked groups as the entity's mapping: the
// API's dry run says, per group, whom the change adds and removes now, and
// the page asks to apply it. Nothing is written here.
func (c *console) saveMapping(w http.ResponseWriter, r *http.Request) {
	t, id, groups, ok := mappingForm(w, r)
	if !ok {
		return
	}
	var preview struct {
		Groups []previewGroup `json:"groups"`
	}
	err := c.call(r, http.MethodPut, mappingPath(t, id)+"?dry_run=true", map[string]any{"access_groups": groups}, &preview)
	if c.mappingFailed(w, r, t, err) {
		return
	}
	n := c.knownNames(r)
	for _, g := range preview.Groups {
		n.learn(g.SiteID, g.GroupID, g.SiteName, g.GroupName)
	}
	for i := range preview.Groups {
		g := &preview.Groups[i]
		g.SiteName, g.GroupName = n.site(g.SiteID), n.group(g.SiteID, g.GroupID)
	}
	d := previewData{Tab: t, ID: id, Name: c.mappableName(r, t, id), Picked: r.PostForm["group"], Groups: preview.Groups}
	c.render(w, r, "mappingpreview", page{Title: "Save the mapping of " + d.Name + "?", Nav: "mappings", Data: d})
}

// mappingForm reads a mapping form's tab, entity and picked groups; a
// form it cannot read is answered 400 (ok false).
func mappingForm(w http.ResponseWriter, r *http.Request) (t tab, id string, groups []groupJSON, ok bool) {
	groups, err := pickedGroups(r)
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return t, "", nil, false
	}
	return tabOf(r.PathValue("tab")), r.PathValue("id"), groups, true
}

// mappableName names a tab's entity (id when it has no name).
func (c *console) mappableName(r *http.Request, t tab, id string) string {
	if id == access.AllLocations {
		return "day passes at every location"
	}
	var e struct {
		Name string `json:"name"`
	}
	if err := c.get(r, "/"+t.entityPath()+"/"+url.PathEscape(id), &e); err != nil || e.Name == "" {
		return id
	}
	return e.Name
}

// applyMapping puts the picked groups as the entity's mapping through the
// API (which checks them against the entity's site); none picked deletes it.
func (c *console) applyMapping(w http.ResponseWriter, r *http.Request) {
	t, id, groups, ok := mappingForm(w, r)
	if !ok {
		return
	}
	path := mappingPath(t, id)
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
	if c.mappingFailed(w, r, t, err) {
		return
	}
	http.Redirect(w, r, "/console/mappings?"+url.Values{"tab": {t.Key}, "done": {id}}.Encode(), http.StatusSeeOther)
}

func mappingPath(t tab, id string) string { return "/mappings/" + t.Path + "/" + url.PathEscape(id) }

// mappingFailed answers err, if any: the API's refusal on the tab's page,
// anything else as a failure.
func (c *console) mappingFailed(w http.ResponseWriter, r *http.Request, t tab, err error) bool {
	if err == nil {
		return false
	}
	var ae *apiError
	if errors.As(err, &ae) {
		w.WriteHeader(ae.Status)
		c.renderMappings(w, r, t, page{Title: "Mappings", Nav: "mappings", Error: "The mapping was not saved: " + ae.Message})
		return true
	}
	c.fail(w, r, err)
	return true
}
