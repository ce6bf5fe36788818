package officernd

import (
	"time"
)

// parseTime reads an OfficeRnD timestamp; ok is false when absent or bad.
func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// version is the latest of times in Unix milliseconds: a record's version
// is the newest of the platform objects it is built from. nil when none is
// known, and the record carries no version (the last write wins).
func version(times ...string) *int64 {
	var latest *int64
	for _, s := range times {
		t, ok := parseTime(s)
		if !ok {
			continue
		}
		if ms := t.UnixMilli(); latest == nil || ms > *latest {
			latest = &ms
		}
	}
	return latest
}

// instant formats a timestamp as RFC 3339 in UTC ("" when absent).
func instant(s string) string {
	t, ok := parseTime(s)
	if !ok {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// dateOrTime formats a membership's or pass's date. ASSUMED: OfficeRnD
// keeps these as calendar dates stored at midnight UTC, so a midnight-UTC
// value becomes a bare YYYY-MM-DD, which doorsync reads as that whole day
// in the location's time zone (an end date then includes its last day);
// any other time stays an instant.
func dateOrTime(s string) string {
	t, ok := parseTime(s)
	if !ok {
		return ""
	}
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339Nano)
}
