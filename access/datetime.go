package access

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrBadDateOrTime is wrapped by every parse error of ParseDateOrTime and
// ParseInstant.
var ErrBadDateOrTime = errors.New("access: not a date (YYYY-MM-DD) or an RFC 3339 time with an offset")

// DateOrTime is a *date-or-time* input: either an instant (RFC 3339 with an
// offset) or a date-only local day (YYYY-MM-DD). A date is tied to a time
// zone only when a window is built: Start is the first instant of that local
// day and End the first instant of the next local day, so a date-only end
// includes the whole day in a half-open window.
//
// The zero value means "no value". Compare values with Equal, not ==.
type DateOrTime struct {
	instant time.Time
	date    civilDate
	kind    valueKind
}

type valueKind uint8

const (
	valueNone valueKind = iota
	valueDate
	valueInstant
)

// At returns the instant t as a DateOrTime, keeping t's UTC offset. The zero
// time gives the zero DateOrTime.
func At(t time.Time) DateOrTime {
	if t.IsZero() {
		return DateOrTime{}
	}
	_, offset := t.Zone()
	return DateOrTime{instant: t.In(fixedZone(offset)), kind: valueInstant}
}

// OnDate returns the date-only value for a local day. Out-of-range values
// are normalised as time.Date does (February 30 is March 2).
func OnDate(year int, month time.Month, day int) DateOrTime {
	y, m, d := time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Date()
	return DateOrTime{date: civilDate{y, m, d}, kind: valueDate}
}

// ParseDateOrTime parses a bare date "YYYY-MM-DD" or an RFC 3339 time with
// an offset ("Z" or "±hh:mm"). Times without an offset are rejected.
func ParseDateOrTime(s string) (DateOrTime, error) {
	if hasDateShape(s) {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return DateOrTime{}, fmt.Errorf("%w: %q: %w", ErrBadDateOrTime, s, err)
		}
		return OnDate(t.Date()), nil
	}
	t, err := ParseInstant(s)
	if err != nil {
		return DateOrTime{}, err
	}
	return At(t), nil
}

// ParseInstant parses an RFC 3339 time that carries an offset, as bookings'
// times must: exactly "YYYY-MM-DDThh:mm:ss", optional fraction, then "Z" or
// "±hh:mm" (hours up to 23), upper-case T and Z. The result keeps the
// offset.
func ParseInstant(s string) (time.Time, error) {
	if !hasInstantShape(s) {
		return time.Time{}, fmt.Errorf("%w: %q", ErrBadDateOrTime, s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q: %w", ErrBadDateOrTime, s, err)
	}
	_, offset := t.Zone()
	return t.In(fixedZone(offset)), nil
}

// hasDateShape reports whether s looks like YYYY-MM-DD (digits and dashes).
func hasDateShape(s string) bool {
	return matchesShape(s, "dddd-dd-dd")
}

// hasInstantShape reports whether s looks like an RFC 3339 date-time with
// an offset; time.Parse alone also takes one-digit hours and offsets such
// as +24:60, which do not round-trip.
func hasInstantShape(s string) bool {
	const head = "dddd-dd-ddTdd:dd:dd"
	if len(s) < len(head) || !matchesShape(s[:len(head)], head) {
		return false
	}
	rest := s[len(head):]
	if len(rest) > 1 && rest[0] == '.' {
		rest = strings.TrimLeft(rest[1:], "0123456789")
		if len(rest) == len(s)-len(head)-1 {
			return false // a dot without digits
		}
	}
	if rest == "Z" {
		return true
	}
	if len(rest) != len("+hh:mm") || (rest[0] != '+' && rest[0] != '-') || !matchesShape(rest[1:], "dd:dd") {
		return false
	}
	return rest[1:3] <= "23" && rest[4:6] <= "59"
}

// matchesShape reports whether s matches shape, where 'd' stands for any
// ASCII digit and every other byte for itself.
func matchesShape(s, shape string) bool {
	if len(s) != len(shape) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (shape[i] == 'd' && (s[i] < '0' || s[i] > '9')) || (shape[i] != 'd' && s[i] != shape[i]) {
			return false
		}
	}
	return true
}

// fixedZone returns UTC for a zero offset and an unnamed fixed zone
// otherwise, so parsed values never depend on the process's local zone.
func fixedZone(offset int) *time.Location {
	if offset == 0 {
		return time.UTC
	}
	return time.FixedZone("", offset)
}

// IsZero reports whether d holds no value.
func (d DateOrTime) IsZero() bool { return d.kind == valueNone }

// IsDate reports whether d is a date-only value.
func (d DateOrTime) IsDate() bool { return d.kind == valueDate }

// Instant returns the instant d holds, and false when d is a date or zero.
func (d DateOrTime) Instant() (time.Time, bool) {
	return d.instant, d.kind == valueInstant
}

// Date returns the local day d holds, and false when d is an instant or zero.
func (d DateOrTime) Date() (year int, month time.Month, day int, ok bool) {
	return d.date.year, d.date.month, d.date.day, d.kind == valueDate
}

// Start resolves d as the start of a window: the instant itself, or the
// first instant of the local day in loc. The result is UTC; zero for zero.
func (d DateOrTime) Start(loc *time.Location) time.Time {
	switch d.kind {
	case valueInstant:
		return d.instant.UTC()
	case valueDate:
		return d.date.start(loc)
	}
	return time.Time{}
}

// End resolves d as the (exclusive) end of a window: the instant itself, or
// the first instant of the next local day in loc. The result is UTC; zero
// for zero.
func (d DateOrTime) End(loc *time.Location) time.Time {
	switch d.kind {
	case valueInstant:
		return d.instant.UTC()
	case valueDate:
		return d.date.next().start(loc)
	}
	return time.Time{}
}

// localDay returns the local day d falls on in loc.
func (d DateOrTime) localDay(loc *time.Location) civilDate {
	if d.kind == valueInstant {
		y, m, day := d.instant.In(loc).Date()
		return civilDate{y, m, day}
	}
	return d.date
}

// Equal reports whether d and o are the same value: the same date, or the
// same instant with the same offset.
func (d DateOrTime) Equal(o DateOrTime) bool {
	if d.kind != o.kind {
		return false
	}
	switch d.kind {
	case valueDate:
		return d.date == o.date
	case valueInstant:
		_, a := d.instant.Zone()
		_, b := o.instant.Zone()
		return d.instant.Equal(o.instant) && a == b
	}
	return true
}

// String formats d as YYYY-MM-DD or RFC 3339 (with nanoseconds when
// present); the zero value formats as "".
func (d DateOrTime) String() string {
	switch d.kind {
	case valueDate:
		return fmt.Sprintf("%04d-%02d-%02d", d.date.year, int(d.date.month), d.date.day)
	case valueInstant:
		return d.instant.Format(time.RFC3339Nano)
	}
	return ""
}

// MarshalText implements encoding.TextMarshaler; the zero value is "".
func (d DateOrTime) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; "" is the zero value.
func (d *DateOrTime) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = DateOrTime{}
		return nil
	}
	v, err := ParseDateOrTime(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON implements json.Marshaler: a JSON string, or null when zero.
func (d DateOrTime) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON implements json.Unmarshaler: null is the zero value; any
// other value must be a string ParseDateOrTime accepts.
func (d *DateOrTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = DateOrTime{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%w: %w", ErrBadDateOrTime, err)
	}
	v, err := ParseDateOrTime(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// civilDate is a local calendar day, independent of any time zone.
type civilDate struct {
	year  int
	month time.Month
	day   int
}

// start is the first instant of the day in loc, in UTC. time.Date resolves
// a midnight that DST skips to the first instant that exists.
func (c civilDate) start(loc *time.Location) time.Time {
	return time.Date(c.year, c.month, c.day, 0, 0, 0, 0, loc).UTC()
}

// next is the following calendar day.
func (c civilDate) next() civilDate {
	y, m, d := time.Date(c.year, c.month, c.day+1, 0, 0, 0, 0, time.UTC).Date()
	return civilDate{y, m, d}
}

// compare orders days chronologically.
func (c civilDate) compare(o civilDate) int {
	if c := cmp.Compare(c.year, o.year); c != 0 {
		return c
	}
	if c := cmp.Compare(c.month, o.month); c != 0 {
		return c
	}
	return cmp.Compare(c.day, o.day)
}

// The range every instant doorsync stores or sends must stay within:
// encoding/json (and so Temporal's payloads) refuses years outside 0-9999.
var (
	earliestInstant = time.Date(0, time.January, 1, 0, 0, 0, 0, time.UTC)
	latestInstant   = time.Date(9999, time.December, 31, 23, 59, 59, 999999999, time.UTC)
)

// zoneSlack bounds how far a local midnight can lie from UTC midnight in
// any time zone: offsets stay within ±16 hours, even the local mean times
// (Asia/Manila's -15:56) the database uses before standard time.
const zoneSlack = 16 * time.Hour

// InRange reports whether every instant a window built from d can reach
// stays within the years 0-9999: the instant itself, or its local day in
// any time zone, widened by margin on either side (the largest buffers a
// window may be given). The zero value is in range.
func (d DateOrTime) InRange(margin time.Duration) bool {
	var lo, hi time.Time
	switch d.kind {
	case valueInstant:
		lo, hi = d.instant, d.instant
	case valueDate:
		lo, hi = d.date.start(time.UTC).Add(-zoneSlack), d.date.next().start(time.UTC).Add(zoneSlack)
	default:
		return true
	}
	return !lo.Add(-margin).Before(earliestInstant) && !hi.Add(margin).After(latestInstant)
}
