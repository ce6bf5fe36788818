package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"doorsync/internal/entity"
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
	_, err := readJSON(w, r, v)
	return err
}

// readJSON is decodeJSON, returning the body it read too.
func readJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	if err := requireContentType(r, "application/json"); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, jsonError(err)
	}
	if err := entity.Unmarshal(data, v); err != nil {
		return nil, jsonError(err)
	}
	return data, nil
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
	if err := entity.Unmarshal(data, v); err != nil {
		return jsonError(err)
	}
	return nil
}

// jsonError turns a decoding error into a 400 naming the field where it can.
func jsonError(err error) error {
	var (
		maxErr  *http.MaxBytesError
		invalid *entity.Invalid
		synErr  *json.SyntaxError
	)
	if named, ok := entity.NamedField(err); ok {
		return named
	}
	switch {
	case errors.As(err, &maxErr), errors.As(err, &invalid):
		return err
	case errors.Is(err, entity.ErrTrailing):
		return httpError(http.StatusBadRequest, "the body holds more than one JSON value")
	case errors.As(err, &synErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return httpError(http.StatusBadRequest, "the body is not valid JSON")
	default:
		v := &validationError{}
		v.add("", err.Error())
		return v
	}
}
