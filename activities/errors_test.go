package activities

import (
	"errors"
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
