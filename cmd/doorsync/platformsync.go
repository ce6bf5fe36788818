package main

import (
	"errors"

	"doorsync/activities"
	"doorsync/internal/entity"
	"doorsync/internal/platformconn"
	"doorsync/internal/write"
)

// platformSync is what the worker's platform sync activities need: the
// org's connector, the API's write path, the sync state kept with the
// connection, and the relay to send each page's pokes at once.
func platformSync(svc *services) *activities.PlatformSync {
	return &activities.PlatformSync{
		Platforms: svc.platforms, Writer: &write.Writer{Store: svc.store}, States: svc.store, Pokes: svc.relay,
		NotConnected: platformconn.ErrNotConnected, Refused: refusedRecord,
	}
}

// refusedRecord says a platform record failed validation as a PUT of its
// body would (entity.Invalid): the sync records it as a problem and goes
// on, where any other failure is retried.
func refusedRecord(err error) bool {
	var invalid *entity.Invalid
	return errors.As(err, &invalid)
}
