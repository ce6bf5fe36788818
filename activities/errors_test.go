package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"doorsync/contract"
	"doorsync/saltoks"
)

func TestRetryableCapsRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		retryAfter, want time.Duration
	}{
		{7 * time.Second, 7 * time.Second},
		{5 * time.Minute, 5 * time.Minute},
		{time.Hour, 5 * time.Minute},
	} {
		err := retryable(&saltoks.Error{Status: http.StatusTooManyRequests, RetryAfter: tt.retryAfter})
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Type() != contract.RateLimitedError || appErr.NextRetryDelay() != tt.want {
			t.Errorf("Retry-After %v: %v, want a %s retrying after %v", tt.retryAfter, err, contract.RateLimitedError, tt.want)
		}
	}
}

// Failures that usually clear by themselves (a 5xx, a 429, a 404 for a
// user in its consistency window) are returned benign, so the SDK does not
// log them at ERROR; a 429 keeps its type and Retry-After. Other failures
// are returned as they are.
func TestExpectedRetriesAreBenign(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, tt := range []struct {
		name      string
		err       error
		wantType  string
		wantDelay time.Duration
	}{
		{"503", &saltoks.Error{Status: http.StatusServiceUnavailable}, ExpectedRetryError, 0},
		{"404 2202", fmt.Errorf("add x: %w", &saltoks.Error{Status: http.StatusNotFound, Code: "2202"}), ExpectedRetryError, 0},
		{"429", retryable(&saltoks.Error{Status: http.StatusTooManyRequests, RetryAfter: 7 * time.Second}), contract.RateLimitedError, 7 * time.Second},
	} {
		err := expectedRetry(context.Background(), log, nil, tt.err)
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.Category() != temporal.ApplicationErrorCategoryBenign ||
			appErr.Type() != tt.wantType || appErr.NextRetryDelay() != tt.wantDelay || appErr.NonRetryable() {
			t.Errorf("%s: %v, want a retryable benign %s (delay %v)", tt.name, err, tt.wantType, tt.wantDelay)
		}
		var se *saltoks.Error
		if !errors.As(err, &se) {
			t.Errorf("%s: Salto KS's error is no longer in the chain: %v", tt.name, err)
		}
	}
	for _, err := range []error{errors.New("database down"), &saltoks.Error{Status: http.StatusForbidden}} {
		if got := expectedRetry(context.Background(), log, nil, err); got != err { //nolint:errorlint // the very same error
			t.Errorf("%v became %v, want it unchanged", err, got)
		}
	}
}
