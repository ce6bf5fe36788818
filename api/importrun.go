package api

import (
	"context"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"doorsync/internal/entity"
)

// importResult is the answer to an import: Rejected holds the first
// maxReportedRejections rejected lines in line order, RejectedCount all.
type importResult struct {
	Accepted      int               `json:"accepted"`
	Rejected      []importRejection `json:"rejected"`
	RejectedCount int               `json:"rejected_count"`
}

type importRejection struct {
	Line   int          `json:"line"`
	Errors []fieldError `json:"errors"`
}

// importWriters is how many lines the import writes at once. Lines of one
// entity always go to the same writer, in order, so a later line of an
// entity wins as it would in sequence.
const importWriters = 8

// importPokeHold is how long an import holds its lines' pokes: they are
// queued due this much later and released together once the last line is
// written, so the relay's sending (and the workflows it starts) does not
// compete with the writing for the machine. A line written longer ago
// than this has its pokes come due by itself, so an import delays no
// change's way to the door by more, even one whose process dies before it
// releases them (docs/architecture.md, D53).
const importPokeHold = time.Minute

// importInFlight bounds the bytes of parsed lines waiting for or being
// written by the writers, so a fast reader cannot queue the body in memory.
const importInFlight = 16 << 20

// importRun is one import: parsed lines go to writers by entity.
type importRun struct {
	h        *handlers
	orgID    string
	ctx      context.Context
	cancel   context.CancelFunc
	writers  []chan importLine
	wg       sync.WaitGroup
	inFlight *semaphore.Weighted

	mu       sync.Mutex
	accepted int
	rejected rejections
	firstErr error
	held     []int64 // the pokes queued, to release at the end
}

// importLine is a parsed line on its way to a writer.
type importLine struct {
	n    int
	size int64
	kind *entity.Kind
	id   string
	body entity.Body
}

func newImport(ctx context.Context, h *handlers, orgID string) *importRun {
	imp := &importRun{h: h, orgID: orgID, inFlight: semaphore.NewWeighted(importInFlight)}
	imp.ctx, imp.cancel = context.WithCancel(ctx)
	for range importWriters {
		ch := make(chan importLine, 64)
		imp.writers = append(imp.writers, ch)
		imp.wg.Go(func() { imp.write(ch) })
	}
	return imp
}

// add parses line n and hands it to its entity's writer, or records why
// it is refused.
func (imp *importRun) add(n int, text []byte) {
	l, err := parseImportLine(text)
	if err != nil {
		imp.done(n, nil, err)
		return
	}
	l.n, l.size = n, int64(len(text))
	if imp.inFlight.Acquire(imp.ctx, l.size) != nil {
		return // the import is ending
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(string(l.kind.Kind) + "\x00" + l.id)) // a hash never fails
	select {
	case imp.writers[h.Sum32()%importWriters] <- l:
	case <-imp.ctx.Done():
		imp.inFlight.Release(l.size)
	}
}

// write saves the lines of one writer in order; after a failure of
// doorsync itself it saves no more.
func (imp *importRun) write(lines <-chan importLine) {
	for l := range lines {
		if imp.ctx.Err() == nil {
			res, err := imp.h.saveEntity(imp.ctx, imp.orgID, l.kind, l.id, l.body, importPokeHold)
			imp.done(l.n, res.OutboxIDs, err)
		}
		imp.inFlight.Release(l.size)
	}
}

// done records the outcome of line n and the pokes it queued. A failure
// of doorsync itself ends the import.
func (imp *importRun) done(n int, queued []int64, err error) {
	imp.mu.Lock()
	defer imp.mu.Unlock()
	if err == nil {
		imp.accepted++
		imp.held = append(imp.held, queued...)
		return
	}
	if errs, ok := lineErrors(err); ok {
		imp.rejected.add(importRejection{Line: n, Errors: boundErrors(errs)})
		return
	}
	if imp.firstErr == nil {
		imp.firstErr = err
		imp.cancel()
	}
}

// wait lets the writers finish, releases the pokes of every line written
// (even when the import failed or its client left: what was written stays
// written and must reach the door) and returns the result, or the failure
// that ended the import.
func (imp *importRun) wait() (importResult, error) {
	for _, ch := range imp.writers {
		close(ch)
	}
	imp.wg.Wait()
	imp.cancel()
	imp.release()
	res := importResult{Accepted: imp.accepted, Rejected: imp.rejected.inLineOrder(), RejectedCount: imp.rejected.count}
	return res, imp.firstErr
}

// release makes the held pokes due now. A release that fails is logged,
// not the import's failure: its lines are written, and their pokes come
// due by themselves within importPokeHold.
func (imp *importRun) release() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(imp.ctx), releaseWithin)
	defer cancel()
	for ids := range slices.Chunk(imp.held, releaseBatch) {
		if err := imp.h.store.ReleasePokes(ctx, ids); err != nil {
			imp.h.log.WarnContext(ctx, "import: its changes could not be released at once; they are sent within the hold",
				"org", imp.orgID, "hold", importPokeHold, "err", err)
			return
		}
	}
}

// releaseBatch bounds the pokes one release statement makes due, and
// releaseWithin how long the release may take.
const (
	releaseBatch  = 10_000
	releaseWithin = 30 * time.Second
)
