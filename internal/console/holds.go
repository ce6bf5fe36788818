package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"doorsync/access"
)

type heldRemoval struct {
	SaltoUserID string `json:"salto_user_id"`
	Person      string `json:"person"`
	Name        string `json:"-"` // the member's name, when Person is one
	MemberID    string `json:"-"`
}

type holdRow struct {
	ID        string        `json:"id"`
	SiteID    string        `json:"site_id"`
	GroupID   string        `json:"group_id"`
	Status    string        `json:"status"`
	HeldAt    time.Time     `json:"held_at"`
	Problem   string        `json:"problem"`
	Members   int           `json:"members"`
	Remove    []heldRemoval `json:"remove"`
	GroupName string        `json:"-"`
	SiteName  string        `json:"-"`
}

// holds lists the mass-removal guard's holds awaiting a decision, with
// their groups by name.
func (c *console) holds(w http.ResponseWriter, r *http.Request) {
	holds, err := c.openHolds(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := page{Title: "Holds", Nav: "holds", Data: holds}
	switch r.URL.Query().Get("done") {
	case "approve":
		p.Notice = "Approved: the held removals are being made."
	case "reject":
		p.Notice = "Rejected: no one is removed."
	}
	c.render(w, r, "holds", p)
}

func (c *console) openHolds(r *http.Request) ([]holdRow, error) {
	var page listPage[holdRow]
	if err := c.get(r, "/holds?limit=100", &page); err != nil {
		return nil, err
	}
	names, people := c.groupNames(r), map[string]string{}
	for i := range page.Data {
		h := &page.Data[i]
		h.SiteName, h.GroupName = names.site(h.SiteID), names.group(h.SiteID, h.GroupID)
		for j := range h.Remove {
			c.nameRemoval(r, &h.Remove[j], people)
		}
	}
	return page.Data, nil
}

// maxNamed bounds the member look-ups of one holds page; past it, people
// show by key.
const maxNamed = 200

// nameRemoval names a held member by their name, each looked up once.
func (c *console) nameRemoval(r *http.Request, hr *heldRemoval, seen map[string]string) {
	id, ok := strings.CutPrefix(hr.Person, access.PersonMember+":")
	if !ok {
		return
	}
	hr.MemberID = id
	if n, ok := seen[id]; ok {
		hr.Name = n
		return
	}
	if len(seen) >= maxNamed {
		return
	}
	var m struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Email     string `json:"email"`
	}
	if err := c.get(r, "/members/"+url.PathEscape(id), &m); err == nil {
		hr.Name = strings.TrimSpace(m.FirstName + " " + m.LastName)
		if hr.Name == "" {
			hr.Name = m.Email
		}
	}
	seen[id] = hr.Name
}

// confirmHold asks before deciding, saying how many people it removes.
func (c *console) confirmHold(w http.ResponseWriter, r *http.Request) {
	decision := r.PathValue("decision")
	if decision != "approve" && decision != "reject" {
		http.NotFound(w, r)
		return
	}
	holds, err := c.openHolds(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	for _, h := range holds {
		if h.ID == r.PathValue("id") {
			c.render(w, r, "confirmhold", page{Title: "Confirm", Nav: "holds",
				Data: struct {
					Hold     holdRow
					Decision string
				}{h, decision}})
			return
		}
	}
	http.Redirect(w, r, "/console/holds", http.StatusSeeOther)
}

// decideHold approves or rejects a hold through the API.
func (c *console) decideHold(w http.ResponseWriter, r *http.Request) {
	decision := r.PathValue("decision")
	if decision != "approve" && decision != "reject" {
		http.NotFound(w, r)
		return
	}
	err := c.call(r, http.MethodPost, "/holds/"+url.PathEscape(r.PathValue("id"))+"/"+decision, nil, nil)
	var ae *apiError
	if errors.As(err, &ae) {
		holds, _ := c.openHolds(r)
		w.WriteHeader(ae.Status)
		c.render(w, r, "holds", page{Title: "Holds", Nav: "holds", Data: holds, Error: ae.Message})
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/holds?done="+decision, http.StatusSeeOther)
}
