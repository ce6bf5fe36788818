package access

import (
	"testing"
	"time"
)

func TestInRangeKeepsBufferedWindowsWithinYears0To9999(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"2026-11-22", true},
		{"9999-12-29", true},
		{"9999-12-30", false}, // its end, the next local midnight, + 24h is in 10000 somewhere
		{"9999-12-30T23:59:59Z", true},
		{"9999-12-31T00:00:01Z", false},
		{"9999-12-30T23:00:00-01:00", false},
		{"0000-01-03", true},
		{"0000-01-02", false},
		{"0000-01-02T00:00:00Z", true},
		{"0000-01-01T23:59:59Z", false},
	} {
		d, err := ParseDateOrTime(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.InRange(24 * time.Hour); got != tc.want {
			t.Errorf("%s in range = %v, want %v", tc.in, got, tc.want)
		}
	}
	if !(DateOrTime{}).InRange(24 * time.Hour) {
		t.Error("the zero value is out of range")
	}
}

func TestCheckTimeZoneRefusesNamesReadAsUTCOrTheHostsZone(t *testing.T) {
	for _, name := range []string{"", "Local", "localtime", "Factory", "posixrules", "posix/Europe/London",
		"right/UTC", "/etc/localtime", "../UTC", "Europe//London", "Mars/Olympus", " UTC"} {
		if CheckTimeZone(name) == nil {
			t.Errorf("%q accepted", name)
		}
	}
	for _, name := range []string{"UTC", "Etc/UTC", "Europe/London", "Etc/GMT+5", "GMT0", "America/Argentina/Buenos_Aires"} {
		if err := CheckTimeZone(name); err != nil {
			t.Errorf("%q refused: %v", name, err)
		}
	}
}
