package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"
)

type auditRow struct {
	At          time.Time       `json:"at"`
	Action      string          `json:"action"`
	Person      string          `json:"person"`
	SiteID      string          `json:"site_id"`
	GroupID     string          `json:"group_id"`
	SaltoUserID string          `json:"salto_user_id"`
	Reason      json.RawMessage `json:"reason"`
	Trigger     string          `json:"trigger"`
	Result      string          `json:"result"`
	Error       string          `json:"error"`
	Actor       string          `json:"actor"`
	GroupName   string          `json:"-"`
}

// nameGroups names the entries' groups ("" when the entry has none).
func (n names) nameGroups(rows []auditRow) {
	for i := range rows {
		if rows[i].GroupID != "" {
			rows[i].GroupName = n.group(rows[i].SiteID, rows[i].GroupID)
		}
	}
}

type auditData struct {
	Filter  auditFilter
	Entries []auditRow
	Next    string // the next page's query, empty on the last
}

type auditFilter struct{ Person, Result, Since string }

// audit lists the audit log, newest first, filtered by person, result and
// since, a page at a time.
func (c *console) audit(w http.ResponseWriter, r *http.Request) {
	in := r.URL.Query()
	f := auditFilter{Person: in.Get("person"), Result: in.Get("result"), Since: in.Get("since")}
	q := url.Values{"limit": {"50"}}
	for k, v := range map[string]string{"person": f.Person, "result": f.Result, "since": f.Since, "cursor": in.Get("cursor")} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var pg listPage[auditRow]
	p := page{Title: "Audit", Nav: "audit"}
	err := c.get(r, "/audit?"+q.Encode(), &pg)
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		w.WriteHeader(http.StatusBadRequest)
		p.Error = "The filter is not valid: " + ae.Message
	case err != nil:
		c.fail(w, r, err)
		return
	}
	c.groupNames(r).nameGroups(pg.Data)
	d := auditData{Filter: f, Entries: pg.Data}
	if pg.NextCursor != "" {
		q.Set("cursor", pg.NextCursor)
		q.Del("limit")
		d.Next = q.Encode()
	}
	p.Data = d
	c.render(w, r, "audit", p)
}
