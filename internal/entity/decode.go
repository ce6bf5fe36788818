package entity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrTrailing is a body holding more than one JSON value.
var ErrTrailing = errors.New("the body holds more than one JSON value")

// Unmarshal reads one JSON value into v as the API does: a key given twice
// (in any case) is an Invalid naming it; unknown fields are refused and
// trailing data is ErrTrailing. Other errors are the decoder's, for the
// caller to answer (NamedField names the field of those that have one).
func Unmarshal(data []byte, v any) error {
	if err := RefuseDuplicateKeys(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return ErrTrailing
	}
	return nil
}

// embeddedMeta is how encoding/json names the fields of the struct every
// body embeds; the API names them without it.
const embeddedMeta = "Meta."

// NamedField turns a decoding error that names a field (a value of the
// wrong type, an unknown field) into an Invalid naming it as the API does.
func NamedField(err error) (*Invalid, bool) {
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil, false
	case errors.As(err, &typeErr):
		return invalid(strings.ReplaceAll(typeErr.Field, embeddedMeta, ""), fmt.Sprintf("must be %s", typeErr.Type)), true
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return invalid(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "unknown field"), true
	}
	return nil, false
}

// decode reads data into a new body of k, every refusal an Invalid: a
// platform record has no HTTP answer of its own to give.
func (k *Kind) decode(data []byte) (Body, error) {
	body := k.NewBody()
	err := Unmarshal(data, body)
	var v *Invalid
	switch {
	case err == nil:
		return body, nil
	case errors.As(err, &v):
		return nil, v
	}
	if v, ok := NamedField(err); ok {
		return nil, v
	}
	return nil, invalid("", "the body is not valid JSON: "+err.Error())
}
