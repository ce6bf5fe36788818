package nexudustest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Run serves the fake on addr (e.g. "127.0.0.1:8091") until ctx ends,
// seeded from seedPath (DemoSeed when ""), for a local run such as a
// `doorsync fake-nexudus` command. Requests are logged at Info (method,
// path, status; never headers, queries or bodies). logger may be nil.
func Run(ctx context.Context, addr, seedPath string, logger *slog.Logger) error {
	s := New()
	if err := s.LoadFile(seedPath); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("nexudustest: %w", err)
	}
	return s.Serve(ctx, ln, logger)
}

// Serve serves the fake on ln until ctx ends, then shuts down.
func (s *Server) Serve(ctx context.Context, ln net.Listener, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	hs := &http.Server{Handler: logRequests(s.handler, logger), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	logger.Info("fake Nexudus listening", "url", "http://"+ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("nexudustest: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("nexudustest: shutting down: %w", err)
	}
	s.deliver.Wait()
	return nil
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func logRequests(h http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		logger.Info("fake Nexudus", "method", r.Method, "path", r.URL.Path, "status", rec.status)
	})
}
