package saltoks

import (
	"context"
	"fmt"
	"net/http"
)

// beforeSendKey carries a request's last check (see WithBeforeSend).
type beforeSendKey struct{}

// WithBeforeSend returns a context whose writes (every method but GET)
// call check when they are about to go out: after any wait for the rate
// limit or a token, right before each attempt is sent. An error from check is returned, wrapped,
// instead of sending; it is not retried. A caller whose reason for a write
// may lapse while the write waits (access that ended meanwhile) uses it to
// send nothing late.
func WithBeforeSend(ctx context.Context, check func(context.Context) error) context.Context {
	return context.WithValue(ctx, beforeSendKey{}, check)
}

// checkBeforeSend runs the context's check, if any, for a write.
func checkBeforeSend(ctx context.Context, req request) error {
	check, _ := ctx.Value(beforeSendKey{}).(func(context.Context) error)
	if check == nil || req.method == http.MethodGet {
		return nil
	}
	if err := check(ctx); err != nil {
		return fmt.Errorf("saltoks: %s %s: not sent: %w", req.method, req.path(), err)
	}
	return nil
}
