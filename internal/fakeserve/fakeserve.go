// Package fakeserve serves doorsync's fakes (Salto KS, OfficeRnD, Nexudus)
// for local runs: one listener, a log line per request, a graceful stop.
package fakeserve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// shutdownTimeout bounds how long a stopping fake waits for requests in
// flight.
const shutdownTimeout = 5 * time.Second

// Serve serves h on ln until ctx ends, then shuts down gracefully. It logs
// "<name> listening" with the URL and attrs, and each request's method,
// path (no query: it may hold e-mails or tokens), status and duration;
// never headers or bodies. logger may be nil.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger, name string, attrs ...any) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	hs := &http.Server{
		Handler:           logRequests(h, logger),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	logger.Info(name+" listening", append([]any{"url", "http://" + ln.Addr().String()}, attrs...)...)
	select {
	case err := <-errc:
		return fmt.Errorf("%s: %w", name, err)
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(stop); err != nil {
		return fmt.Errorf("%s: shutdown: %w", name, err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func logRequests(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
