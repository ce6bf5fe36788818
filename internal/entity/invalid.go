package entity

import (
	"cmp"
	"errors"
	"slices"
)

// FieldError names one invalid field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Invalid collects every invalid field of a body, so all its errors are
// reported at once (the API answers it with 400 and these fields).
type Invalid struct{ Fields []FieldError }

// IsInvalid says whether err is a body refused as not valid: a record a
// platform sync or webhook cannot write, whatever retrying does.
func IsInvalid(err error) bool {
	var invalid *Invalid
	return errors.As(err, &invalid)
}

// Add records that field is invalid, and why.
func (v *Invalid) Add(field, msg string) { v.Fields = append(v.Fields, FieldError{field, msg}) }

func (v *Invalid) Error() string {
	if len(v.Fields) == 0 {
		return "invalid request"
	}
	return v.Fields[0].Field + ": " + v.Fields[0].Message
}

// Sort orders the errors by field, so answers are stable.
func (v *Invalid) Sort() {
	slices.SortStableFunc(v.Fields, func(a, b FieldError) int { return cmp.Compare(a.Field, b.Field) })
}

// OrNil returns v as an error when it holds any field, else nil.
func (v *Invalid) OrNil() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return v
}

// invalid is an Invalid of one field.
func invalid(field, msg string) *Invalid {
	v := &Invalid{}
	v.Add(field, msg)
	return v
}
