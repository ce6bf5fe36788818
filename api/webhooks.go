package api

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"doorsync/internal/webhook"
	"doorsync/store"
)

// webhookBody is PUT …/webhooks/{id}.
type webhookBody struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// webhookView is a webhook as the API answers it; Secret only on
// creation.
type webhookView struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewWebhook(w store.Webhook) webhookView {
	return webhookView{ID: w.ID, URL: w.URL, Events: w.Events, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

// maxWebhookURL bounds a webhook URL's length.
const maxWebhookURL = 2048

// putWebhook creates (201, with the signing secret, shown this once) or
// changes (200, the secret kept and not shown) a webhook.
func (h *handlers) putWebhook(w http.ResponseWriter, r *http.Request) error {
	var body webhookBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	events, err := validateWebhook(body)
	if err != nil {
		return err
	}
	if h.webhooks == nil {
		return httpError(http.StatusServiceUnavailable, "webhooks are not configured on this deployment")
	}
	ctx, orgID, id := r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id")
	if _, err := h.store.GetOrg(ctx, orgID); err != nil {
		return err
	}
	hook, secret, created, err := h.webhooks.Put(ctx, orgID, id, body.URL, events)
	var uerr *webhook.URLError
	if errors.As(err, &uerr) {
		v := &validationError{}
		v.add("url", uerr.Reason)
		return v
	}
	if err != nil {
		return err
	}
	view := viewWebhook(hook)
	status := http.StatusOK
	if created {
		view.Secret, status = secret, http.StatusCreated
	}
	writeJSON(w, status, view)
	return nil
}

// validateWebhook checks a webhook's body and returns its events, each
// once, in the order given.
func validateWebhook(b webhookBody) ([]string, error) {
	v := &validationError{}
	switch {
	case strings.TrimSpace(b.URL) == "":
		v.add("url", "is required")
	case len(b.URL) > maxWebhookURL:
		v.add("url", "must be at most 2048 characters")
	}
	var events []string
	if len(b.Events) == 0 {
		v.add("events", "must name at least one event: "+strings.Join(store.WebhookEvents, ", "))
	}
	for i, e := range b.Events {
		if !slices.Contains(store.WebhookEvents, e) {
			v.add("events["+strconv.Itoa(i)+"]", "must be one of "+strings.Join(store.WebhookEvents, ", "))
			continue
		}
		if !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	sortFieldErrors(v)
	return events, v.orNil()
}

// getWebhook answers one webhook, never its secret.
func (h *handlers) getWebhook(w http.ResponseWriter, r *http.Request) error {
	hook, err := h.store.GetWebhook(r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewWebhook(hook))
	return nil
}

// listWebhooks answers the org's webhooks by id, never their secrets (an
// org has a handful: one page).
func (h *handlers) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	if _, err := h.store.GetOrg(ctx, orgID); err != nil {
		return err
	}
	hooks, err := h.store.Webhooks(ctx, orgID)
	if err != nil {
		return err
	}
	page := listPage[webhookView]{Data: []webhookView{}}
	for _, hook := range hooks {
		page.Data = append(page.Data, viewWebhook(hook))
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// deleteWebhook removes a webhook and its delivery log; what it had not
// delivered is not sent.
func (h *handlers) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := h.store.DeleteWebhook(r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deliveryView is one entry of a webhook's delivery log.
type deliveryView struct {
	EventID       string     `json:"event_id"`
	Type          string     `json:"type"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	LastStatus    int        `json:"last_status"` // the receiver's HTTP status; 0 before the first answer
	LastError     string     `json:"last_error"`
	QueuedAt      time.Time  `json:"queued_at"`
	LastAttemptAt *time.Time `json:"last_attempt_at"`
	DeliveredAt   *time.Time `json:"delivered_at"`
}

// listDeliveries answers a webhook's delivery log, newest first, a page
// at a time.
func (h *handlers) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := &validationError{}
	limit := pageLimit(v, q)
	var before int64
	if c := pageCursor(v, q); c != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil || id < 1 {
			v.add("cursor", "is not a cursor this API gave out")
		}
		before = id
	}
	sortFieldErrors(v)
	if err := v.orNil(); err != nil {
		return err
	}
	ctx, orgID, id := r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id")
	if _, err := h.store.GetWebhook(ctx, orgID, id); err != nil {
		return err
	}
	ds, err := h.store.Deliveries(ctx, orgID, id, before, limit+1)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(ds, limit, func(d store.Delivery) string { return strconv.FormatInt(d.ID, 10) },
		func(d store.Delivery) deliveryView {
			return deliveryView{EventID: d.EventID, Type: d.EventType, Status: d.Status,
				Attempts: d.Attempts, LastStatus: d.LastStatus, LastError: d.LastError, QueuedAt: d.CreatedAt,
				LastAttemptAt: d.LastAttemptAt, DeliveredAt: d.DeliveredAt}
		}))
	return nil
}

// testWebhook queues a webhook.test event for the webhook alone; the
// sender delivers it like any other (its outcome is in the delivery log).
func (h *handlers) testWebhook(w http.ResponseWriter, r *http.Request) error {
	ev, err := h.store.QueueTestEvent(r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"event_id": ev.ID, "type": ev.Type})
	return nil
}
