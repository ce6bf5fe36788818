package officernd

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"doorsync/access"
	"doorsync/connectors"
)

// SignatureHeader carries a delivery's signature:
// t=<unix seconds>,signature=<hex HMAC-SHA256(secret, body + "." + t)>.
const SignatureHeader = "officernd-signature"

// WebhookTolerance is how far a delivery's t may be from now, either way
// (OfficeRnD's own example rejects older than 60 s, or in the future).
const WebhookTolerance = 60 * time.Second

// VerifyWebhook checks a delivery against the connection's webhook secret.
// Without a secret every delivery is refused: an unverifiable webhook must
// not change access.
func (c *Client) VerifyWebhook(h http.Header, body []byte, now time.Time) error {
	if c.cfg.WebhookSecret == "" {
		return fmt.Errorf("officernd: no webhook secret configured: %w", connectors.ErrBadSignature)
	}
	ts, sig, ok := parseSignature(h.Get(SignatureHeader))
	if !ok {
		return fmt.Errorf("officernd: missing or malformed %s: %w", SignatureHeader, connectors.ErrBadSignature)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("officernd: bad signature time: %w", connectors.ErrBadSignature)
	}
	if age := now.Sub(time.Unix(unix, 0)); age > WebhookTolerance || age < -WebhookTolerance {
		return fmt.Errorf("officernd: delivery signed %s from now: %w", age.Round(time.Second), connectors.ErrBadSignature)
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, signature(c.cfg.WebhookSecret, body, ts)) {
		return fmt.Errorf("officernd: signature does not match: %w", connectors.ErrBadSignature)
	}
	return nil
}

// parseSignature splits "t=<unix>,signature=<hex>" (either order).
func parseSignature(v string) (ts, sig string, ok bool) {
	for part := range strings.SplitSeq(v, ",") {
		key, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch key {
		case "t":
			ts = val
		case "signature":
			sig = val
		}
	}
	return ts, sig, ts != "" && sig != ""
}

func signature(secret string, body []byte, ts string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	mac.Write([]byte("." + ts))
	return mac.Sum(nil)
}

// envelope is the documented delivery body.
type envelope struct {
	Event     string `json:"event"`
	EventType string `json:"eventType"`
	Data      struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
	// CreatedAt is when the event happened: data.object is the object as
	// it was then, however late the delivery (a retry) arrives.
	CreatedAt string `json:"createdAt"`
}

// eventKinds are the doorsync kinds of the OfficeRnD events that carry
// them; other events (invoices, contracts, occupancy slots...) change
// nothing doorsync holds.
var eventKinds = map[string]access.Kind{
	"member": access.KindMember, "company": access.KindTeam, "membership": access.KindMembership,
	"booking": access.KindBooking, "pass": access.KindDayPass,
}

// Webhook turns a verified delivery into changes: *.removed deletes;
// created and updated translate data.object, fetching only what it does
// not carry (a membership's assignments, a booking's visitors, a pass's
// holder when unseen). A record's ReadAt is the event's createdAt (the age
// of data.object, never the delivery's arrival), or earlier where a cached
// holder is older; zero when the envelope has no createdAt.
func (c *Client) Webhook(ctx context.Context, _ http.Header, body []byte) (connectors.Changes, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return connectors.Changes{}, fmt.Errorf("officernd: decoding delivery: %w", err)
	}
	prefix, action, ok := splitEvent(env.EventType)
	kind, known := eventKinds[prefix]
	if !ok || !known {
		return connectors.Changes{}, nil
	}
	var ref struct {
		ID string `json:"_id"`
	}
	if err := json.Unmarshal(env.Data.Object, &ref); err != nil || ref.ID == "" {
		return connectors.Changes{}, fmt.Errorf("officernd: %s delivery without data.object._id", env.EventType)
	}
	switch action {
	case "removed":
		return connectors.Changes{Deletes: []connectors.Ref{{Kind: kind, ID: ref.ID}}}, nil
	case "created", "updated":
		o := &op{}
		at := eventTime(env.CreatedAt, time.Now())
		o.read.add(at)
		out, err := c.translateEvent(ctx, o, prefix, env.Data.Object, at)
		if err != nil {
			return connectors.Changes{Calls: o.calls}, fmt.Errorf("officernd: %s %s: %w", env.EventType, ref.ID, err)
		}
		ch := changesOf(out, o.calls)
		stamp(ch.Upserts, o.read.time())
		return ch, nil
	}
	return connectors.Changes{}, nil
}

// splitEvent splits "member.updated"; "company.paymentdetails.created" and
// the like are not entity events.
func splitEvent(t string) (prefix, action string, ok bool) {
	prefix, action, ok = strings.Cut(t, ".")
	return prefix, action, ok && !strings.Contains(action, ".")
}

// translateEvent translates data.object of an event that happened at (zero:
// unknown), which is when the payload's objects were read.
func (c *Client) translateEvent(ctx context.Context, o *op, prefix string, raw json.RawMessage, at time.Time) (outcome, error) {
	switch prefix {
	case "member":
		return decodeThen(raw, func(m member) (outcome, error) { return c.seenMember(m, at) })
	case "company":
		return decodeThen(raw, func(co company) (outcome, error) { return c.seenCompany(co, at) })
	case "membership":
		return decodeThen(raw, func(ms membership) (outcome, error) {
			asg, err := c.assignmentsOf(ctx, o, ms.ID)
			if err != nil {
				return outcome{}, err
			}
			return membershipOutcome(ms, asg, c.now())
		})
	case "booking":
		return decodeThen(raw, func(b booking) (outcome, error) {
			visitors, err := c.visitorsOf(ctx, o, visitorIDs([]booking{b}))
			if err != nil {
				return outcome{}, err
			}
			return bookingOutcome(b, visitors)
		})
	default:
		return decodeThen(raw, func(p pass) (outcome, error) {
			holders, err := c.holdersOf(ctx, o, []pass{p})
			if err != nil {
				return outcome{}, err
			}
			h, ok := holders[p.ID]
			return passOutcome(p, h, ok)
		})
	}
}

func decodeThen[T any](raw json.RawMessage, f func(T) (outcome, error)) (outcome, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return outcome{}, fmt.Errorf("decoding data.object: %w", err)
	}
	return f(v)
}

func changesOf(out outcome, calls int) connectors.Changes {
	ch := connectors.Changes{Calls: calls}
	if out.rec != nil {
		ch.Upserts = append(ch.Upserts, *out.rec)
	}
	if out.del != nil {
		ch.Deletes = append(ch.Deletes, *out.del)
	}
	return ch
}

var _ connectors.Connector = (*Client)(nil)
