// Package write owns every write of the platform's data: an entity's
// upsert or delete (PUT, DELETE and each import line), a mapping, the
// org's settings, a day pass's use. Each is straight-line code in one
// transaction: lock, load, check the version or tombstone, work out whom
// it affects with the engine, store, queue the pokes. The store offers the
// transaction's primitives (store.Tx); the api decodes, validates, calls a
// write and encodes its answer.
//
// Who a write affects is delivered on the write's own path: the persons
// whose access it changes now are poked in its transaction, and the
// lifecycle workflow of a membership, booking or day pass is started only
// when its access changes later, with the write's instant (the lifecycle
// keeps time; see docs/architecture.md, D5 and D37).
package write

import (
	"time"

	"doorsync/store"
)

// Writer writes through Store; Now is its clock (time.Now when nil).
type Writer struct {
	Store *store.Store
	Now   func() time.Time
}

func (wr *Writer) now() time.Time {
	if wr.Now != nil {
		return wr.Now()
	}
	return time.Now()
}
