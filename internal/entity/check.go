package api

import (
	"net/mail"
	"strings"
	"time"

	"doorsync/access"
)

// Field checks shared by the entity bodies. Each adds its problem to v,
// naming the field, so a body's every error is reported at once.

const idRule = "must be 1-128 characters of A-Z a-z 0-9 . _ : -"

// requireID checks a required reference to another entity.
func requireID(v *validationError, field, id string) {
	if id == "" {
		v.add(field, "is required")
		return
	}
	optionalID(v, field, id)
}

// optionalID checks a reference that may be absent ("").
func optionalID(v *validationError, field, id string) {
	if id != "" && !validID.MatchString(id) {
		v.add(field, idRule)
	}
}

// requireText checks a required free-text field.
func requireText(v *validationError, field, s string) {
	if strings.TrimSpace(s) == "" {
		v.add(field, "is required")
	}
}

// maxEmail is the longest e-mail address accepted (RFC 3696 errata).
const maxEmail = 320

// validEmail reports whether s looks like a bare e-mail address:
// local@domain, no display name, no spaces.
func validEmail(s string) bool {
	if len(s) > maxEmail || strings.ContainsAny(s, " \t\r\n<>") {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// requireEmail checks a required e-mail address and returns it trimmed.
func requireEmail(v *validationError, field, s string) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		v.add(field, "is required")
	case !validEmail(s):
		v.add(field, "must be an e-mail address")
	}
	return s
}

// parseDateOrTime parses a *date-or-time* field; "" is absent, an error
// when required.
func parseDateOrTime(v *validationError, field, s string, required bool) access.DateOrTime {
	if s == "" {
		if required {
			v.add(field, "is required")
		}
		return access.DateOrTime{}
	}
	d, err := access.ParseDateOrTime(s)
	switch {
	case err != nil:
		v.add(field, "must be a date (YYYY-MM-DD) or an RFC 3339 time with an offset")
	case !d.InRange(maxBuffer):
		v.add(field, outOfRange)
	}
	return d
}

// maxBuffer is the longest booking buffer an org or resource may set.
const maxBuffer = 24 * time.Hour

// outOfRange is why a time too near year 0 or 9999 is refused: with the
// largest buffers, in any time zone, its window would leave the years
// times can be stored and sent in.
const outOfRange = "is out of range: widened by up to 24h of booking buffer in any time zone, it must stay within the years 0000 to 9999"

// parseInstant parses a required RFC 3339 time with an offset.
func parseInstant(v *validationError, field, s string) time.Time {
	if s == "" {
		v.add(field, "is required")
		return time.Time{}
	}
	t, err := access.ParseInstant(s)
	switch {
	case err != nil:
		v.add(field, "must be an RFC 3339 time with an offset")
	case !access.At(t).InRange(maxBuffer):
		v.add(field, outOfRange)
	}
	return t
}

// checkEndAfterStart adds an error on endField when both values are known
// and the end does not come after the start: two instants must be ordered,
// and a date-only end (its whole day) must not precede a date-only start.
// A date against an instant depends on the time zone; the engine reports
// such a window if it is empty.
func checkEndAfterStart(v *validationError, endField string, start, end access.DateOrTime) {
	if start.IsZero() || end.IsZero() {
		return
	}
	if s, ok := start.Instant(); ok {
		if e, ok := end.Instant(); ok && !e.After(s) {
			v.add(endField, "must be after the start")
		}
		return
	}
	if !start.IsDate() || !end.IsDate() {
		return
	}
	sy, sm, sd, _ := start.Date()
	ey, em, ed, _ := end.Date()
	if time.Date(ey, em, ed, 0, 0, 0, 0, time.UTC).Before(time.Date(sy, sm, sd, 0, 0, 0, 0, time.UTC)) {
		v.add(endField, "must not be before the start")
	}
}

// parseBuffer parses an optional booking buffer ("15m"), 0 to 24h.
func parseBuffer(v *validationError, field, s string) *time.Duration {
	if s == "" {
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		v.add(field, `must be a duration such as "15m"`)
		return nil
	}
	if d < 0 || d > maxBuffer {
		v.add(field, "must be between 0s and 24h")
	}
	return &d
}

// formatBuffer writes a buffer back as the API takes it ("" when unset).
func formatBuffer(d *time.Duration) string {
	if d == nil {
		return ""
	}
	return formatDuration(*d)
}
