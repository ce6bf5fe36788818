package access

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"
)

// overlapping is m3 with an office membership (front door + lobby) until
// 12:00, a desk (lobby through its location) from 11:00, and a room
// booking whose buffers run past the membership's end.
func overlapping() Snapshot {
	return with(fixture(), func(s *Snapshot) {
		s.Memberships["ms1"] = Membership{PlanID: "office", MemberID: "m3",
			StartsAt: dt("2026-01-05T09:00:00Z"), EndsAt: dtp("2026-01-05T12:00:00Z")}
		s.Memberships["ms2"] = Membership{MemberID: "m3", ResourceID: "desk-1", StartsAt: dt("2026-01-05T11:00:00Z")}
		s.Bookings["b1"] = Booking{ResourceID: "room-1", MemberID: "m3",
			StartsAt: ts("2026-01-05T13:00:00Z"), EndsAt: ts("2026-01-05T14:00:00Z")}
		s.Mappings.Resources["desk-1"] = nil
		s.Mappings.Floors["lon-1"] = nil
		s.Mappings.Resources["room-1"] = []GroupRef{gRoom1, gFront}
	})
}

func TestActiveAt(t *testing.T) {
	grants := Grants(overlapping())
	m3 := MemberRef("m3")
	tests := []struct {
		name string
		at   string
		want []string
	}{
		{"before anything", "2026-01-05T08:59:59Z", nil},
		{"window start is inclusive", "2026-01-05T09:00:00Z", []string{"site-lon/front-door", "site-lon/lobby"}},
		{"two sources of the lobby overlap", "2026-01-05T11:30:00Z", []string{"site-lon/front-door", "site-lon/lobby"}},
		{"membership ended (exclusive): the desk keeps the lobby", "2026-01-05T12:00:00Z", []string{"site-lon/lobby"}},
		{"booking buffer opens", "2026-01-05T12:45:00Z", []string{"site-lon/front-door", "site-lon/lobby", "site-lon/room-1"}},
		{"booking buffer closed", "2026-01-05T14:15:00Z", []string{"site-lon/lobby"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := ts(tt.at)
			if got := groupsOf(ActiveAt(grants, at)[m3]); !slices.Equal(got, tt.want) {
				t.Errorf("ActiveAt = %q, want %q", got, tt.want)
			}
			if got := groupsOf(DesiredFor(grants, m3, at)); !slices.Equal(got, tt.want) {
				t.Errorf("DesiredFor = %q, want %q", got, tt.want)
			}
		})
	}
	if got := ActiveAt(grants, ts("2026-01-05T08:00:00Z")); len(got) != 0 {
		t.Errorf("nobody should be active before, got %v", got)
	}
}

func TestRevokingOneSourceKeepsTheOther(t *testing.T) {
	s := overlapping()
	at := ts("2026-01-05T11:30:00Z")
	before := DesiredFor(Grants(s), MemberRef("m3"), at)
	delete(s.Memberships, "ms2")
	after := DesiredFor(Grants(s), MemberRef("m3"), at)
	add, remove := Diff(after, before)
	if len(add) != 0 || len(remove) != 0 {
		t.Errorf("removing the desk membership changed access at 11:30: add %v remove %v", add, remove)
	}
	delete(s.Memberships, "ms1")
	_, remove = Diff(DesiredFor(Grants(s), MemberRef("m3"), at), before)
	if got := groupsOf(remove); !slices.Equal(got, []string{"site-lon/front-door", "site-lon/lobby"}) {
		t.Errorf("removing both memberships should revoke both groups, remove = %q", got)
	}
}

func TestNextChange(t *testing.T) {
	grants := Grants(overlapping())
	tests := []struct {
		after, want string
	}{
		{"2026-01-01T00:00:00Z", "2026-01-05T09:00:00Z"},
		{"2026-01-05T09:00:00Z", "2026-01-05T11:00:00Z"}, // strictly after
		{"2026-01-05T11:00:00Z", "2026-01-05T12:00:00Z"},
		{"2026-01-05T12:00:00Z", "2026-01-05T12:45:00Z"},
		{"2026-01-05T12:45:00Z", "2026-01-05T14:15:00Z"},
		{"2026-01-05T14:15:00Z", ""}, // only the open-ended desk is left
	}
	for _, tt := range tests {
		got := NextChange(grants, ts(tt.after))
		if (tt.want == "" && !got.IsZero()) || (tt.want != "" && !got.Equal(ts(tt.want))) {
			t.Errorf("NextChange(after %s) = %v, want %q", tt.after, got, tt.want)
		}
	}
	if !NextChange(nil, time.Now()).IsZero() {
		t.Error("NextChange of no grants should be zero")
	}
}

func TestEnded(t *testing.T) {
	s := overlapping()
	ms1 := GrantsForEntity(s, KindMembership, "ms1")
	if Ended(ms1, ts("2026-01-05T11:59:59Z")) || !Ended(ms1, ts("2026-01-05T12:00:00Z")) {
		t.Error("ms1 should end exactly at 12:00")
	}
	if Ended(GrantsForEntity(s, KindMembership, "ms2"), ts("2099-01-01T00:00:00Z")) {
		t.Error("an open-ended membership never ends")
	}
	if !EntityNextChange(s, KindMembership, "ms1", ts("2026-01-05T09:00:00Z")).Equal(ts("2026-01-05T12:00:00Z")) {
		t.Error("EntityNextChange of ms1 after 09:00 should be 12:00")
	}
}

func TestExplain(t *testing.T) {
	grants := Grants(overlapping())
	x := Explain(grants, MemberRef("m3"), ts("2026-01-05T11:30:00Z"))
	got, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	// The lobby's two sources merge into one open-ended stretch; the front
	// door's membership ends at 12:00 and the booking's window opens at
	// 12:45 (a gap), so the booking is a separate upcoming stretch.
	want := `{"person":{"kind":"member","id":"m3"},"groups":[` +
		`{"site_id":"site-lon","group_id":"front-door","active":true,"from":"2026-01-05T09:00:00Z","until":"2026-01-05T12:00:00Z",` +
		`"reasons":[{"kind":"membership","id":"ms1","via":"plan","ref":"office"}]},` +
		`{"site_id":"site-lon","group_id":"lobby","active":true,"from":"2026-01-05T09:00:00Z","until":null,` +
		`"reasons":[{"kind":"membership","id":"ms1","via":"plan","ref":"office"},{"kind":"membership","id":"ms2","via":"location","ref":"lon"}]}],` +
		`"upcoming":[` +
		`{"site_id":"site-lon","group_id":"front-door","active":false,"from":"2026-01-05T12:45:00Z","until":"2026-01-05T14:15:00Z",` +
		`"reasons":[{"kind":"booking","id":"b1","via":"bookable_resource","ref":"room-1"}]},` +
		`{"site_id":"site-lon","group_id":"room-1","active":false,"from":"2026-01-05T12:45:00Z","until":"2026-01-05T14:15:00Z",` +
		`"reasons":[{"kind":"booking","id":"b1","via":"bookable_resource","ref":"room-1"}]}]}`
	if string(got) != want {
		t.Errorf("Explain:\n got %s\nwant %s", got, want)
	}
}

func TestExplainMergesTouchingWindows(t *testing.T) {
	g := func(from, until, id string) Grant {
		var u time.Time
		if until != "" {
			u = ts(until)
		}
		return Grant{Person: MemberRef("m1"), Group: gFront, From: ts(from), Until: u, Reason: Reason{Kind: KindBooking, ID: id, Via: ViaBookableResource, Ref: "r"}}
	}
	grants := []Grant{
		g("2026-01-01T12:00:00Z", "2026-01-01T13:00:00Z", "b2"),
		g("2026-01-01T10:00:00Z", "2026-01-01T12:00:00Z", "b1"),  // touches b2
		g("2026-01-01T08:00:00Z", "2026-01-01T09:00:00Z", "old"), // ended: left out
		g("2026-01-01T14:00:00Z", "2026-01-01T15:00:00Z", "b3"),
		{Person: MemberRef("m2"), Group: gFront, From: ts("2026-01-01T00:00:00Z")}, // someone else
	}
	x := Explain(grants, MemberRef("m1"), ts("2026-01-01T11:00:00Z"))
	if len(x.Active) != 1 || len(x.Upcoming) != 1 {
		t.Fatalf("Explain = %+v", x)
	}
	a := x.Active[0]
	if !a.From.Equal(ts("2026-01-01T10:00:00Z")) || a.Until == nil || !a.Until.Equal(ts("2026-01-01T13:00:00Z")) || len(a.Reasons) != 2 {
		t.Errorf("active stretch = %+v", a)
	}
	if u := x.Upcoming[0]; u.Active || !u.From.Equal(ts("2026-01-01T14:00:00Z")) || u.Reasons[0].ID != "b3" {
		t.Errorf("upcoming stretch = %+v", u)
	}
	// Windows are half-open: active from the very instant of From, gone at Until.
	if at := Explain(grants, MemberRef("m1"), ts("2026-01-01T10:00:00Z")); len(at.Active) != 1 || len(at.Upcoming) != 1 {
		t.Errorf("at the window's start: %+v", at)
	}
	if at := Explain(grants, MemberRef("m1"), ts("2026-01-01T13:00:00Z")); len(at.Active) != 0 || len(at.Upcoming) != 1 {
		t.Errorf("at the window's end: %+v", at)
	}
	empty := Explain(grants, GuestRef("nobody@example.com"), ts("2026-01-01T11:00:00Z"))
	if empty.Active == nil || empty.Upcoming == nil || len(empty.Active)+len(empty.Upcoming) != 0 {
		t.Errorf("explain of nobody should be empty, non-nil lists: %+v", empty)
	}
}

func TestDiff(t *testing.T) {
	a, b, c := GroupRef{"s1", "a"}, GroupRef{"s1", "b"}, GroupRef{"s2", "a"}
	tests := []struct {
		name             string
		desired, actual  []GroupRef
		wantAdd, wantRem []GroupRef
	}{
		{"nothing to do", []GroupRef{a, b}, []GroupRef{b, a}, nil, nil},
		{"first grant", []GroupRef{c, a}, nil, []GroupRef{a, c}, nil},
		{"revoke all", nil, []GroupRef{c, b, a}, nil, []GroupRef{a, b, c}},
		{"mixed, with duplicates", []GroupRef{c, a, c}, []GroupRef{b, b, a}, []GroupRef{c}, []GroupRef{b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			desired := slices.Clone(tt.desired)
			add, rem := Diff(tt.desired, tt.actual)
			if !slices.Equal(add, tt.wantAdd) || !slices.Equal(rem, tt.wantRem) {
				t.Errorf("Diff = add %v remove %v, want add %v remove %v", add, rem, tt.wantAdd, tt.wantRem)
			}
			if !slices.Equal(desired, tt.desired) {
				t.Error("Diff modified its input")
			}
		})
	}
}

func TestManagedGroups(t *testing.T) {
	got := groupsOf(fixture().Mappings.ManagedGroups())
	want := []string{"site-lon/day-pass", "site-lon/desk-1", "site-lon/floor-1", "site-lon/front-door", "site-lon/lobby",
		"site-lon/room-1", "site-nyc/desk-7", "site-nyc/front-door", "site-nyc/room-a"}
	if !slices.Equal(got, want) {
		t.Errorf("ManagedGroups = %q", got)
	}
}

func TestPersonKeys(t *testing.T) {
	tests := []struct {
		key     string
		want    PersonRef
		wantKey string // Key() of the parsed person; "" when parsing fails
	}{
		{"member:m1", MemberRef("m1"), "member:m1"},
		{"member:org:m:1", MemberRef("org:m:1"), "member:org:m:1"},
		{"guest:Joe@Example.com", GuestRef("joe@example.com"), "guest:joe@example.com"},
		{"staff:x", PersonRef{}, ""},
		{"member:", PersonRef{}, ""},
		{"m1", PersonRef{}, ""},
	}
	for _, tt := range tests {
		got, err := ParsePersonKey(tt.key)
		if (err == nil) != (tt.wantKey != "") || got != tt.want {
			t.Errorf("ParsePersonKey(%q) = %v, %v", tt.key, got, err)
		}
		if err == nil && got.Key() != tt.wantKey {
			t.Errorf("Key() = %q, want %q", got.Key(), tt.wantKey)
		}
	}
}

func TestDesiredJSONRoundTrip(t *testing.T) {
	d := ActiveAt(Grants(busy()), ts("2026-03-29T09:00:00Z"))
	if len(d) < 3 {
		t.Fatalf("expected several active persons, got %v", d)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back Desired
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, d) {
		t.Errorf("round trip:\n got %v\nwant %v", back, d)
	}
	if got := d.Persons(); !slices.IsSortedFunc(got, ComparePersons) || len(got) != len(d) {
		t.Errorf("Persons() = %v", got)
	}
}

// A snapshot survives a JSON round trip (as a Temporal payload would) with
// the same grants.
func TestSnapshotJSONRoundTrip(t *testing.T) {
	s := with(busy(), func(s *Snapshot) {
		s.Org.BookingBufferBefore = dur(20 * time.Minute)
		r := s.Resources["room-a"]
		r.BufferAfter = dur(time.Hour)
		s.Resources["room-a"] = r
	})
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Snapshot
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	want := lines(Grants(s))
	if got := lines(Grants(back)); !slices.Equal(got, want) {
		t.Errorf("grants after round trip:\n got %q\nwant %q", got, want)
	}
	var grants []Grant
	raw, _ := json.Marshal(Grants(s))
	if err := json.Unmarshal(raw, &grants); err != nil || !slices.Equal(lines(grants), want) {
		t.Errorf("grants do not round-trip through JSON: %v", err)
	}
}
