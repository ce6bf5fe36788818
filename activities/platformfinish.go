package activities

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/store"
)

// FinishPlatformSync records a run's end with the org's connection: when
// it last succeeded, its error (or, failing that, its held deletions or
// refused records), the counts of a full run, the watermarks of the
// streams it read to the end, and the held sweep. A hold that appears
// queues a connection.failed webhook event, one that clears a
// connection.restored. It then frees the org's sync and the run's marks.
// An org disconnected or reconnected meanwhile records nothing: the state
// belongs to the new connection.
func (a *Activities) FinishPlatformSync(ctx context.Context, in contract.FinishPlatformSyncInput) error {
	p := a.Platform
	if p == nil {
		return errNoPlatformSync
	}
	same, err := a.sameConnection(ctx, in.OrgID, in.Generation)
	var state PlatformSyncState
	if err == nil && same {
		state, err = p.States.PlatformSyncState(ctx, in.OrgID)
	}
	if err == nil && same {
		err = a.recordSync(ctx, in, state)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := a.Store.ForgetPlatformRun(ctx, in.OrgID, in.RunID, abandonedRunAfter); err != nil {
		return err
	}
	return a.Store.ReleasePlatformSync(ctx, in.OrgID, in.RunID)
}

// recordSync updates state with the run and records it.
func (a *Activities) recordSync(ctx context.Context, in contract.FinishPlatformSyncInput, state PlatformSyncState) error {
	r := in.Result
	before := state.Held
	state.Held = mergeHeld(state.Held, r.Swept, r.Held)
	state.Watermarks = maps.Clone(state.Watermarks)
	if state.Watermarks == nil {
		state.Watermarks = map[string]time.Time{}
	}
	maps.Copy(state.Watermarks, r.Watermarks)
	if r.Full && in.Error == "" {
		state.Watermarks[fullMark] = r.StartedAt
		counts, err := a.Store.PlatformSeenCounts(ctx, in.OrgID, in.RunID)
		if err != nil {
			return err
		}
		state.Counts = counts
	}
	if in.Error == "" {
		now := a.now()
		state.LastSyncAt = &now
	}
	state.LastError = syncError(in.Error, state.Held, r.Failed)
	if err := a.Platform.States.RecordPlatformSync(ctx, in.OrgID, state); err != nil {
		return err
	}
	return a.heldEvent(ctx, in, before, state.Held)
}

// mergeHeld is the connection's held deletions after a run: the kinds the
// run swept say anew whether they are held; the others stay as they were
// (an incremental run sweeps only the streams read whole, and must not
// clear the hold of a kind only a full run sweeps). Each reason starts
// with its kind and ":"; reasons are joined with "; ".
func mergeHeld(before string, swept []access.Kind, held []string) string {
	var reasons []string
	for _, r := range strings.Split(before, "; ") {
		kind, _, ok := strings.Cut(r, ":")
		if ok && !slices.Contains(swept, access.Kind(kind)) {
			reasons = append(reasons, r)
		}
	}
	reasons = append(reasons, held...)
	slices.Sort(reasons)
	return strings.Join(reasons, "; ")
}

// syncError is what GET …/platform shows as last_error: the run's error,
// else its held deletions, else how many records it could not write.
func syncError(runErr, held string, failed int) string {
	switch {
	case runErr != "":
		return runErr
	case held != "":
		return held
	case failed > 0:
		return fmt.Sprintf("%d platform records were refused (see the platform's problems)", failed)
	}
	return ""
}

// heldEvent raises connection.failed when deletions became held, and
// connection.restored when a hold cleared.
func (a *Activities) heldEvent(ctx context.Context, in contract.FinishPlatformSyncInput, before, after string) error {
	if (before == "") == (after == "") {
		return nil
	}
	return a.Store.QueuePlatformSyncEvent(ctx, in.OrgID, in.Platform, after)
}
