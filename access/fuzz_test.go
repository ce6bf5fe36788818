package access

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

var fuzzSeeds = []string{
	"2026-03-29", "2026-10-25", "0000-01-01", "9999-12-31", "2028-02-29", "2026-02-29",
	"2026-03-29T01:30:00Z", "2026-03-29T01:30:00+01:00", "2026-11-01T01:30:00-04:00",
	"2026-03-29T01:30:00.123456789-05:00", "2026-03-29T01:30:00", "2026-03-29T24:00:00Z",
	"2026-03-29T01:30:00+24:00", "2026-03-29t01:30:00z", "2026-03-29 01:30:00Z", "", "null", "2026-3-9",
}

// FuzzParseDateOrTime: parsing never panics; what parses formats to a
// canonical string that parses back to the same value; dates resolve to
// whole local days across DST; instants ignore zones.
func FuzzParseDateOrTime(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	zones := fuzzZones(f)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDateOrTime(s)
		if err != nil {
			if !errors.Is(err, ErrBadDateOrTime) {
				t.Fatalf("error %v does not wrap ErrBadDateOrTime", err)
			}
			return
		}
		canonical := d.String()
		back, err := ParseDateOrTime(canonical)
		if err != nil || !back.Equal(d) || back.String() != canonical {
			t.Fatalf("%q → %q → %v, %v", s, canonical, back, err)
		}
		for _, loc := range zones {
			checkResolution(t, d, loc)
		}
	})
}

// checkResolution checks Start and End of one value in one zone.
func checkResolution(t *testing.T, d DateOrTime, loc *time.Location) {
	start, end := d.Start(loc), d.End(loc)
	if inst, ok := d.Instant(); ok {
		if !start.Equal(inst) || !end.Equal(inst) {
			t.Fatalf("instant %v resolved to %v / %v", d, start, end)
		}
		return
	}
	day := end.Sub(start)
	if day < 22*time.Hour || day > 26*time.Hour {
		t.Fatalf("day %v in %v is %v long", d, loc, day)
	}
	y, m, dd, _ := d.Date()
	if ly, lm, ld := start.In(loc).Date(); ly != y || lm != m || ld != dd {
		t.Fatalf("day %v in %v starts on local %d-%d-%d", d, loc, ly, lm, ld)
	}
	if before := start.Add(-time.Nanosecond).In(loc); before.Day() == dd && before.Month() == m {
		t.Fatalf("day %v in %v starts late: %v is the same day", d, loc, before)
	}
}

// FuzzDateOrTimeJSON: any JSON either fails cleanly or round-trips.
func FuzzDateOrTimeJSON(f *testing.F) {
	for _, s := range fuzzSeeds {
		b, _ := json.Marshal(s)
		f.Add(b)
	}
	f.Add([]byte("null"))
	f.Add([]byte("20260329"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d DateOrTime
		if err := json.Unmarshal(b, &d); err != nil {
			return
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", d, err)
		}
		var back DateOrTime
		if err := json.Unmarshal(out, &back); err != nil || !back.Equal(d) {
			t.Fatalf("%s → %s → %v, %v", b, out, back, err)
		}
	})
}

// FuzzParseInstant: accepted instants keep their offset and re-format to
// the same instant.
func FuzzParseInstant(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseInstant(s)
		if err != nil {
			return
		}
		again, err := ParseInstant(got.Format(time.RFC3339Nano))
		_, off1 := got.Zone()
		_, off2 := again.Zone()
		if err != nil || !again.Equal(got) || off1 != off2 {
			t.Fatalf("%q → %v → %v (%v)", s, got, again, err)
		}
		if hasDateShape(s) {
			t.Fatalf("ParseInstant accepted the bare date %q", s)
		}
	})
}

func fuzzZones(f *testing.F) []*time.Location {
	var out []*time.Location
	for _, name := range []string{"Europe/London", "America/New_York", "Australia/Lord_Howe", "UTC"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, loc)
	}
	return out
}
