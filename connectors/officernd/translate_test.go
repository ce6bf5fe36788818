package officernd

import (
	"encoding/json"
	"testing"
	"time"

	"doorsync/access"
)

// want is a translation's expected outcome: a body (JSON), a deletion, or
// nothing (skipped).
type want struct {
	body    string
	deleted bool
}

func check(t *testing.T, name string, kind access.Kind, id string, out outcome, err error, w want) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	switch {
	case w.deleted:
		if out.del == nil || out.rec != nil || out.del.Kind != kind || out.del.ID != id {
			t.Errorf("%s: got %+v, want the deletion of %s %s", name, out, kind, id)
		}
	case w.body == "":
		if out.rec != nil || out.del != nil {
			t.Errorf("%s: got %+v, want it skipped", name, out)
		}
	default:
		if out.rec == nil {
			t.Fatalf("%s: got %+v, want a record", name, out)
		}
		if out.rec.Kind != kind || out.rec.ID != id || out.rec.SourceID != id {
			t.Errorf("%s: record %s %s (source %s), want %s %s", name, out.rec.Kind, out.rec.ID, out.rec.SourceID, kind, id)
		}
		if !sameJSON(t, out.rec.Body, w.body) {
			t.Errorf("%s:\n got %s\nwant %s", name, out.rec.Body, w.body)
		}
	}
}

func sameJSON(t *testing.T, a json.RawMessage, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("bad want %s: %v", b, err)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

const (
	t1  = "2026-11-01T10:00:00.000Z"
	t2  = "2026-11-02T10:00:00.000Z"
	t2v = 1793613600000
)

func TestTranslateSpace(t *testing.T) {
	o, err := locationOutcome(location{ID: "l1", Name: "Soho", Timezone: "Europe/London"})
	check(t, "location without a modification time", access.KindLocation, "l1", o, err,
		want{body: `{"name":"Soho","time_zone":"Europe/London"}`})
	o, err = floorOutcome(floor{ID: "f1", Floor: "2", Location: "l1", ModifiedAt: t1})
	check(t, "floor named by its number", access.KindFloor, "f1", o, err,
		want{body: `{"location_id":"l1","name":"Floor 2","version":1793527200000}`})
	o, err = planOutcome(plan{ID: "p1", Name: "Hot desk"})
	check(t, "plan", access.KindPlan, "p1", o, err, want{body: `{"name":"Hot desk"}`})
	for _, tc := range []struct {
		typ, kind string
	}{{"meeting_room", "bookable"}, {"hotdesk", "bookable"}, {"desk", "assignable"}, {"team_room", "assignable"}, {"desk_tr", "assignable"}} {
		o, err = resourceOutcome(resource{ID: "r1", Name: "R", Type: tc.typ, Location: "l1", Floor: "f1", ModifiedAt: t1})
		check(t, "resource "+tc.typ, access.KindResource, "r1", o, err,
			want{body: `{"kind":"` + tc.kind + `","name":"R","location_id":"l1","floor_id":"f1","version":1793527200000}`})
	}
	for _, typ := range []string{"desk_na", "phone_booth"} {
		o, err = resourceOutcome(resource{ID: "r1", Type: typ})
		check(t, "resource "+typ, access.KindResource, "r1", o, err, want{})
	}
}

func TestTranslatePeople(t *testing.T) {
	o, err := companyOutcome(company{ID: "c1", Name: "Acme", Status: "active", ModifiedAt: t1})
	check(t, "company", access.KindTeam, "c1", o, err, want{body: `{"name":"Acme","version":1793527200000}`})
	o, err = companyOutcome(company{ID: "c1", Status: "former"})
	check(t, "former company", access.KindTeam, "c1", o, err, want{deleted: true})
	o, err = memberOutcome(member{ID: "m1", Name: "Ada King Lovelace", Email: "ada@example.com", Phone: "+44",
		Company: "c1", Status: "active", ModifiedAt: t2})
	check(t, "member", access.KindMember, "m1", o, err, want{body: `{"email":"ada@example.com","first_name":"Ada",
		"last_name":"King Lovelace","phone":"+44","team_id":"c1","access_cards":[],"version":1793613600000}`})
	o, err = memberOutcome(member{ID: "m2", Name: "Cher", Email: "cher@example.com", Status: "drop-in"})
	check(t, "drop-in member with one name", access.KindMember, "m2", o, err,
		want{body: `{"email":"cher@example.com","first_name":"Cher","last_name":"","access_cards":[]}`})
	for _, st := range []string{"former", "not_approved", "contact", "lead"} {
		o, err = memberOutcome(member{ID: "m1", Status: st})
		check(t, st+" member", access.KindMember, "m1", o, err, want{deleted: true})
	}
}

func TestTranslateMemberships(t *testing.T) {
	now, _ := time.Parse(time.RFC3339, "2026-11-15T12:00:00Z")
	personal := membership{ID: "ms1", IsPersonal: true, CalculatedStatus: "active", Plan: "p1", Member: "m1",
		StartDate: "2026-11-01T00:00:00.000Z", EndDate: "2026-12-31T00:00:00.000Z", ModifiedAt: t1}
	o, err := membershipOutcome(personal, nil, now)
	check(t, "personal, dates as days", access.KindMembership, "ms1", o, err, want{body: `{"plan_id":"p1","member_id":"m1",
		"starts_at":"2026-11-01","ends_at":"2026-12-31","version":1793527200000}`})

	team := membership{ID: "ms2", CalculatedStatus: "not_started", Plan: "p1", Company: "c1",
		StartDate: "2026-12-01T09:30:00.000Z", ModifiedAt: t1}
	o, err = membershipOutcome(team, nil, now)
	check(t, "team, open-ended, an instant", access.KindMembership, "ms2", o, err, want{body: `{"plan_id":"p1","team_id":"c1",
		"starts_at":"2026-12-01T09:30:00Z","version":1793527200000}`})

	o, err = membershipOutcome(membership{ID: "ms3", CalculatedStatus: "not_approved", Member: "m1"}, nil, now)
	check(t, "not approved", access.KindMembership, "ms3", o, err, want{deleted: true})
	o, err = membershipOutcome(membership{ID: "ms4", CalculatedStatus: "active", Plan: "p1"}, nil, now)
	check(t, "nobody holds it", access.KindMembership, "ms4", o, err, want{deleted: true})

	desks := []assignment{
		{Resource: "old-desk", StartDate: "2026-10-01T00:00:00.000Z", EndDate: "2026-11-10T00:00:00.000Z"},
		{Resource: "desk", StartDate: "2026-11-10T00:00:00.000Z"},
		{Resource: "next-desk", StartDate: "2026-12-01T00:00:00.000Z"},
	}
	o, err = membershipOutcome(personal, desks, now)
	check(t, "the desk assigned now; version moved by the move", access.KindMembership, "ms1", o, err, want{body: `{"plan_id":"p1",
		"member_id":"m1","resource_id":"desk","starts_at":"2026-11-01","ends_at":"2026-12-31","version":1794268800000}`})
}

// A desk that changes without the membership's modifiedAt moving must
// raise the version, or doorsync refuses the new body as stale.
func TestMembershipVersionMovesWithItsAssignment(t *testing.T) {
	now, _ := time.Parse(time.RFC3339, "2026-11-15T12:00:00Z")
	ms := membership{ID: "ms1", CalculatedStatus: "active", Plan: "p1", Member: "m1", StartDate: t1, ModifiedAt: t2}
	versionOf := func(asg ...assignment) int64 {
		o, err := membershipOutcome(ms, asg, now)
		if err != nil || o.rec == nil {
			t.Fatalf("membershipOutcome: %+v, %v", o, err)
		}
		var b membershipBody
		_ = json.Unmarshal(o.rec.Body, &b)
		return *b.Version
	}
	none := versionOf()
	backdated := versionOf(assignment{Resource: "d1", StartDate: t1, CreatedAt: "2026-11-14T08:00:00.000Z"})
	ended := versionOf(assignment{Resource: "d1", StartDate: t1, EndDate: "2026-11-15T00:00:00.000Z"})
	if none != t2v || backdated <= none || ended <= none {
		t.Errorf("versions: no desk %d, backdated desk created later %d, desk ended later %d; want %d, then higher", none, backdated, ended, int64(t2v))
	}
}

func TestTranslateBookings(t *testing.T) {
	visitors := map[string]visitor{"v1": {ID: "v1", Name: "Grace Hopper", Email: "grace@example.com"}, "v2": {ID: "v2", Name: "No Mail"}}
	b := booking{ID: "b1", Start: "2026-11-20T09:00:00.000Z", End: "2026-11-20T10:30:00.000Z", Member: "m1", Company: "c1",
		Resource: "r1", Visitors: []string{"v1", "v2", "v3"}, ModifiedAt: t1}
	o, err := bookingOutcome(b, visitors)
	check(t, "booking with visitors", access.KindBooking, "b1", o, err, want{body: `{"resource_id":"r1","member_id":"m1",
		"guests":[{"email":"grace@example.com","first_name":"Grace","last_name":"Hopper"}],
		"starts_at":"2026-11-20T09:00:00Z","ends_at":"2026-11-20T10:30:00Z","version":1793527200000}`})
	for name, edit := range map[string]func(*booking){
		"cancelled": func(b *booking) { b.IsCancelled = true }, "tentative": func(b *booking) { b.IsTentative = true },
		"company's": func(b *booking) { b.Member = "" },
	} {
		c := b
		edit(&c)
		o, err = bookingOutcome(c, visitors)
		check(t, name, access.KindBooking, "b1", o, err, want{deleted: true})
	}
	series := b
	series.Recurrence = &recurrence{Rrule: "FREQ=WEEKLY;COUNT=10"}
	o, err = bookingOutcome(series, visitors)
	check(t, "recurring series", access.KindBooking, "b1", o, err, want{})
}

func TestTranslatePasses(t *testing.T) {
	p := pass{ID: "ps1", Count: 10, UsedCount: 3, ValidFrom: "2026-11-01T00:00:00.000Z", ValidTo: "2026-11-30T00:00:00.000Z",
		Member: "m1", Status: "valid", ModifiedAt: t1}
	h := holder{Location: "l1", ModifiedAt: t2}
	o, err := passOutcome(p, h, true)
	check(t, "member's pass at the member's location", access.KindDayPass, "ps1", o, err, want{body: `{"member_id":"m1",
		"location_id":"l1","passes":7,"valid_from":"2026-11-01","valid_until":"2026-11-30","version":1793613600000}`})
	teamPass := pass{ID: "ps2", Count: 2, StartDate: "2026-11-01T08:00:00.000Z", EndDate: "2026-11-02T18:00:00.000Z",
		Company: "c1", Status: "pending", ModifiedAt: t2}
	o, err = passOutcome(teamPass, holder{Location: "l2", ModifiedAt: t1}, true)
	check(t, "company's pass, start/end window", access.KindDayPass, "ps2", o, err, want{body: `{"team_id":"c1",
		"location_id":"l2","passes":2,"valid_from":"2026-11-01T08:00:00Z","valid_until":"2026-11-02T18:00:00Z","version":1793613600000}`})
	for name, edit := range map[string]func(*pass){
		"used": func(p *pass) { p.Status = "used" }, "expired": func(p *pass) { p.Status = "expired" },
		"spent": func(p *pass) { p.UsedCount = 10 },
	} {
		c := p
		edit(&c)
		o, err = passOutcome(c, h, true)
		check(t, name, access.KindDayPass, "ps1", o, err, want{deleted: true})
	}
	o, err = passOutcome(p, holder{}, true)
	check(t, "no location known", access.KindDayPass, "ps1", o, err, want{})
}
