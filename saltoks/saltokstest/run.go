package saltokstest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Run serves the fake on addr (e.g. "127.0.0.1:8090") until ctx ends, as
// `doorsync fake-salto` does. It seeds from seedPath, or from DemoSeed when
// seedPath is empty. Requests are logged at Info (method, path, status,
// duration; never headers or bodies). logger may be nil.
func Run(ctx context.Context, addr, seedPath string, logger *slog.Logger, opts ...Option) error {
	s := New(opts...)
	if err := s.seedFrom(seedPath); err != nil {
		return err
	}
	return s.listenAndServe(ctx, addr, logger)
}

func (s *Server) listenAndServe(ctx context.Context, addr string, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("saltokstest: %w", err)
	}
	return s.Serve(ctx, ln, logger)
}

func (s *Server) seedFrom(path string) error {
	if path == "" {
		return s.SeedJSON(DemoSeed)
	}
	seed, err := LoadSeedFile(path)
	if err != nil {
		return err
	}
	return s.Seed(seed)
}

// Serve serves the fake on ln until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	hs := &http.Server{
		Handler:           logRequests(s.handler, logger),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	logger.Info("fake Salto KS listening", "url", "http://"+ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("saltokstest: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("saltokstest: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("saltokstest: %w", err)
	}
	return nil
}

// logRequests logs each request's method, path (no query: it may hold
// e-mails or tokens), status and duration.
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
