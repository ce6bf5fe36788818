package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"doorsync/store"
)

// importFlushEvery is how many lines the import handles between sending
// the pokes its writes queued.
const importFlushEvery = 500

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

// importEntities upserts NDJSON lines, each as its PUT would, streaming
// the body (each line at most 1 MiB, the body unbounded). Good lines are
// kept even when others are bad; blank lines are skipped; lines are
// numbered from 1.
func (h *handlers) importEntities(w http.ResponseWriter, r *http.Request) error {
	if err := requireContentType(r, "application/x-ndjson"); err != nil {
		return err
	}
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	if _, err := h.store.GetOrg(ctx, orgID); err != nil {
		return err
	}
	res := importResult{Rejected: []importRejection{}}
	var pending []int64
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 0, 64<<10), maxBody)
	line := 0
	for sc.Scan() {
		line++
		if line%importFlushEvery == 0 {
			h.flush(ctx, pending)
			pending = nil
		}
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		ids, err := h.importLine(ctx, orgID, text)
		if errs, ok := lineErrors(err); ok {
			res.Rejected = append(res.Rejected, importRejection{Line: line, Errors: errs})
			continue
		}
		if err != nil {
			h.flush(ctx, pending)
			return err
		}
		res.Accepted++
		pending = append(pending, ids...)
	}
	h.flush(ctx, pending)
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

// importLine upserts one line through the same path as PUT.
func (h *handlers) importLine(ctx context.Context, orgID string, line []byte) ([]int64, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return nil, httpError(http.StatusBadRequest, "the line is not a JSON object")
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
		return nil, err
	}
	delete(fields, "type")
	rest, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	body := k.newBody()
	if err := decodeStrict(bytes.NewReader(rest), body); err != nil {
		return nil, err
	}
	res, err := h.saveEntity(ctx, orgID, k, id, body)
	return res.OutboxIDs, err
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
	case errors.Is(err, store.ErrStale):
		return []fieldError{{Field: "version", Message: "is older than the stored version, or equal to it with another body; nothing was changed"}}, true
	}
	return nil, false
}
