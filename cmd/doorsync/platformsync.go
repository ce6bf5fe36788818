package main

import (
	"context"
	"errors"

	"doorsync/activities"
	"doorsync/internal/entity"
	"doorsync/internal/platformconn"
	"doorsync/internal/write"
	"doorsync/store"
)

// platformSync is what the worker's platform sync activities need: the
// org's connector, the API's write path, the sync state kept with the
// connection, and the relay to send each page's pokes at once.
func platformSync(svc *services) *activities.PlatformSync {
	return &activities.PlatformSync{
		Platforms: svc.platforms, Writer: &write.Writer{Store: svc.store}, States: svc.store, Pokes: svc.relay,
		NotConnected: platformconn.ErrNotConnected, Refused: entity.IsInvalid,
	}
}

// ensurePlatformSchedule makes sure a connected org's platform sync
// schedule exists at its interval (a schedule lost with a Temporal
// namespace); an org without a connection has none.
func ensurePlatformSchedule(ctx context.Context, env *environment, svc *services, org store.Org) {
	_, err := svc.store.GetPlatformConnection(ctx, org.ID)
	if errors.Is(err, store.ErrNotFound) {
		return
	}
	if err == nil {
		err = svc.rec.EnsurePlatformSchedule(ctx, org.ID, org.Settings.SyncEvery())
	}
	if err != nil {
		env.log.WarnContext(ctx, "could not ensure the platform sync schedule", "org", org.ID, "err", err)
	}
}
