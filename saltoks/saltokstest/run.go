package saltokstest

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"doorsync/internal/fakeserve"
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
	return fakeserve.Serve(ctx, ln, s.handler, logger, "fake Salto KS")
}
