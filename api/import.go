package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"doorsync/access"
	"doorsync/internal/entity"
	"doorsync/store"
)

// importKinds are the entity kinds by import "type" (the store kind, and
// "day-pass" too).
var importKinds = func() map[string]*entity.Kind {
	m := map[string]*entity.Kind{}
	for _, k := range entity.Kinds {
		m[string(k.Kind)] = k
	}
	m["day-pass"] = m[string(access.KindDayPass)]
	return m
}()

// importTypes is the list of "type" values for error messages: "location,
// floor, …, day_pass".
var importTypes = func() string {
	names := make([]string, len(access.SpaceKinds))
	for i, k := range access.SpaceKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}()

// DefaultImportMaxBytes is the largest import body accepted when Deps
// sets none (DOORSYNC_IMPORT_MAX_BYTES).
const DefaultImportMaxBytes = 256 << 20

// importEntities upserts NDJSON lines, each as its PUT would, streaming
// the body: at most the deployment's limit (413 beyond it), each line at
// most 1 MiB (a longer one is that line's rejection, and reading goes on).
// Good lines are kept even when others are bad; blank lines are skipped;
// lines are numbered from 1. The answer lists the first 1,000 rejected
// lines and counts them all. Their pokes are held while the import
// writes and released to the outbox relay once it has written its last
// line (importPokeHold): the relay then sends them in batches at the pace
// Temporal takes them.
//
// A body that declares a length over the limit is refused before a line
// is read. One that reaches the limit while streaming (chunked, or longer
// than it said) stops there: the lines before the limit were written and
// stay written, the line cut by the limit is not, and the 413 says how
// many were accepted.
func (h *handlers) importEntities(w http.ResponseWriter, r *http.Request) error {
	if err := requireContentType(r, "application/x-ndjson"); err != nil {
		return err
	}
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	if _, err := h.store.GetOrg(ctx, orgID); err != nil {
		return err
	}
	if r.ContentLength > h.importMaxBytes {
		return httpError(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("the body is larger than %d bytes, this deployment's import limit; nothing was read", h.importMaxBytes))
	}
	imp := newImport(ctx, h, orgID)
	lines, readErr := imp.readLines(http.MaxBytesReader(w, r.Body, h.importMaxBytes))
	res, err := imp.wait()
	if err != nil {
		return err
	}
	if readErr != nil {
		return h.importReadError(readErr, lines, res)
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// importReadError answers a body that could not be read to its end.
func (h *handlers) importReadError(err error, lines int, res importResult) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return httpError(http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"the body is larger than %d bytes, this deployment's import limit; reading stopped there: "+
				"of the %d lines before it, %d were accepted and are kept, %d were rejected; the line cut by the limit and the rest were not read",
			h.importMaxBytes, lines, res.Accepted, res.RejectedCount))
	}
	return fmt.Errorf("api: read import: %w", err)
}

// parseImportLine reads one line: its type, id and body, validated as its
// PUT would validate them before saving.
func parseImportLine(line []byte) (importLine, error) {
	var fields map[string]json.RawMessage
	if line[0] != '{' || json.Unmarshal(line, &fields) != nil {
		return importLine{}, httpError(http.StatusBadRequest, "the line is not a JSON object")
	}
	if err := entity.RefuseDuplicateKeys(line); err != nil {
		return importLine{}, err
	}
	v := &validationError{}
	typ := stringField(v, fields, "type")
	id := stringField(v, fields, "id")
	k := importKinds[typ]
	if typ != "" && k == nil {
		v.add("type", "must be one of "+importTypes)
	}
	if id != "" && !entity.ValidID.MatchString(id) {
		v.add("id", entity.IDRule)
	}
	if err := v.orNil(); err != nil {
		return importLine{}, err
	}
	delete(fields, "type")
	rest, err := json.Marshal(fields)
	if err != nil {
		return importLine{}, err
	}
	body := k.NewBody()
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
		verr *entity.Invalid
		serr *statusError
	)
	switch {
	case err == nil:
		return nil, false
	case errors.As(err, &verr):
		return verr.Fields, true
	case errors.As(err, &serr) && serr.status < 500:
		return []fieldError{{Field: "", Message: serr.detail}}, true
	case errors.Is(err, store.ErrDeletedVersion):
		return []fieldError{{Field: "version", Message: "is not newer than the version the entity was deleted at; nothing was changed"}}, true
	case errors.Is(err, store.ErrStale):
		return []fieldError{{Field: "version", Message: "is older than the stored version, or equal to it with another body; nothing was changed"}}, true
	}
	return nil, false
}
