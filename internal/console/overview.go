package console

import (
	"net/http"
	"time"

	"doorsync/store"
)

type saltoStatus struct {
	Connected bool   `json:"connected"`
	Mode      string `json:"mode"`
	Sites     int    `json:"sites"`
	LastError string `json:"last_error"`
}

type overviewData struct {
	Salto         saltoStatus
	Problems      int
	ProblemsMore  bool
	Holds         int
	HoldsMore     bool
	SaltoReadFail string
	store.OrgOverview
}

// overview is the org at a glance: the Salto KS connection, problems and
// holds awaiting a decision.
func (c *console) overview(w http.ResponseWriter, r *http.Request) {
	var d overviewData
	if err := c.get(r, "/salto", &d.Salto); err != nil {
		d.SaltoReadFail = err.Error()
	}
	var probs listPage[problemRow]
	if err := c.get(r, "/problems?limit=100", &probs); err != nil {
		c.fail(w, r, err)
		return
	}
	d.Problems, d.ProblemsMore = len(probs.Data), probs.NextCursor != ""
	var holds listPage[holdRow]
	if err := c.get(r, "/holds?limit=100", &holds); err != nil {
		c.fail(w, r, err)
		return
	}
	d.Holds, d.HoldsMore = len(holds.Data), holds.NextCursor != ""
	// Read from the store until the API answers them (the last run, the
	// count of people with access).
	ov, err := c.opts.Store.Overview(r.Context(), sessionFrom(r.Context()).OrgID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.OrgOverview = ov
	c.render(w, r, "overview", page{Title: "Overview", Nav: "overview", Data: d})
}

type problemRow struct {
	Person  string    `json:"person"`
	Problem string    `json:"problem"`
	Since   time.Time `json:"since"`
}

// problems lists the people with a problem retrying cannot fix.
func (c *console) problems(w http.ResponseWriter, r *http.Request) {
	var probs listPage[problemRow]
	if err := c.get(r, "/problems?limit=100"+cursorParam(r), &probs); err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, "problems", page{Title: "Problems", Nav: "problems", Data: probs})
}

func cursorParam(r *http.Request) string {
	if cur := r.URL.Query().Get("cursor"); cur != "" {
		return "&cursor=" + queryEscape(cur)
	}
	return ""
}
