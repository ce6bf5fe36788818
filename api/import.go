package api

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"

	"doorsync/store"
)

// importKinds are the entity kinds by import "type" (the store kind, and
// "day-pass" too).
var importKinds = func() map[string]*entityKind {
	m := map[string]*entityKind{}
	for _, k := range entityKinds {
		m[k.kind] = k
	}
	m["day-pass"] = m["day_pass"]
	return m
}()

// importTypes is the list of "type" values for error messages.
const importTypes = "location, floor, resource, plan, team, member, membership, booking, day_pass"

type importResult struct {
	Accepted int               `json:"accepted"`
	Rejected []importRejection `json:"rejected"`
}

type importRejection struct {
	Line   int          `json:"line"`
	Errors []fieldError `json:"errors"`
}

// importWriters is how many lines the import writes at once. Lines of one
// entity always go to the same writer, in order, so a later line of an
// entity wins as it would in sequence.
const importWriters = 8

// importEntities upserts NDJSON lines, each as its PUT would, streaming
// the body (each line at most 1 MiB, the body unbounded). Good lines are
// kept even when others are bad; blank lines are skipped; lines are
// numbered from 1. Their pokes are left to the outbox relay, which each
// commit wakes: it sends them in batches at the pace Temporal takes them.
func (h *handlers) importEntities(w http.ResponseWriter, r *http.Request) error {
	if err := requireContentType(r, "application/x-ndjson"); err != nil {
		return err
	}
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	if _, err := h.store.GetOrg(ctx, orgID); err != nil {
		return err
	}
	imp := newImport(ctx, h, orgID)
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 0, 64<<10), maxBody)
	line := 0
	for sc.Scan() && imp.ctx.Err() == nil {
		line++
		if text := bytes.TrimSpace(sc.Bytes()); len(text) > 0 {
			imp.add(line, text)
		}
	}
	res, err := imp.wait()
	if err != nil {
		return err
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return httpError(http.StatusRequestEntityTooLarge,
				fmt.Sprintf("line %d is longer than 1 MiB; the %d lines accepted before it were kept", line+1, res.Accepted))
		}
		return fmt.Errorf("api: read import: %w", err)
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// importRun is one import: parsed lines go to writers by entity.
type importRun struct {
	h       *handlers
	orgID   string
	ctx     context.Context
	cancel  context.CancelFunc
	writers []chan importLine
	wg      sync.WaitGroup

	mu       sync.Mutex
	res      importResult
	firstErr error
}

// importLine is a parsed line on its way to a writer.
type importLine struct {
	n    int
	kind *entityKind
	id   string
	body entityBody
}

func newImport(ctx context.Context, h *handlers, orgID string) *importRun {
	imp := &importRun{h: h, orgID: orgID, res: importResult{Rejected: []importRejection{}}}
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
	l.n = n
	h := fnv.New32a()
	h.Write([]byte(l.kind.kind + "\x00" + l.id))
	select {
	case imp.writers[h.Sum32()%importWriters] <- l:
	case <-imp.ctx.Done():
	}
}

// write saves the lines of one writer in order; after a failure of
// doorsync itself it saves no more.
func (imp *importRun) write(lines <-chan importLine) {
	for l := range lines {
		if imp.ctx.Err() != nil {
			continue
		}
		_, err := imp.h.saveEntity(imp.ctx, imp.orgID, l.kind, l.id, l.body)
		imp.done(l.n, err)
	}
}

// done records the outcome of line n. A failure of doorsync itself ends
// the import.
func (imp *importRun) done(n int, err error) {
	imp.mu.Lock()
	defer imp.mu.Unlock()
	if err == nil {
		imp.res.Accepted++
		return
	}
	if errs, ok := lineErrors(err); ok {
		imp.res.Rejected = append(imp.res.Rejected, importRejection{Line: n, Errors: errs})
		return
	}
	if imp.firstErr == nil {
		imp.firstErr = err
		imp.cancel()
	}
}

// wait lets the writers finish and returns the result, rejections in line
// order, or the failure that ended the import.
func (imp *importRun) wait() (importResult, error) {
	for _, ch := range imp.writers {
		close(ch)
	}
	imp.wg.Wait()
	imp.cancel()
	slices.SortFunc(imp.res.Rejected, func(a, b importRejection) int { return cmp.Compare(a.Line, b.Line) })
	return imp.res, imp.firstErr
}

// parseImportLine reads one line: its type, id and body, validated as its
// PUT would validate them before saving.
func parseImportLine(line []byte) (importLine, error) {
	if err := refuseDuplicateKeys(line); err != nil {
		return importLine{}, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return importLine{}, httpError(http.StatusBadRequest, "the line is not a JSON object")
	}
	v := &validationError{}
	typ := stringField(v, fields, "type")
	id := stringField(v, fields, "id")
	k := importKinds[typ]
	if typ != "" && k == nil {
		v.add("type", "must be one of "+importTypes)
	}
	if id != "" && !validID.MatchString(id) {
		v.add("id", idRule)
	}
	if err := v.orNil(); err != nil {
		return importLine{}, err
	}
	delete(fields, "type")
	rest, err := json.Marshal(fields)
	if err != nil {
		return importLine{}, err
	}
	body := k.newBody()
	if err := decodeStrict(bytes.NewReader(rest), body); err != nil {
		return importLine{}, err
	}
	return importLine{kind: k, id: id, body: body}, nil
}

// stringField reads a required string field of a line.
func stringField(v *validationError, fields map[string]json.RawMessage, name string) string {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		v.add(name, "is required")
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		v.add(name, "must be a string")
		return ""
	}
	if strings.TrimSpace(s) == "" {
		v.add(name, "is required")
	}
	return s
}

// lineErrors turns why a line was refused into its field errors; false
// for a failure of doorsync itself, which ends the import.
func lineErrors(err error) ([]fieldError, bool) {
	var (
		verr *validationError
		serr *statusError
	)
	switch {
	case err == nil:
		return nil, false
	case errors.As(err, &verr):
		return verr.fields, true
	case errors.As(err, &serr) && serr.status < 500:
		return []fieldError{{Field: "", Message: serr.detail}}, true
	case errors.Is(err, store.ErrDeletedVersion):
		return []fieldError{{Field: "version", Message: "is not newer than the version the entity was deleted at; nothing was changed"}}, true
	case errors.Is(err, store.ErrStale):
		return []fieldError{{Field: "version", Message: "is older than the stored version, or equal to it with another body; nothing was changed"}}, true
	}
	return nil, false
}
