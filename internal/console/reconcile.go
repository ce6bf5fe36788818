package console

import (
	"errors"
	"net/http"
	"net/url"
)

type planGroup struct {
	SiteID    string        `json:"site_id"`
	GroupID   string        `json:"group_id"`
	Members   int           `json:"members"`
	Add       []heldRemoval `json:"add"`
	Remove    []heldRemoval `json:"remove"`
	Held      bool          `json:"held"`
	Problem   string        `json:"problem"`
	GroupName string        `json:"-"`
	SiteName  string        `json:"-"`
}

type dryRun struct {
	RunID  string      `json:"run_id"`
	Status string      `json:"status"`
	Groups []planGroup `json:"groups"`
}

type reconcileData struct {
	Plan *dryRun
}

// reconcilePage offers a dry run; after one, it shows the plan, group by
// group, and offers to apply.
func (c *console) reconcilePage(w http.ResponseWriter, r *http.Request) {
	p := page{Title: "Reconcile", Nav: "reconcile", Data: reconcileData{}}
	if run := r.URL.Query().Get("started"); run != "" {
		p.Notice = "Reconciliation run " + run + " started: it applies the plan now."
	}
	c.render(w, r, "reconcile", p)
}

// reconcile runs a dry run (and shows its plan) or a real run (202).
func (c *console) reconcile(w http.ResponseWriter, r *http.Request) {
	dry := r.PostFormValue("dry_run") == "true"
	p := page{Title: "Reconcile", Nav: "reconcile", Data: reconcileData{}}
	if !dry {
		var started struct {
			RunID string `json:"run_id"`
		}
		err := c.call(r, http.MethodPost, "/reconcile", map[string]any{"dry_run": false}, &started)
		if c.reconcileFailed(w, r, p, err) {
			return
		}
		http.Redirect(w, r, "/console/reconcile?"+url.Values{"started": {started.RunID}}.Encode(), http.StatusSeeOther)
		return
	}
	var plan dryRun
	err := c.call(r, http.MethodPost, "/reconcile", map[string]any{"dry_run": true}, &plan)
	if c.reconcileFailed(w, r, p, err) {
		return
	}
	n := c.groupNames(r)
	for i := range plan.Groups {
		g := &plan.Groups[i]
		g.SiteName, g.GroupName = n.site(g.SiteID), n.group(g.SiteID, g.GroupID)
	}
	p.Data = reconcileData{Plan: &plan}
	c.render(w, r, "reconcile", p)
}

// reconcileFailed renders an API refusal (a run already running, no
// Salto KS) on the page, and reports whether there was an error.
func (c *console) reconcileFailed(w http.ResponseWriter, r *http.Request, p page, err error) bool {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		w.WriteHeader(ae.Status)
		p.Error = "Reconciliation did not run: " + ae.Message
		c.render(w, r, "reconcile", p)
		return true
	case err != nil:
		c.fail(w, r, err)
		return true
	}
	return false
}
