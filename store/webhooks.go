package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Webhook event types (docs/architecture.md, D43).
const (
	EventAccessProblem      = "access.problem"
	EventHoldCreated        = "hold.created"
	EventHoldExpired        = "hold.expired"
	EventConnectionFailed   = "connection.failed"
	EventConnectionRestored = "connection.restored"
	EventReconcileDrift     = "reconcile.drift"
	// EventWebhookTest is sent by POST …/webhooks/{id}/test only.
	EventWebhookTest = "webhook.test"
)

// WebhookEvents are the events a webhook may subscribe to.
var WebhookEvents = []string{EventAccessProblem, EventHoldCreated, EventHoldExpired,
	EventConnectionFailed, EventConnectionRestored, EventReconcileDrift}

// WebhookChannel is the Postgres NOTIFY channel that wakes the webhook
// sender.
const WebhookChannel = "doorsync_webhooks"

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Webhook is one org's subscription. SecretEnc is its signing secret,
// sealed (WebhookSealContext).
type Webhook struct {
	OrgID     string
	ID        string
	URL       string
	Events    []string
	SecretEnc string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// WebhookSealContext is the context a webhook's secret is sealed under
// (internal/secrets), so a sealed secret cannot move to another row.
func WebhookSealContext(orgID, id string) string {
	return "org:" + orgID + "/webhooks/" + id + "/secret"
}

// WebhookSealContextOfKey is WebhookSealContext of a row's seal_key
// ("org/id"), for resealing.
func WebhookSealContextOfKey(sealKey string) string {
	for i := 0; i < len(sealKey); i++ {
		if sealKey[i] == '/' {
			return WebhookSealContext(sealKey[:i], sealKey[i+1:])
		}
	}
	return WebhookSealContext(sealKey, "")
}

const webhookColumns = `org_id, id, url, events, secret_enc, created_at, updated_at`

func scanWebhook(r pgx.Row) (Webhook, error) {
	var w Webhook
	err := r.Scan(&w.OrgID, &w.ID, &w.URL, &w.Events, &w.SecretEnc, &w.CreatedAt, &w.UpdatedAt)
	return w, err
}

// PutWebhook creates a webhook (with secretEnc) or changes an existing
// one's URL and events (keeping its secret, and dropping secretEnc); it
// reports whether it created it, and returns the stored webhook. Two
// creates at once: one creates, the other changes.
func (s *Store) PutWebhook(ctx context.Context, orgID, id, url string, events []string, secretEnc string) (Webhook, bool, error) {
	var out Webhook
	var created bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockLiveOrg(ctx, tx, orgID); err != nil {
			return err
		}
		w, err := scanWebhook(tx.QueryRow(ctx, `insert into webhooks (org_id, id, url, events, secret_enc)
			values ($1, $2, $3, $4, $5) on conflict (org_id, id) do nothing returning `+webhookColumns,
			orgID, id, url, events, secretEnc))
		if err == nil {
			out, created = w, true
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		out, err = scanWebhook(tx.QueryRow(ctx, `update webhooks set url = $3, events = $4, updated_at = now()
			where org_id = $1 and id = $2 returning `+webhookColumns, orgID, id, url, events))
		return err
	})
	if err != nil {
		return Webhook{}, false, fmt.Errorf("store: put webhook %s: %w", id, err)
	}
	return out, created, nil
}

// GetWebhook returns one webhook, or ErrNotFound.
func (s *Store) GetWebhook(ctx context.Context, orgID, id string) (Webhook, error) {
	w, err := scanWebhook(s.db.QueryRow(ctx, `select `+webhookColumns+` from webhooks where org_id = $1 and id = $2`, orgID, id))
	if err != nil {
		return Webhook{}, fmt.Errorf("store: webhook %s: %w", id, notFound(err))
	}
	return w, nil
}

// Webhooks lists an org's webhooks by id.
func (s *Store) Webhooks(ctx context.Context, orgID string) ([]Webhook, error) {
	rows, err := s.db.Query(ctx, `select `+webhookColumns+` from webhooks where org_id = $1 order by id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: webhooks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Webhook, error) { return scanWebhook(r) })
	if err != nil {
		return nil, fmt.Errorf("store: webhooks: %w", err)
	}
	return out, nil
}

// DeleteWebhook removes a webhook and its deliveries (ErrNotFound if there
// is none): what it had not delivered is not sent.
func (s *Store) DeleteWebhook(ctx context.Context, orgID, id string) error {
	tag, err := s.db.Exec(ctx, `delete from webhooks where org_id = $1 and id = $2`, orgID, id)
	if err != nil {
		return fmt.Errorf("store: delete webhook %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: webhook %s: %w", id, ErrNotFound)
	}
	return nil
}

// Event is one webhook event: its body is {"id","type","org","at","data"}.
type Event struct {
	ID    string          `json:"id"`
	Type  string          `json:"type"`
	OrgID string          `json:"org"`
	At    time.Time       `json:"at"`
	Data  json.RawMessage `json:"data"`
}

// NewEvent makes an event of type typ with a fresh id; data is marshalled
// as its data.
func NewEvent(orgID, typ string, data any) Event {
	var b [16]byte
	rand.Read(b[:])
	d, err := json.Marshal(data)
	if err != nil || string(d) == "null" {
		d = []byte("{}")
	}
	return Event{ID: "evt_" + hex.EncodeToString(b[:]), Type: typ, OrgID: orgID, At: time.Now().UTC().Truncate(time.Millisecond), Data: d}
}

// body is the event's JSON body as sent and signed.
func (e Event) body() string {
	b, _ := json.Marshal(e)
	return string(b)
}

// queueEvent queues ev for every webhook of its org subscribed to its type
// (webhookID, when set, for that webhook only, whatever it subscribed
// to), in db's transaction, and wakes the sender at commit. It reports how
// many deliveries it queued.
func queueEvent(ctx context.Context, db execer, ev Event, webhookID string) (int64, error) {
	tag, err := db.Exec(ctx, `insert into webhook_deliveries (org_id, webhook_id, event_id, event_type, body)
		select org_id, id, $3, $4, $5 from webhooks
		where org_id = $1 and (($2 = '' and $4 = any(events)) or id = $2)`,
		ev.OrgID, webhookID, ev.ID, ev.Type, ev.body())
	if err != nil {
		return 0, fmt.Errorf("store: queue webhook event %s: %w", ev.Type, err)
	}
	if tag.RowsAffected() == 0 {
		return 0, nil
	}
	if _, err := db.Exec(ctx, `select pg_notify($1, '')`, WebhookChannel); err != nil {
		return 0, fmt.Errorf("store: notify webhooks: %w", err)
	}
	return tag.RowsAffected(), nil
}

// QueueTestEvent queues a webhook.test event for one webhook
// (ErrNotFound if there is none) and returns it.
func (s *Store) QueueTestEvent(ctx context.Context, orgID, webhookID string) (Event, error) {
	ev := NewEvent(orgID, EventWebhookTest, map[string]string{"webhook_id": webhookID})
	n, err := queueEvent(ctx, s.db, ev, webhookID)
	if err != nil {
		return Event{}, err
	}
	if n == 0 {
		return Event{}, fmt.Errorf("store: webhook %s: %w", webhookID, ErrNotFound)
	}
	return ev, nil
}

// Delivery is one event's delivery to one webhook.
type Delivery struct {
	ID            int64
	OrgID         string
	WebhookID     string
	EventID       string
	EventType     string
	Body          string
	CreatedAt     time.Time
	Status        string
	Attempts      int
	LastAttemptAt *time.Time
	LastStatus    int
	LastError     string
	DeliveredAt   *time.Time
	// URL and SecretEnc are the webhook's, when claimed for sending.
	URL       string
	SecretEnc string
}

const deliveryColumns = `d.id, d.org_id, d.webhook_id, d.event_id, d.event_type, d.body, d.created_at, d.status, d.attempts,
	d.last_attempt_at, d.last_status, d.last_error, d.delivered_at`

func scanDelivery(r pgx.Row, more ...any) (Delivery, error) {
	var d Delivery
	err := r.Scan(append([]any{&d.ID, &d.OrgID, &d.WebhookID, &d.EventID, &d.EventType, &d.Body, &d.CreatedAt, &d.Status,
		&d.Attempts, &d.LastAttemptAt, &d.LastStatus, &d.LastError, &d.DeliveredAt}, more...)...)
	return d, err
}

// Deliveries lists a webhook's deliveries, newest first, those with an id
// below before when it is not 0.
func (s *Store) Deliveries(ctx context.Context, orgID, webhookID string, before int64, limit int) ([]Delivery, error) {
	rows, err := s.db.Query(ctx, `select `+deliveryColumns+` from webhook_deliveries d
		where d.org_id = $1 and d.webhook_id = $2 and ($3 = 0 or d.id < $3) order by d.id desc limit $4`,
		orgID, webhookID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("store: deliveries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) { return scanDelivery(r) })
	if err != nil {
		return nil, fmt.Errorf("store: deliveries: %w", err)
	}
	return out, nil
}

// ClaimDeliveries leases up to limit due deliveries, oldest due first,
// with their webhook's URL and sealed secret: other senders skip them
// until lease has passed. Each claim counts as an attempt.
func (s *Store) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]Delivery, error) {
	rows, err := s.db.Query(ctx, `
		with claimed as (
			update webhook_deliveries set attempts = attempts + 1, last_attempt_at = now(),
				next_attempt_at = now() + $2::interval
			where id in (select id from webhook_deliveries where status = 'pending' and next_attempt_at <= now()
				order by next_attempt_at, id limit $1 for update skip locked)
			returning *)
		select `+deliveryColumns+`, w.url, w.secret_enc
		from claimed d join webhooks w on w.org_id = d.org_id and w.id = d.webhook_id
		order by d.id`, limit, lease)
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) {
		var url, secret string
		d, err := scanDelivery(r, &url, &secret)
		d.URL, d.SecretEnc = url, secret
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	return out, nil
}

// DeliveryDone records a delivery the receiver accepted (HTTP status).
func (s *Store) DeliveryDone(ctx context.Context, id int64, status int) error {
	_, err := s.db.Exec(ctx, `update webhook_deliveries set status = 'delivered', delivered_at = now(), last_status = $2,
		last_error = '' where id = $1`, id, status)
	if err != nil {
		return fmt.Errorf("store: delivery %d done: %w", id, err)
	}
	return nil
}

// DeliveryFailed records a failed attempt (status 0 when there was no
// answer): it is tried again after retryAfter, or, with retryAfter 0,
// never again (status failed).
func (s *Store) DeliveryFailed(ctx context.Context, id int64, status int, lastErr string, retryAfter time.Duration) error {
	var err error
	if retryAfter <= 0 {
		_, err = s.db.Exec(ctx, `update webhook_deliveries set status = 'failed', last_status = $2, last_error = $3
			where id = $1`, id, status, lastErr)
	} else {
		_, err = s.db.Exec(ctx, `update webhook_deliveries set last_status = $2, last_error = $3,
			next_attempt_at = now() + $4::interval where id = $1`, id, status, lastErr, retryAfter)
	}
	if err != nil {
		return fmt.Errorf("store: delivery %d failed: %w", id, err)
	}
	return nil
}

// PendingDeliveries counts deliveries not yet made nor given up (for
// metrics and tests).
func (s *Store) PendingDeliveries(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `select count(*) from webhook_deliveries where status = 'pending'`).Scan(&n)
	return n, err
}
