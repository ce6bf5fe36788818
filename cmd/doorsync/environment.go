package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"doorsync/internal/config"
	"doorsync/internal/payloadcodec"
	"doorsync/internal/temporalmetrics"
	"doorsync/store"
)

// environment is what every command starts from: the validated config, a
// logger and the process's output.
type environment struct {
	cfg    config.Config
	log    *slog.Logger
	stdout io.Writer
	getenv func(string) string
}

func newEnvironment(getenv func(string) string, stdout io.Writer) (*environment, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	return &environment{cfg: cfg, log: newLogger(cfg, os.Stderr), stdout: stdout, getenv: getenv}, nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func (e *environment) openStore(ctx context.Context) (*store.Store, error) {
	return store.Open(ctx, e.cfg.DatabaseURL)
}

// temporalMetrics is the process's one handler of the Temporal SDK's
// metrics, on Prometheus's default registry (served by the worker's
// /metrics, and by the API's).
func (e *environment) temporalMetrics() client.MetricsHandler {
	temporalMetricsOnce.Do(func() {
		temporalMetricsHandler, _ = temporalmetrics.Handler(nil, e.log.With("component", "temporal-metrics"))
	})
	return temporalMetricsHandler
}

var (
	temporalMetricsOnce    sync.Once
	temporalMetricsHandler client.MetricsHandler
)

// dialTemporal dials Temporal with the configured client options (TLS, API
// key: config.Temporal) and, when DOORSYNC_PAYLOAD_KEY is set, the payload
// codec as the data converter: every process's client writes and reads
// encrypted payloads.
func (e *environment) dialTemporal(ctx context.Context) (client.Client, error) {
	opts, err := e.cfg.Temporal.ClientOptions()
	if err != nil {
		return nil, fmt.Errorf("temporal client options: %w", err)
	}
	opts.Logger = tlog.NewStructuredLogger(e.log.With("component", "temporal"))
	opts.MetricsHandler = e.temporalMetrics()
	codec, err := e.payloadCodec()
	if err != nil {
		return nil, err
	}
	if codec != nil {
		opts.DataConverter = codec.DataConverter()
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("dial temporal at %s: %w", e.cfg.Temporal.Address, err)
	}
	return c, nil
}

// payloadCodec encrypts Temporal payloads; nil when DOORSYNC_PAYLOAD_KEY
// is unset.
func (e *environment) payloadCodec() (*payloadcodec.Codec, error) {
	if e.cfg.PayloadKey == nil {
		return nil, nil
	}
	return payloadcodec.New(e.cfg.PayloadKey, e.cfg.PreviousPayloadKeys...)
}
