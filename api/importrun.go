package api

import (
	"context"
	"hash/fnv"
	"sync"

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
		imp.done(n, err)
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
			_, err := imp.h.saveEntity(imp.ctx, imp.orgID, l.kind, l.id, l.body)
			imp.done(l.n, err)
		}
		imp.inFlight.Release(l.size)
	}
}

// done records the outcome of line n. A failure of doorsync itself ends
// the import.
func (imp *importRun) done(n int, err error) {
	imp.mu.Lock()
	defer imp.mu.Unlock()
	if err == nil {
		imp.accepted++
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

// wait lets the writers finish and returns the result, or the failure that
// ended the import.
func (imp *importRun) wait() (importResult, error) {
	for _, ch := range imp.writers {
		close(ch)
	}
	imp.wg.Wait()
	imp.cancel()
	res := importResult{Accepted: imp.accepted, Rejected: imp.rejected.inLineOrder(), RejectedCount: imp.rejected.count}
	return res, imp.firstErr
}
