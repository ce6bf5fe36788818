package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// maxBody is the largest JSON body accepted (the NDJSON import limits each
// line to it instead).
const maxBody = 1 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	writeBody(w, v)
}

func writeBody(w io.Writer, v any) {
	_ = json.NewEncoder(w).Encode(v) // the status is sent; a client gone meanwhile is nothing to handle
}

// decodeJSON reads a JSON body into v: 415 for another content type, 413
// over 1 MiB, 400 for malformed JSON, a key given twice (in any case),
// unknown fields or trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if err := requireContentType(r, "application/json"); err != nil {
		return err
	}
	return decodeStrict(http.MaxBytesReader(w, r.Body, maxBody), v)
}

func requireContentType(r *http.Request, want string) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != want {
		return httpError(http.StatusUnsupportedMediaType, "Content-Type must be "+want)
	}
	return nil
}

// decodeStrict reads one JSON value into v, refusing duplicate keys (in
// any case), unknown fields and trailing data.
func decodeStrict(body io.Reader, v any) error {
	data, err := io.ReadAll(body)
	if err != nil {
		return jsonError(err)
	}
	if err := refuseDuplicateKeys(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return httpError(http.StatusBadRequest, "the body holds more than one JSON value")
	}
	return nil
}

// embeddedMeta is how encoding/json names the fields of the struct every
// entity body embeds; the API names them without it.
const embeddedMeta = "entityMeta."

// jsonError turns a decoding error into a 400 naming the field where it can.
func jsonError(err error) error {
	var (
		maxErr  *http.MaxBytesError
		typeErr *json.UnmarshalTypeError
		synErr  *json.SyntaxError
	)
	switch {
	case errors.As(err, &maxErr):
		return err
	case errors.As(err, &typeErr):
		v := &validationError{}
		v.add(strings.ReplaceAll(typeErr.Field, embeddedMeta, ""), fmt.Sprintf("must be %s", typeErr.Type))
		return v
	case errors.As(err, &synErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return httpError(http.StatusBadRequest, "the body is not valid JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		v := &validationError{}
		v.add(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "unknown field")
		return v
	default:
		v := &validationError{}
		v.add("", err.Error())
		return v
	}
}
