package console

import (
	"errors"
	"net/http"
	"time"
)

type platformStatus struct {
	Kind        *string        `json:"kind"`
	Connected   bool           `json:"connected"`
	ConnectedAt *time.Time     `json:"connected_at"`
	LastSyncAt  *time.Time     `json:"last_sync_at"`
	LastError   string         `json:"last_error"`
	Counts      map[string]int `json:"counts"`
	Held        string         `json:"held"`
	WebhookURL  string         `json:"webhook_url"`
}

// platformPage shows the coworking platform connection and its sync.
func (c *console) platformPage(w http.ResponseWriter, r *http.Request) {
	p := page{Title: "Platform", Nav: "platform"}
	if r.URL.Query().Get("synced") != "" {
		p.Notice = "A sync has started."
	}
	var st platformStatus
	err := c.get(r, "/platform", &st)
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		p.Error = "The platform connection is not available: " + ae.Message
	case err != nil:
		c.fail(w, r, err)
		return
	}
	p.Data = st
	c.render(w, r, "platform", p)
}

// syncPlatform starts a full sync of the platform now; with
// approve_removals, one that deletes what the removal guard held.
func (c *console) syncPlatform(w http.ResponseWriter, r *http.Request) {
	body := map[string]bool{"approve_removals": r.PostFormValue("approve_removals") == "1"}
	err := c.call(r, http.MethodPost, "/platform/sync", body, nil)
	var ae *apiError
	if errors.As(err, &ae) {
		w.WriteHeader(ae.Status)
		c.render(w, r, "platform", page{Title: "Platform", Nav: "platform", Data: platformStatus{}, Error: "The sync did not start: " + ae.Message})
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/platform?synced=1", http.StatusSeeOther)
}
