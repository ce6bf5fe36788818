package console

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"time"
)

// webhookEvents are the events a webhook may subscribe to (store's).
var webhookEvents = []string{"access.problem", "hold.created", "hold.expired", "connection.failed", "connection.restored", "reconcile.drift"}

type webhookRow struct {
	ID         string    `json:"id"`
	URL        string    `json:"url"`
	Events     []string  `json:"events"`
	Secret     string    `json:"secret"`
	CreatedAt  time.Time `json:"created_at"`
	Deliveries []deliveryRow
}

type deliveryRow struct {
	EventID     string     `json:"event_id"`
	Type        string     `json:"type"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	LastStatus  int        `json:"last_status"`
	LastError   string     `json:"last_error"`
	QueuedAt    time.Time  `json:"queued_at"`
	DeliveredAt *time.Time `json:"delivered_at"`
}

type webhooksData struct {
	Hooks  []webhookRow
	Events []string
	Secret string // a new webhook's secret, shown once
	Tested bool   // a test event was just queued
}

// webhooksPage lists the org's webhooks with their last deliveries.
func (c *console) webhooksPage(w http.ResponseWriter, r *http.Request) {
	c.renderWebhooks(w, r, page{Title: "Webhooks", Nav: "webhooks"}, "")
}

func (c *console) renderWebhooks(w http.ResponseWriter, r *http.Request, p page, secret string) {
	var hooks listPage[webhookRow]
	if err := c.get(r, "/webhooks?limit=100", &hooks); err != nil {
		c.fail(w, r, err)
		return
	}
	for i := range hooks.Data {
		var ds listPage[deliveryRow]
		if err := c.get(r, "/webhooks/"+url.PathEscape(hooks.Data[i].ID)+"/deliveries?limit=5", &ds); err != nil {
			c.fail(w, r, err)
			return
		}
		hooks.Data[i].Deliveries = ds.Data
	}
	tested := r.URL.Query().Get("tested") != ""
	p.Data = webhooksData{Hooks: hooks.Data, Events: webhookEvents, Secret: secret, Tested: tested}
	c.render(w, r, "webhooks", p)
}

// addWebhook creates a webhook; its signing secret is shown once.
func (c *console) addWebhook(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	b := make([]byte, 8)
	rand.Read(b)
	var created webhookRow
	err := c.call(r, http.MethodPut, "/webhooks/wh-"+hex.EncodeToString(b),
		map[string]any{"url": r.PostFormValue("url"), "events": r.PostForm["event"]}, &created)
	var ae *apiError
	if errors.As(err, &ae) {
		w.WriteHeader(ae.Status)
		c.renderWebhooks(w, r, page{Title: "Webhooks", Nav: "webhooks", Error: "The webhook was not added: " + ae.Message}, "")
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.renderWebhooks(w, r, page{Title: "Webhooks", Nav: "webhooks", Notice: "Added the webhook " + created.ID + "."}, created.Secret)
}

// testWebhook queues a webhook.test event to a webhook.
func (c *console) testWebhook(w http.ResponseWriter, r *http.Request) {
	if err := c.call(r, http.MethodPost, "/webhooks/"+url.PathEscape(r.PathValue("id"))+"/test", nil, nil); err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/webhooks?tested=1", http.StatusSeeOther)
}
