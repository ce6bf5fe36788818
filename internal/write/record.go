package write

import (
	"context"
	"errors"
	"fmt"

	"doorsync/connectors"
	"doorsync/internal/entity"
	"doorsync/store"
)

// Record writes an entity a platform holds, as a PUT of its body would
// (entity.PrepareSourced: a bad body is an error wrapping *entity.Invalid,
// and nothing is stored), recording the platform and its object as the
// entity's source; the stored operator-owned fields stay (Entity). A
// repeat changes nothing. A record no newer than what doorsync holds is
// store.ErrStale, for the caller to count as skipped: an older version, or
// a version at or below the one the operator deleted the entity at (the
// error wraps store.ErrDeletedVersion too) — a platform keeps listing an
// object the operator deleted here, and only its next change brings it
// back. A record read (rec.ReadAt) after doorsync last wrote the entity
// supersedes it even at the same or an older version (readVersion).
func (wr *Writer) Record(ctx context.Context, orgID string, platform connectors.Platform, rec connectors.Record) (store.WriteResult, error) {
	w, err := entity.PrepareSourced(orgID, rec.Kind, rec.ID, rec.Body, string(platform), rec.SourceID)
	if err != nil {
		return store.WriteResult{}, fmt.Errorf("write: %s record %s %s: %w", platform, rec.Kind, rec.ID, err)
	}
	w.ReadAt = rec.ReadAt
	res, err := wr.Entity(ctx, w)
	if errors.Is(err, store.ErrDeletedVersion) {
		err = fmt.Errorf("%w (%w)", store.ErrStale, err)
	}
	if err != nil {
		return res, fmt.Errorf("write: %s record %s %s: %w", platform, rec.Kind, rec.ID, err)
	}
	return res, nil
}
