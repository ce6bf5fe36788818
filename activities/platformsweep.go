package activities

import (
	"context"
	"errors"
	"fmt"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/store"
)

// SweepPlatform deletes, after a full read of a stream, what the org holds
// from the platform of the stream's kinds that the run did not read: the
// platform no longer has it. Each kind's deletions go before the
// mass-removal guard (judge, as Salto KS removals do): a kind the run read
// none of (the platform answered an empty list), or one losing more than
// the guard's share at once, is held: nothing of it is deleted, and the
// hold is reported (the run records it with the connection and raises
// connection.failed), unless an operator approved the run's removals.
// Running it twice deletes nothing more.
func (a *Activities) SweepPlatform(ctx context.Context, in contract.SweepPlatformInput) (contract.SweepPlatformResult, error) {
	p := a.Platform
	if p == nil {
		return contract.SweepPlatformResult{}, errNoPlatformSync
	}
	if err := a.holdSync(ctx, in.OrgID, in.RunID, in.Generation); err != nil {
		return contract.SweepPlatformResult{}, err
	}
	defer keepAlive(ctx)()
	org, err := a.Store.GetOrg(ctx, in.OrgID)
	if err != nil {
		return contract.SweepPlatformResult{}, err
	}
	var res contract.SweepPlatformResult
	for _, kind := range in.Kinds {
		if err := a.sweepKind(ctx, in, kind, org.Settings.RemovalGuard, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// sweepKind sweeps one kind, or holds its deletions.
func (a *Activities) sweepKind(ctx context.Context, in contract.SweepPlatformInput, kind access.Kind, guard store.RemovalGuard, res *contract.SweepPlatformResult) error {
	missing, err := a.Store.UnseenPlatformEntities(ctx, in.OrgID, in.RunID, in.Platform, kind)
	if err != nil || len(missing) == 0 {
		return err
	}
	held, err := a.Store.CountPlatformEntities(ctx, in.OrgID, in.Platform, kind)
	if err != nil {
		return err
	}
	c := guardCase{Guard: guard, Approved: in.Approved, Removals: len(missing), Members: held, Emptied: len(missing) >= held}
	if judge(c) != verdictRemove {
		// The reason starts with its kind and never holds "; " (mergeHeld).
		reason := fmt.Sprintf("%s: %d of %d missing from %s, deletions held by the mass-removal guard",
			kind, len(missing), held, in.Platform)
		a.Log.WarnContext(ctx, "platform sync held its deletions", "org", in.OrgID, "platform", in.Platform,
			"kind", kind, "missing", len(missing), "held", held, "stream", in.Stream)
		res.Held = append(res.Held, reason)
		return nil
	}
	return a.deleteMissing(ctx, in, kind, missing, res)
}

// deleteMissing deletes the missing entities of a kind through the
// writer, heartbeating as it goes, and forgets their tombstones: should
// the platform list one again (a list that skipped it while it changed
// pages), it comes back at once rather than at its next change.
func (a *Activities) deleteMissing(ctx context.Context, in contract.SweepPlatformInput, kind access.Kind, ids []string, res *contract.SweepPlatformResult) error {
	var pokes []int64
	for i, id := range ids {
		queued, err := a.Platform.Writer.Delete(ctx, in.OrgID, kind, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("activities: sweep %s %s of %s: %w", kind, id, in.Platform, err)
		}
		if err == nil {
			res.Deleted++
			pokes = append(pokes, queued...)
		}
		if (i+1)%heartbeatEvery == 0 {
			beat(ctx, i+1)
		}
	}
	a.Log.InfoContext(ctx, "platform sync deleted what the platform no longer has", "org", in.OrgID,
		"platform", in.Platform, "kind", kind, "deleted", len(ids))
	a.flushPokes(ctx, a.Platform.Pokes, in.OrgID, pokes)
	return a.Store.ForgetTombstones(ctx, in.OrgID, kind, ids)
}
