package console

import (
	"errors"
	"net/http"
	"net/url"
	"time"
)

type heldRemoval struct {
	SaltoUserID string `json:"salto_user_id"`
	Person      string `json:"person"`
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
	names := c.groupNames(r)
	for i := range page.Data {
		h := &page.Data[i]
		h.SiteName, h.GroupName = names.site(h.SiteID), names.group(h.SiteID, h.GroupID)
	}
	return page.Data, nil
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
