package nexudustest

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"doorsync/internal/fakeserve"
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

// Serve serves the fake on ln until ctx ends, then shuts down and waits
// for the webhook deliveries under way.
func (s *Server) Serve(ctx context.Context, ln net.Listener, logger *slog.Logger) error {
	err := fakeserve.Serve(ctx, ln, s.handler, logger, "fake Nexudus")
	s.deliver.Wait()
	return err
}
