package access

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestParseDateOrTime(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantDate bool
		want     string // String() of the parsed value
		wantErr  bool
	}{
		{name: "date", in: "2026-03-29", wantDate: true, want: "2026-03-29"},
		{name: "leap day", in: "2028-02-29", wantDate: true, want: "2028-02-29"},
		{name: "utc instant", in: "2026-03-29T09:00:00Z", want: "2026-03-29T09:00:00Z"},
		{name: "offset kept", in: "2026-03-29T09:00:00+02:00", want: "2026-03-29T09:00:00+02:00"},
		{name: "zero offset becomes Z", in: "2026-03-29T09:00:00+00:00", want: "2026-03-29T09:00:00Z"},
		{name: "fraction", in: "2026-03-29T09:00:00.250-05:00", want: "2026-03-29T09:00:00.25-05:00"},
		{name: "no offset", in: "2026-03-29T09:00:00", wantErr: true},
		{name: "space separator without offset", in: "2026-03-29 09:00:00", wantErr: true},
		{name: "not a leap day", in: "2026-02-29", wantErr: true},
		{name: "month 13", in: "2026-13-01", wantErr: true},
		{name: "short date", in: "2026-3-29", wantErr: true},
		{name: "surrounding space", in: " 2026-03-29", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "one-digit hour", in: "2026-03-29T1:30:00Z", wantErr: true},
		{name: "offset hour 24", in: "2026-03-29T01:30:00+24:00", wantErr: true},
		{name: "offset without colon", in: "2026-03-29T01:30:00+0100", wantErr: true},
		{name: "dot without digits", in: "2026-03-29T01:30:00.Z", wantErr: true},
		{name: "lower-case t", in: "2026-03-29t01:30:00Z", wantErr: true},
		{name: "hour 24", in: "2026-03-29T24:00:00Z", wantErr: true},
		{name: "garbage", in: "tomorrow", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDateOrTime(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrBadDateOrTime) {
					t.Fatalf("ParseDateOrTime(%q) error = %v, want ErrBadDateOrTime", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDateOrTime(%q): %v", tt.in, err)
			}
			if got.IsDate() != tt.wantDate || got.String() != tt.want {
				t.Errorf("ParseDateOrTime(%q) = %q (date %v), want %q (date %v)", tt.in, got, got.IsDate(), tt.want, tt.wantDate)
			}
		})
	}
}

func TestParseInstantKeepsOffsetNotLocal(t *testing.T) {
	got, err := ParseInstant("2026-07-01T12:00:00+01:00")
	if err != nil {
		t.Fatal(err)
	}
	if _, off := got.Zone(); off != 3600 || !got.Equal(ts("2026-07-01T11:00:00Z")) {
		t.Errorf("ParseInstant = %v (offset %d)", got, off)
	}
	if _, err := ParseInstant("2026-07-01"); err == nil {
		t.Error("ParseInstant accepted a bare date")
	}
}

// Whole local days resolve with time.Date, so DST days are 23 or 25 hours.
func TestDayBoundsAcrossDST(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	newYork, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		name      string
		date      string
		loc       *time.Location
		wantStart string
		wantEnd   string
		wantLen   time.Duration
	}{
		{"London ordinary day", "2026-03-28", london, "2026-03-28T00:00:00Z", "2026-03-29T00:00:00Z", 24 * time.Hour},
		{"London spring forward", "2026-03-29", london, "2026-03-29T00:00:00Z", "2026-03-29T23:00:00Z", 23 * time.Hour},
		{"London fall back", "2026-10-25", london, "2026-10-24T23:00:00Z", "2026-10-26T00:00:00Z", 25 * time.Hour},
		{"New York spring forward", "2026-03-08", newYork, "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", 23 * time.Hour},
		{"New York fall back", "2026-11-01", newYork, "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", 25 * time.Hour},
		{"New York summer day", "2026-07-04", newYork, "2026-07-04T04:00:00Z", "2026-07-05T04:00:00Z", 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dt(tt.date)
			start, end := d.Start(tt.loc), d.End(tt.loc)
			if !start.Equal(ts(tt.wantStart)) || !end.Equal(ts(tt.wantEnd)) {
				t.Errorf("day %s = [%v, %v), want [%s, %s)", tt.date, start, end, tt.wantStart, tt.wantEnd)
			}
			if end.Sub(start) != tt.wantLen {
				t.Errorf("day length %v, want %v", end.Sub(start), tt.wantLen)
			}
		})
	}
}

func TestInstantIgnoresZone(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	d := dt("2026-03-29T10:30:00+01:00")
	if !d.Start(london).Equal(ts("2026-03-29T09:30:00Z")) || !d.End(time.UTC).Equal(ts("2026-03-29T09:30:00Z")) {
		t.Errorf("instant resolved to %v / %v", d.Start(london), d.End(time.UTC))
	}
	if (DateOrTime{}).Start(london) != (time.Time{}) {
		t.Error("zero value should resolve to the zero time")
	}
}

func TestDateOrTimeJSON(t *testing.T) {
	type body struct {
		Start DateOrTime  `json:"start"`
		End   *DateOrTime `json:"end,omitempty"`
		None  DateOrTime  `json:"none"`
	}
	in := `{"start":"2026-03-29","end":"2026-04-01T17:00:00-04:00","none":null}`
	var b body
	if err := json.Unmarshal([]byte(in), &b); err != nil {
		t.Fatal(err)
	}
	if !b.Start.Equal(OnDate(2026, time.March, 29)) || b.End == nil || b.End.IsDate() || !b.None.IsZero() {
		t.Fatalf("decoded %+v", b)
	}
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("round trip:\n got %s\nwant %s", out, in)
	}
	for _, bad := range []string{`{"start":"2026-03-29T10:00:00"}`, `{"start":20260329}`, `{"start":""}`} {
		if err := json.Unmarshal([]byte(bad), &b); !errors.Is(err, ErrBadDateOrTime) {
			t.Errorf("Unmarshal(%s) error = %v, want ErrBadDateOrTime", bad, err)
		}
	}
}

func TestDateOrTimeText(t *testing.T) {
	for _, in := range []string{"", "2026-01-02", "2026-01-02T03:04:05.000000006+05:30"} {
		var d DateOrTime
		if err := d.UnmarshalText([]byte(in)); err != nil {
			t.Fatalf("UnmarshalText(%q): %v", in, err)
		}
		out, _ := d.MarshalText()
		var back DateOrTime
		if err := back.UnmarshalText(out); err != nil || !back.Equal(d) {
			t.Errorf("text round trip of %q: %q, %v", in, out, err)
		}
	}
}

func TestOnDateNormalises(t *testing.T) {
	if got := OnDate(2026, time.February, 30).String(); got != "2026-03-02" {
		t.Errorf("OnDate(2026-02-30) = %s", got)
	}
	y, m, d, ok := OnDate(2026, time.December, 31).Date()
	if !ok || y != 2026 || m != time.December || d != 31 {
		t.Errorf("Date() = %d %v %d %v", y, m, d, ok)
	}
	if _, ok := At(ts("2026-01-01T00:00:00Z")).Instant(); !ok {
		t.Error("At should hold an instant")
	}
}
