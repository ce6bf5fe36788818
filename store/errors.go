package store

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ErrNotFound means the row asked for does not exist.
var ErrNotFound = errors.New("not found")

// ErrStale means a write carried an older version than the stored one; it
// changed nothing.
var ErrStale = errors.New("stale version")

// ErrDeletedVersion is ErrStale for a write of a deleted entity whose
// version is not newer than the one it was deleted at.
var ErrDeletedVersion = fmt.Errorf("deleted at this version or a newer one: %w", ErrStale)

// ErrConflict means a write could not be applied to the current state
// (for example a day pass with no passes left).
var ErrConflict = errors.New("conflict")

func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
