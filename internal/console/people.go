package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"doorsync/access"
)

// findPeople searches the org's members by name, e-mail or id: the API's
// member list with ?query=, its first page.
func (c *console) findPeople(r *http.Request, query string) ([]personRow, error) {
	var ms listPage[listedEntity]
	if err := c.get(r, "/members?"+url.Values{"query": {query}, "limit": {"50"}}.Encode(), &ms); err != nil {
		return nil, err
	}
	out := make([]personRow, 0, len(ms.Data))
	for _, m := range ms.Data {
		out = append(out, personRow{ID: m.ID, Email: m.Email, Name: strings.TrimSpace(m.FirstName + " " + m.LastName)})
	}
	return out, nil
}

type personRow struct{ ID, Email, Name string }

type peopleData struct {
	Query  string
	People []personRow
}

// people searches members.
func (c *console) people(w http.ResponseWriter, r *http.Request) {
	d := peopleData{Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	p := page{Title: "People", Nav: "people", Data: d}
	if d.Query != "" {
		var err error
		d.People, err = c.findPeople(r, d.Query)
		var ae *apiError
		switch {
		case errors.As(err, &ae):
			w.WriteHeader(ae.Status)
			p.Error = "The search is not valid: " + ae.Message
			d.Query = ""
		case err != nil:
			c.fail(w, r, err)
			return
		}
		p.Data = d
	}
	c.render(w, r, "people", p)
}

type reasonJSON struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Via     string `json:"via"`
	Ref     string `json:"ref"`
	Through string `json:"through"`
}

type groupAccess struct {
	SiteID    string       `json:"site_id"`
	GroupID   string       `json:"group_id"`
	Active    bool         `json:"active"`
	From      time.Time    `json:"from"`
	Until     *time.Time   `json:"until"`
	Applied   bool         `json:"applied"`
	Reasons   []reasonJSON `json:"reasons"`
	GroupName string       `json:"group_name"`
	SiteName  string       `json:"site_name"`
	Words     []string     `json:"-"`
}

type explained struct {
	SaltoUsers []struct {
		SiteID            string `json:"site_id"`
		UserID            string `json:"user_id"`
		SubscriptionState string `json:"subscription_state"`
		TagNumber         string `json:"tag_number"`
	} `json:"salto_users"`
	Groups   []groupAccess `json:"groups"`
	Upcoming []groupAccess `json:"upcoming"`
	// AppliedNotGranted (about to be revoked) is read for its names only.
	AppliedNotGranted []groupAccess `json:"applied_not_granted"`
	Problem           string        `json:"problem"`
}

type personData struct {
	ID, Name, Email string
	Access          explained
	Audit           []auditRow
}

// person explains one member's access: groups by name, windows, reasons in
// words, what is upcoming and applied, problems, and their audit trail.
func (c *console) person(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var m struct {
		Email     string `json:"email"`
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
	}
	if err := c.get(r, "/members/"+url.PathEscape(id), &m); err != nil {
		http.Error(w, "no such member", http.StatusNotFound)
		return
	}
	d := personData{ID: id, Name: strings.TrimSpace(m.FirstName + " " + m.LastName), Email: m.Email}
	if err := c.get(r, "/members/"+url.PathEscape(id)+"/access", &d.Access); err != nil {
		c.fail(w, r, err)
		return
	}
	var audit listPage[auditRow]
	if err := c.get(r, "/audit?limit=20&person="+url.QueryEscape(access.PersonMember+":"+id), &audit); err != nil {
		c.fail(w, r, err)
		return
	}
	d.Audit = audit.Data
	// Groups by the names explain carries; the live listing only for one
	// it has none for (doorsync never listed it) or an audit entry's group
	// explain does not name.
	n, words := c.knownNames(r), &reasonWords{c: c, r: r, names: map[string]string{}}
	for _, gs := range [][]groupAccess{d.Access.Groups, d.Access.Upcoming, d.Access.AppliedNotGranted} {
		for _, g := range gs {
			n.learn(g.SiteID, g.GroupID, g.SiteName, g.GroupName)
		}
	}
	for i := range d.Audit {
		if a := &d.Audit[i]; a.GroupID != "" {
			a.GroupName = n.group(a.SiteID, a.GroupID)
		}
	}
	for _, gs := range [][]groupAccess{d.Access.Groups, d.Access.Upcoming} {
		for i := range gs {
			g := &gs[i]
			g.SiteName, g.GroupName = n.site(g.SiteID), n.group(g.SiteID, g.GroupID)
			for _, rs := range g.Reasons {
				g.Words = append(g.Words, words.say(rs))
			}
		}
	}
	title := d.Name
	if title == "" {
		title = id
	}
	p := page{Title: title, Nav: "people", Data: d}
	if r.URL.Query().Get("reapplied") != "" {
		p.Notice = "Re-applying: queued. doorsync recomputes their access and applies the difference in Salto KS."
	}
	c.render(w, r, "person", p)
}

// reapply asks the API to re-apply a member's access now (it queues a
// poke of their access workflow) and shows their page saying so.
func (c *console) reapply(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := c.call(r, http.MethodPost, "/members/"+url.PathEscape(id)+"/reapply", nil, nil)
	var ae *apiError
	if errors.As(err, &ae) {
		http.Error(w, "Re-applying was refused: "+ae.Message, ae.Status)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/people/"+url.PathEscape(id)+"?reapplied=1", http.StatusSeeOther)
}

// reasonWords says a reason in words ("Membership ms-alice, via plan Hot
// desk"), naming the mapped entity, each read once.
type reasonWords struct {
	c     *console
	r     *http.Request
	names map[string]string
}

var (
	sourceWords = map[string]string{string(access.KindMembership): "Membership", string(access.KindBooking): "Booking", string(access.KindDayPass): "Day pass"}
	// viaPaths and viaWords are keyed by explain's "via": a mapped kind, or
	// bookable_resource.
	viaPaths = map[string]string{string(access.KindPlan): "plans", string(access.KindLocation): "locations", string(access.KindFloor): "floors",
		string(access.KindResource): "resources", "bookable_resource": "resources"}
	viaWords = map[string]string{"bookable_resource": "bookable resource", string(access.KindDayPass): "day passes"}
)

func (rw *reasonWords) say(rs reasonJSON) string {
	src := sourceWords[rs.Kind]
	if src == "" {
		src = rs.Kind
	}
	via := viaWords[rs.Via]
	if via == "" {
		via = rs.Via
	}
	s := src + " " + rs.ID + ", via " + via + " " + rw.name(rs.Via, rs.Ref)
	if rs.Through != "" {
		s += ", through " + rs.Through
	}
	return s
}

func (rw *reasonWords) name(via, ref string) string {
	p, ok := viaPaths[via]
	if !ok {
		return ref
	}
	key := p + "/" + ref
	if n, ok := rw.names[key]; ok {
		return n
	}
	var e struct {
		Name string `json:"name"`
	}
	n := ref
	if err := rw.c.get(rw.r, "/"+p+"/"+url.PathEscape(ref), &e); err == nil && e.Name != "" {
		n = e.Name
	}
	rw.names[key] = n
	return n
}
