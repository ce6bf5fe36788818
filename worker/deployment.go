package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
)

// makeCurrentPatience is how long Run tries to make its build current
// before it logs a warning and tries again (Temporal knows a version once
// a poller of it has polled, usually within a second).
const makeCurrentPatience = time.Minute

// keepMakingCurrent runs MakeCurrent until it succeeds or ctx ends.
func keepMakingCurrent(ctx context.Context, c client.Client, v sdkworker.WorkerDeploymentVersion, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	for ctx.Err() == nil {
		mctx, cancel := context.WithTimeout(ctx, makeCurrentPatience)
		err := MakeCurrent(mctx, c, v)
		cancel()
		if err == nil {
			log.InfoContext(ctx, "worker: this build is the current version", "deployment", v.DeploymentName, "build_id", v.BuildID)
			return
		}
		if ctx.Err() == nil {
			log.WarnContext(ctx, "worker: this build is not the current version yet; workflows stay on the current one", "err", err)
		}
	}
}

// MakeCurrent makes v the current version of its worker deployment, so new workflows start on it and auto-upgrading ones move to
// it at their next task. It retries until Temporal has seen a poller of
// this version (a worker of it must be started first) or ctx ends. A
// version already current is left alone. Temporal refuses to make a
// version current while it lacks a task queue the current version polls.
func MakeCurrent(ctx context.Context, c client.Client, v sdkworker.WorkerDeploymentVersion) error {
	h := c.WorkerDeploymentClient().GetHandle(v.DeploymentName)
	for {
		d, err := h.Describe(ctx, client.WorkerDeploymentDescribeOptions{})
		if err == nil {
			if cur := d.Info.RoutingConfig.CurrentVersion; cur != nil && *cur == v {
				return nil
			}
			_, err = h.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{
				BuildID: v.BuildID, ConflictToken: d.ConflictToken})
			if err == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("worker: make %s:%s the current version: %w", v.DeploymentName, v.BuildID, errors.Join(err, ctx.Err()))
		case <-time.After(200 * time.Millisecond):
		}
	}
}
