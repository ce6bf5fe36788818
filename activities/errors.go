package activities

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"doorsync/contract"
	"doorsync/saltoks"
)

// retryable returns err so Temporal retries it: after Salto KS's
// Retry-After when it sent one (at most saltoks.MaxRetryAfter), else on
// the workflow's backoff. Nothing is ever given up on; revocations must
// happen eventually.
func retryable(err error) error {
	if err == nil {
		return nil
	}
	if wait, ok := saltoks.IsRateLimited(err); ok && wait > 0 {
		return temporal.NewApplicationErrorWithOptions(err.Error(), contract.RateLimitedError,
			temporal.ApplicationErrorOptions{NextRetryDelay: min(wait, saltoks.MaxRetryAfter), Cause: err})
	}
	return err
}

// ExpectedRetryError is the type of the ApplicationError ApplyAccess and
// ReconcileOrg return for an expected retry (see expectedRetry).
const ExpectedRetryError = "SaltoExpectedRetry"

// expectedAttempts is how many attempts of an activity in a row may fail
// for a reason that usually clears by itself before the failure is
// reported as an error.
const expectedAttempts = 5

// expectedRetry returns err, the failure of an attempt, marked as benign
// when it is an expected retry: Salto KS answered 5xx, 408 or 429 or could
// not be reached, or answered 404 for a user it is still provisioning (its
// consistency window; a 404 for a group the site lacks is a problem, not
// an error, and never gets here), and the activity is within its first
// expectedAttempts attempts. The Temporal SDK then logs it at DEBUG rather
// than "Activity error." at ERROR, and doorsync logs it at WARN with the
// person and the reason. Anything else (the database, a bug), or a Salto
// KS failure that lasts, is returned as it is: an error.
func expectedRetry(ctx context.Context, log *slog.Logger, attrs []any, err error) error {
	if err == nil || !expectedFailure(err) {
		return err
	}
	attempt := int32(1)
	if activity.IsActivity(ctx) {
		attempt = activity.GetInfo(ctx).Attempt
	}
	if attempt > expectedAttempts {
		return err
	}
	errType, opts := ExpectedRetryError, temporal.ApplicationErrorOptions{Cause: err}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) { // a 429's: keep its type and Retry-After
		if appErr.NonRetryable() {
			return err
		}
		errType, opts.NextRetryDelay = appErr.Type(), appErr.NextRetryDelay()
	}
	opts.Category = temporal.ApplicationErrorCategoryBenign
	log.WarnContext(ctx, "Salto KS call failed; retrying (expected)",
		append(attrs, "attempt", attempt, "reason", refusalText(err), "err", err)...)
	return temporal.NewApplicationErrorWithOptions(err.Error(), errType, opts)
}

// expectedFailure says whether err usually clears by itself: Salto KS's
// 5xx, 408, 429 or a transport error, or a 404 (a user in its consistency
// window, or one just forgotten to be adopted or created again).
func expectedFailure(err error) bool {
	return saltoks.IsRetryable(err) || saltoks.IsNotFound(err)
}

func tagPatch(tagID string) saltoks.UserPatch {
	return saltoks.UserPatch{TagID: &tagID}
}

// tagReason is an assign_tag or unassign_tag entry's reason: the tag, the
// card (its number) and the member's cards at the time.
func tagReason(tagID, card string, cards []string) json.RawMessage {
	if cards == nil {
		cards = []string{}
	}
	b, _ := json.Marshal(map[string]any{"tag_id": tagID, "tag_number": card, "access_cards": cards})
	return b
}

// saltoGroups is the part of the Salto KS client that removes members.
type saltoGroups interface {
	RemoveGroupMember(ctx context.Context, siteID, groupID, platformUserID string) error
}

func isNotFound(err error) bool { return saltoks.IsNotFound(err) }
