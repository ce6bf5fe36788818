package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"

	"doorsync/connectors"
	"doorsync/internal/entity"
	"doorsync/internal/platformconn"
	"doorsync/store"
)

// maxHookBody bounds a platform webhook's body; the platforms' deliveries
// are a few kilobytes.
const maxHookBody = 1 << 20

// Results of a platform webhook delivery, as doorsync_platform_webhooks_total
// counts them.
const (
	hookApplied      = "applied"
	hookUnauthorized = "unauthorized"
	hookInvalid      = "invalid"
	hookTooLarge     = "too_large"
	hookFailed       = "failed"
)

var hookResults = []string{hookApplied, hookUnauthorized, hookInvalid, hookTooLarge, hookFailed}

// errHookUnauthorized is every refused delivery's answer: unsigned, badly
// signed, stale, or for an org that is unknown or not connected to this
// platform. It does not say which, so the endpoint reveals no org.
var errHookUnauthorized = httpError(http.StatusUnauthorized, "the delivery is not signed with this connection's webhook secret")

// hookResult is what a delivery did.
type hookResult struct {
	Applied int `json:"applied"`
	Skipped int `json:"skipped"`
	// Refused are the records the write path refused, as a PUT of their
	// body would be: recorded as the platform's problems, not retried (a
	// platform that retries failed deliveries would only meet them again,
	// and Nexudus switches a webhook off after ten failures).
	Refused []refusedRecord `json:"refused"`
}

// refusedRecord names a refused record ("kind/id") and why.
type refusedRecord struct {
	Record string `json:"record"`
	Error  string `json:"error"`
}

// platformHook answers POST /v1/hooks/{platform}/{org}: a delivery is
// verified against the org's connection, turned into changes, and each
// written like a PUT or DELETE, its pokes sent within the request.
func (h *handlers) platformHook(p connectors.Platform) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		result, err := h.receiveHook(w, r, p)
		h.countHook(p, result, err)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, result)
		return nil
	}
}

func (h *handlers) receiveHook(w http.ResponseWriter, r *http.Request, p connectors.Platform) (hookResult, error) {
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxHookBody))
	if err != nil {
		return hookResult{}, jsonError(err)
	}
	conn, err := h.verifiedConnector(ctx, orgID, p, r.Header, body)
	if err != nil {
		return hookResult{}, err
	}
	changes, err := conn.Webhook(ctx, r.Header, body)
	if err != nil {
		h.log.WarnContext(ctx, "could not read a platform webhook delivery", "org", orgID, "platform", p, "err", err)
		return hookResult{}, httpError(http.StatusBadGateway, "the delivery could not be read or its objects fetched from the platform; nothing was changed")
	}
	return h.applyChanges(ctx, orgID, p, changes)
}

// verifiedConnector returns the org's connector if the org is connected to
// p and the delivery is signed with its secret; errHookUnauthorized
// otherwise, logging only the org and why.
func (h *handlers) verifiedConnector(ctx context.Context, orgID string, p connectors.Platform, header http.Header, body []byte) (connectors.Connector, error) {
	if h.platforms == nil { // a deployment without platforms has no org connected to one
		return nil, h.refuseHook(ctx, orgID, p, "platform connections are not configured")
	}
	conn, err := h.platforms.Connector(ctx, orgID)
	switch {
	case errors.Is(err, platformconn.ErrNotConnected):
		return nil, h.refuseHook(ctx, orgID, p, "the org is not connected to a platform")
	case err != nil:
		return nil, err
	case conn.Platform() != p:
		return nil, h.refuseHook(ctx, orgID, p, "the org is connected to another platform")
	}
	if err := conn.VerifyWebhook(header, body, h.now()); err != nil {
		return nil, h.refuseHook(ctx, orgID, p, "the signature is missing, wrong or stale")
	}
	return conn, nil
}

func (h *handlers) refuseHook(ctx context.Context, orgID string, p connectors.Platform, why string) error {
	h.log.InfoContext(ctx, "refused a platform webhook delivery", "org", orgID, "platform", p, "reason", why)
	return errHookUnauthorized
}

// applyChanges writes every upsert, then every delete, and sends the pokes
// they queued. A record already applied (an older or equal version, a
// delete of what is gone) is skipped; one the write path refuses is named
// in the answer and recorded as a problem of the platform's, and the
// others are written.
func (h *handlers) applyChanges(ctx context.Context, orgID string, p connectors.Platform, ch connectors.Changes) (hookResult, error) {
	var (
		res      = hookResult{Refused: []refusedRecord{}}
		ids      []int64
		problems []store.PlatformProblem
		tick     = func(skipped bool) {
			if skipped {
				res.Skipped++
			} else {
				res.Applied++
			}
		}
	)
	defer func() { h.flush(ctx, ids) }()
	for _, rec := range ch.Upserts {
		wr, err := h.write.Record(ctx, orgID, p, rec)
		switch {
		case errors.Is(err, store.ErrStale):
			tick(true)
		case entity.IsInvalid(err):
			res.Refused = append(res.Refused, refusedRecord{Record: string(rec.Kind) + "/" + rec.ID, Error: err.Error()})
			problems = append(problems, store.PlatformProblem{Kind: rec.Kind, ID: rec.ID, SourceID: rec.SourceID, Problem: err.Error(), RunID: "webhook"})
		case err != nil:
			return res, fmt.Errorf("api: write %s %s from %s: %w", rec.Kind, rec.ID, p, err)
		default: // a repeat of what is stored changes nothing: skipped
			ids = append(ids, wr.OutboxIDs...)
			tick(!wr.Changed)
		}
	}
	for _, ref := range ch.Deletes {
		queued, err := h.write.Delete(ctx, orgID, ref.Kind, ref.ID)
		switch {
		case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrStale):
			tick(true)
		case err != nil:
			return res, fmt.Errorf("api: delete %s %s from %s: %w", ref.Kind, ref.ID, p, err)
		default:
			ids = append(ids, queued...)
			tick(false)
		}
	}
	if len(problems) > 0 {
		if err := h.store.RecordPlatformProblems(ctx, orgID, problems, nil); err != nil {
			return res, err
		}
	}
	return res, nil
}

// countHook counts a delivery by platform and result: one with refused
// records counts as invalid.
func (h *handlers) countHook(p connectors.Platform, res hookResult, err error) {
	if h.hookDeliveries == nil {
		return
	}
	h.hookDeliveries.WithLabelValues(string(p), hookOutcome(res, err)).Inc()
}

func hookOutcome(res hookResult, err error) string {
	var maxErr *http.MaxBytesError
	switch {
	case err == nil && len(res.Refused) > 0:
		return hookInvalid
	case err == nil:
		return hookApplied
	case errors.Is(err, errHookUnauthorized):
		return hookUnauthorized
	case errors.As(err, &maxErr):
		return hookTooLarge
	}
	return hookFailed
}
