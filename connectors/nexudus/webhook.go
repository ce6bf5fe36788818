package nexudus

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"doorsync/access"
	"doorsync/connectors"
)

// SignatureHeader carries a delivery's signature (DOC).
const SignatureHeader = "X-Nexudus-Hook-Signature"

// ActionHeader optionally names a delivery's action (its integer, as on
// the webhook record). Nexudus sends none (ASSUMED: none is documented);
// the API may set it from an ?action= the operator put in the webhook's
// URL. Without it a delivery is recognised by its DTO's fields.
const ActionHeader = "Doorsync-Nexudus-Action"

// VerifyWebhook checks X-Nexudus-Hook-Signature: hex HMAC-SHA256 of the
// raw body with the webhook secret (DOC: upper-case; lower-case is
// accepted too, as it is the same digest and proxies rewrite headers),
// compared in constant time. Nexudus signs no time, so there is no age to
// check. Without a configured secret every delivery is refused: an
// unsigned delivery could be anyone's.
func (c *Client) VerifyWebhook(h http.Header, body []byte, _ time.Time) error {
	if c.cfg.WebhookSecret == "" {
		return connectors.ErrBadSignature
	}
	got, err := hex.DecodeString(strings.TrimSpace(h.Get(SignatureHeader)))
	if err != nil || len(got) != sha256.Size {
		return connectors.ErrBadSignature
	}
	m := hmac.New(sha256.New, []byte(c.cfg.WebhookSecret))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return connectors.ErrBadSignature
	}
	return nil
}

// Webhook turns a delivery into changes. The body is a JSON array of DTOs
// (DOC: one). Which action fired is not in the request and what each
// action's DTO holds is undocumented (two integrators re-fetch by id), so
// the DTO only says which entity and which Id: the record is read again by
// id, which gives its whole current state, and a 404 is its deletion.
// Entities doorsync does not take (invoices, visitors…) change nothing.
func (c *Client) Webhook(ctx context.Context, h http.Header, body []byte) (connectors.Changes, error) {
	var dtos []map[string]json.RawMessage
	if err := json.Unmarshal(body, &dtos); err != nil {
		return connectors.Changes{}, fmt.Errorf("nexudus: webhook body is not an array of objects: %w", err)
	}
	ctx, calls := withCounter(ctx)
	var ch connectors.Changes
	for _, dto := range dtos {
		kind := entityOf(h.Get(ActionHeader), dto)
		id, ok := dtoID(dto, kind)
		if kind == "" || !ok {
			continue
		}
		if err := c.refetch(ctx, kind, id, &ch); err != nil {
			return connectors.Changes{}, fmt.Errorf("nexudus: webhook for %s %d: %w", kind, id, err)
		}
	}
	ch.Calls = int(calls.Load())
	return ch, nil
}

// dtoID is the Id to read again: the DTO's, or a booking visitor's booking.
func dtoID(dto map[string]json.RawMessage, kind string) (int, bool) {
	key := "Id"
	if _, visitor := dto["VisitorId"]; visitor && kind == "spaces/bookings" {
		key = "BookingId"
	}
	var id int
	if err := json.Unmarshal(dto[key], &id); err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// actionEntities maps the documented actions doorsync listens to (§2.5)
// to the list whose record changed.
var actionEntities = map[int]string{
	2: "spaces/coworkers", 3: "spaces/coworkers", 50: "spaces/coworkers",
	57: "spaces/teams", 58: "spaces/teams", 59: "spaces/teams",
	6: "spaces/bookings", 7: "spaces/bookings", 8: "spaces/bookings",
	10: "billing/coworkercontracts", 11: "billing/coworkercontracts", 12: "billing/coworkercontracts",
	13: "billing/coworkercontracts", 14: "billing/coworkercontracts", 60: "billing/coworkercontracts",
	62: "billing/coworkercontracts", 77: "billing/coworkercontracts",
	71: "sys/floorplandesks", 72: "sys/floorplandesks", 73: "sys/floorplandesks",
	74: "billing/tariffs", 75: "billing/tariffs", 76: "billing/tariffs",
	78: "sys/floorplans", 79: "sys/floorplans", 80: "sys/floorplans",
	84: "sys/businesses",
}

// shapes recognise a DTO by fields only its entity has (DOC field lists),
// most specific first. Business updates are recognised only by action.
var shapes = []struct {
	entity string
	all    []string // every one present
	any    []string // at least one present (none: no condition)
}{
	{"spaces/teams", nil, []string{"TeamMembers", "TeamAdministrators", "PayingMemberId"}},
	{"spaces/bookings", []string{"BookingId", "VisitorId"}, nil},
	{"spaces/bookings", []string{"FromTime", "ToTime"}, []string{"ResourceId", "FloorPlanDeskId"}},
	{"billing/coworkercontracts", []string{"TariffId", "CoworkerId", "StartDate"}, nil},
	{"sys/floorplandesks", []string{"FloorPlanId"}, []string{"ItemType", "FloorPlanBusinessId", "Capacity"}},
	{"sys/floorplans", nil, []string{"FloorLevel", "FloorPlanLayoutId"}},
	{"billing/tariffs", nil, []string{"SystemTariffType"}},
	{"spaces/coworkers", nil, []string{"CoworkerType", "AccessCardId", "KeyFobNumber", "GuessedFirstName"}},
	{"spaces/resources", nil, []string{"SystemResourceType", "ResourceTypeId"}},
}

// entityOf is the list a DTO belongs to: by the action header when set,
// else by its shape; "" when doorsync does not take it.
func entityOf(action string, dto map[string]json.RawMessage) string {
	if n, err := strconv.Atoi(strings.TrimSpace(action)); err == nil {
		return actionEntities[n]
	}
	for _, s := range shapes {
		if hasAll(dto, s.all) && (len(s.any) == 0 || hasAny(dto, s.any)) {
			return s.entity
		}
	}
	return ""
}

func hasAll(dto map[string]json.RawMessage, keys []string) bool {
	for _, k := range keys {
		if _, ok := dto[k]; !ok {
			return false
		}
	}
	return true
}

func hasAny(dto map[string]json.RawMessage, keys []string) bool {
	for _, k := range keys {
		if _, ok := dto[k]; ok {
			return true
		}
	}
	return false
}

// refetch reads entity id again and adds what it became to ch.
func (c *Client) refetch(ctx context.Context, entity string, id int, ch *connectors.Changes) error {
	switch entity {
	case "spaces/coworkers":
		return c.refetchMember(ctx, id, ch)
	case "spaces/teams":
		return c.refetchTeam(ctx, id, ch)
	case "spaces/bookings":
		return c.refetchBooking(ctx, id, ch)
	case "billing/coworkercontracts":
		return refetchOne(ctx, c, entity, id, access.KindMembership, itoa(id), ch, func(ct contract) (connectors.Record, bool) {
			return membershipRecord(ct, c.now())
		})
	case "sys/floorplandesks":
		return refetchOne(ctx, c, entity, id, access.KindResource, DeskID(id), ch, deskRecord)
	case "spaces/resources":
		return refetchOne(ctx, c, entity, id, access.KindResource, itoa(id), ch, bookableRecord)
	case "billing/tariffs":
		return refetchOne(ctx, c, entity, id, access.KindPlan, itoa(id), ch, planRecord)
	case "sys/floorplans":
		return refetchOne(ctx, c, entity, id, access.KindFloor, itoa(id), ch, floorRecord)
	case "sys/businesses":
		return refetchOne(ctx, c, entity, id, access.KindLocation, itoa(id), ch, locationRecord)
	}
	return nil
}

// refetchOne reads one record by id: its translation is an upsert, a 404
// a delete.
func refetchOne[T any](ctx context.Context, c *Client, entity string, id int, kind access.Kind, docID string,
	ch *connectors.Changes, translate func(T) (connectors.Record, bool)) error {
	var rec T
	err := c.get(ctx, entity+"/"+itoa(id), nil, &rec)
	switch {
	case errors.Is(err, errNotFound):
		ch.Deletes = append(ch.Deletes, connectors.Ref{Kind: kind, ID: docID})
		return nil
	case err != nil:
		return err
	}
	if r, ok := translate(rec); ok {
		ch.Upserts = append(ch.Upserts, r)
	}
	return nil
}

func (c *Client) refetchMember(ctx context.Context, id int, ch *connectors.Changes) error {
	teams, err := c.teamIndex(ctx, false)
	if err != nil {
		return err
	}
	var cw coworker
	err = c.get(ctx, "spaces/coworkers/"+itoa(id), nil, &cw)
	switch {
	case errors.Is(err, errNotFound):
		ch.Deletes = append(ch.Deletes, connectors.Ref{Kind: access.KindMember, ID: itoa(id)})
		return nil
	case err != nil:
		return err
	}
	addMember(ch, cw, teams)
	return nil
}

func addMember(ch *connectors.Changes, cw coworker, teams *teamIndex) {
	rec, del, ok := memberRecord(cw, teams)
	switch {
	case ok:
		ch.Upserts = append(ch.Upserts, rec)
	case del != nil:
		ch.Deletes = append(ch.Deletes, *del)
	}
}

// refetchTeam reads the team and, since joining or leaving it changes its
// members' team_id and version, its current members (leavers reach
// doorsync with the next full pass: the team no longer names them).
func (c *Client) refetchTeam(ctx context.Context, id int, ch *connectors.Changes) error {
	var t team
	err := c.get(ctx, "spaces/teams/"+itoa(id), nil, &t)
	switch {
	case errors.Is(err, errNotFound):
		ch.Deletes = append(ch.Deletes, connectors.Ref{Kind: access.KindTeam, ID: itoa(id)})
		return nil
	case err != nil:
		return err
	}
	if r, ok := teamRecord(t); ok {
		ch.Upserts = append(ch.Upserts, r)
	}
	if t.TeamMembers == nil || len(*t.TeamMembers) == 0 {
		return nil
	}
	teams, err := c.teamIndex(ctx, true)
	if err != nil {
		return err
	}
	members, err := batchGet[coworker](ctx, c, "spaces/coworkers", *t.TeamMembers)
	if err != nil {
		return fmt.Errorf("reading team %d's members: %w", id, err)
	}
	for _, cw := range members {
		addMember(ch, cw, teams)
	}
	return nil
}

func (c *Client) refetchBooking(ctx context.Context, id int, ch *connectors.Changes) error {
	var b booking
	err := c.get(ctx, "spaces/bookings/"+itoa(id), nil, &b)
	switch {
	case errors.Is(err, errNotFound):
		ch.Deletes = append(ch.Deletes, connectors.Ref{Kind: access.KindBooking, ID: itoa(id)})
		return nil
	case err != nil:
		return err
	}
	visitors, err := c.visitorsOf(ctx, id)
	if err != nil {
		return err
	}
	if r, ok := bookingRecord(b, visitors); ok {
		ch.Upserts = append(ch.Upserts, r)
	}
	return nil
}
