package activities

import (
	"context"
	"encoding/json"

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
