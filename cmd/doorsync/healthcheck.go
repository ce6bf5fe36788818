package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// runHealthcheck asks a doorsync process whether it is ready, for a
// container's healthcheck (the image has no curl): GET the URL given
// (default: this host's API /readyz); 2xx exits 0, anything else 1.
func runHealthcheck(ctx context.Context, _ *environment, args []string) error {
	url := "http://127.0.0.1:8080/readyz"
	if len(args) > 0 {
		url = args[0]
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil) //nolint:gosec // the operator's own URL, from the container's command
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req) //nolint:gosec // as above
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return errors.New("healthcheck: " + url + " answered " + resp.Status)
	}
	return nil
}

// healthcheckTimeout bounds a healthcheck (the container's own timeout is
// usually shorter).
const healthcheckTimeout = 5 * time.Second
