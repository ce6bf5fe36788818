package entity

import (
	"net/mail"
	"regexp"
	"strings"
	"time"

	"doorsync/access"
)

// Field checks shared by the entity bodies. Each adds its problem to v,
// naming the field, so a body's every error is reported at once.

// IDRule is why an id is refused.
const IDRule = "must be 1-128 characters of A-Z a-z 0-9 . _ : -"

// ValidID is the platform id format of every entity id and reference.
var ValidID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requireID checks a required reference to another entity.
func requireID(v *Invalid, field, id string) {
	if id == "" {
		v.Add(field, "is required")
		return
	}
	optionalID(v, field, id)
}

// optionalID checks a reference that may be absent ("").
func optionalID(v *Invalid, field, id string) {
	if id != "" && !ValidID.MatchString(id) {
		v.Add(field, IDRule)
	}
}

// requireText checks a required free-text field.
func requireText(v *Invalid, field, s string) {
	if strings.TrimSpace(s) == "" {
		v.Add(field, "is required")
	}
}

// maxEmail is the longest e-mail address accepted (RFC 3696 errata).
const maxEmail = 320

// ValidEmail reports whether s looks like a bare e-mail address:
// local@domain, no display name, no spaces.
func ValidEmail(s string) bool {
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
func requireEmail(v *Invalid, field, s string) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		v.Add(field, "is required")
	case !ValidEmail(s):
		v.Add(field, "must be an e-mail address")
	}
	return s
}

// ParseDateOrTime parses a *date-or-time* field; "" is absent, an error
// when required.
func ParseDateOrTime(v *Invalid, field, s string, required bool) access.DateOrTime {
	if s == "" {
		if required {
			v.Add(field, "is required")
		}
		return access.DateOrTime{}
	}
	d, err := access.ParseDateOrTime(s)
	switch {
	case err != nil:
		v.Add(field, "must be a date (YYYY-MM-DD) or an RFC 3339 time with an offset")
	case !d.InRange(MaxBuffer):
		v.Add(field, outOfRange)
	}
	return d
}

// MaxBuffer is the longest booking buffer an org or resource may set.
const MaxBuffer = 24 * time.Hour

// outOfRange is why a time too near year 0 or 9999 is refused: with the
// largest buffers, in any time zone, its window would leave the years
// times can be stored and sent in.
const outOfRange = "is out of range: widened by up to 24h of booking buffer in any time zone, it must stay within the years 0000 to 9999"

// parseInstant parses a required RFC 3339 time with an offset.
func parseInstant(v *Invalid, field, s string) time.Time {
	if s == "" {
		v.Add(field, "is required")
		return time.Time{}
	}
	t, err := access.ParseInstant(s)
	switch {
	case err != nil:
		v.Add(field, "must be an RFC 3339 time with an offset")
	case !access.At(t).InRange(MaxBuffer):
		v.Add(field, outOfRange)
	}
	return t
}

// checkEndAfterStart adds an error on endField when both values are known
// and the end does not come after the start: two instants must be ordered,
// and a date-only end (its whole day) must not precede a date-only start.
// A date against an instant depends on the time zone; the engine reports
// such a window if it is empty.
func checkEndAfterStart(v *Invalid, endField string, start, end access.DateOrTime) {
	if start.IsZero() || end.IsZero() {
		return
	}
	if s, ok := start.Instant(); ok {
		if e, ok := end.Instant(); ok && !e.After(s) {
			v.Add(endField, "must be after the start")
		}
		return
	}
	if !start.IsDate() || !end.IsDate() {
		return
	}
	sy, sm, sd, _ := start.Date()
	ey, em, ed, _ := end.Date()
	if time.Date(ey, em, ed, 0, 0, 0, 0, time.UTC).Before(time.Date(sy, sm, sd, 0, 0, 0, 0, time.UTC)) {
		v.Add(endField, "must not be before the start")
	}
}

// parseBuffer parses an optional booking buffer ("15m"), 0 to 24h.
func parseBuffer(v *Invalid, field, s string) *time.Duration {
	if s == "" {
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		v.Add(field, `must be a duration such as "15m"`)
		return nil
	}
	if d < 0 || d > MaxBuffer {
		v.Add(field, "must be between 0s and 24h")
	}
	return &d
}

// formatBuffer writes a buffer back as the API takes it ("" when unset).
func formatBuffer(d *time.Duration) string {
	if d == nil {
		return ""
	}
	return FormatDuration(*d)
}

// FormatDuration writes "15m" rather than "15m0s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
