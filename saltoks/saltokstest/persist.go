package saltokstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// saveEvery is how often a persistent fake writes its state file.
const saveEvery = 2 * time.Second

// RunPersistent is Run keeping the fake's sites, users, group members and
// tags in statePath, so a restarted fake (a second `make run`) still knows
// the users doorsync created: it seeds from statePath when the file
// exists, else from seedPath (or DemoSeed), and writes the file every
// couple of seconds while it changes and once more at shutdown.
func RunPersistent(ctx context.Context, addr, seedPath, statePath string, logger *slog.Logger, opts ...Option) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if _, err := os.Stat(statePath); err == nil {
		seedPath = statePath
		logger.Info("fake Salto KS: restoring saved state", "file", statePath)
	}
	s := New(opts...)
	if err := s.seedFrom(seedPath); err != nil {
		return err
	}
	saverCtx, stopSaver := context.WithCancel(context.WithoutCancel(ctx))
	saved := make(chan struct{})
	go func() {
		defer close(saved)
		s.keepSaved(saverCtx, statePath, logger)
	}()
	err := s.listenAndServe(ctx, addr, logger)
	stopSaver()
	<-saved
	return errors.Join(err, s.SaveSeed(statePath))
}

// keepSaved writes the state file whenever the state changed, until ctx
// ends.
func (s *Server) keepSaved(ctx context.Context, path string, logger *slog.Logger) {
	t := time.NewTicker(saveEvery)
	defer t.Stop()
	var last []byte
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		data, err := json.Marshal(s.State().Seed)
		if err != nil || string(data) == string(last) {
			continue
		}
		if err := writeFileAtomic(path, data); err != nil {
			logger.Warn("fake Salto KS: could not save state", "file", path, "err", err)
			continue
		}
		last = data
	}
}

// SaveSeed writes the fake's seedable state (clients, sites, users, group
// members, tags) to path, replacing it atomically; it seeds back with
// LoadSeedFile.
func (s *Server) SaveSeed(path string) error {
	data, err := json.MarshalIndent(s.State().Seed, "", "  ")
	if err != nil {
		return fmt.Errorf("saltokstest: save state: %w", err)
	}
	return writeFileAtomic(path, data)
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".fake-salto-*")
	if err != nil {
		return fmt.Errorf("saltokstest: save state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("saltokstest: save state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saltokstest: save state: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}
