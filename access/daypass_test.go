package access

import "testing"

func TestDayPasses(t *testing.T) {
	bundle := func(passes int, uses ...DayPassUse) func(*Snapshot) {
		return func(s *Snapshot) {
			s.DayPasses["dp1"] = DayPass{MemberID: "m3", LocationID: "lon", Passes: passes,
				ValidFrom: dt("2026-03-01"), ValidUntil: dt("2026-04-30"), Uses: uses}
		}
	}
	use := func(id, date string) DayPassUse { return DayPassUse{UseID: id, Date: dt(date)} }
	const validWhole = "member:m3 site-lon/day-pass 2026-03-01T00:00:00Z..2026-04-30T23:00:00Z day_pass:dp1 day_pass:lon"
	runEvalCases(t, []evalCase{
		{
			name:   "passes remain: the whole validity, date-only in the location zone",
			change: bundle(5, use("u1", "2026-03-10")),
			want:   []string{validWhole},
		},
		{
			name: "the * mapping adds its groups with ref *",
			change: func(s *Snapshot) {
				bundle(5)(s)
				s.Mappings.DayPasses[AllLocations] = []GroupRef{gFront}
			},
			want: []string{
				validWhole,
				"member:m3 site-lon/front-door 2026-03-01T00:00:00Z..2026-04-30T23:00:00Z day_pass:dp1 day_pass:*",
			},
		},
		{
			name:   "last pass used on the spring-forward day: access ends at that local midnight (23:00Z)",
			change: bundle(2, use("u1", "2026-03-10"), use("u2", "2026-03-29")),
			want:   []string{"member:m3 site-lon/day-pass 2026-03-01T00:00:00Z..2026-03-29T23:00:00Z day_pass:dp1 day_pass:lon"},
		},
		{
			name:   "uses after exhaustion change nothing",
			change: bundle(2, use("u1", "2026-03-10"), use("u2", "2026-03-29"), use("u3", "2026-04-02")),
			want:   []string{"member:m3 site-lon/day-pass 2026-03-01T00:00:00Z..2026-03-29T23:00:00Z day_pass:dp1 day_pass:lon"},
		},
		{
			name:   "uses count in date order, not in the order recorded",
			change: bundle(2, use("u3", "2026-04-02"), use("u2", "2026-03-29"), use("u1", "2026-03-10")),
			want:   []string{"member:m3 site-lon/day-pass 2026-03-01T00:00:00Z..2026-03-29T23:00:00Z day_pass:dp1 day_pass:lon"},
		},
		{
			name:   "a repeated use id counts once",
			change: bundle(2, use("u1", "2026-03-10"), use("u1", "2026-03-11")),
			want:   []string{validWhole},
		},
		{
			name:   "uses without an id each count",
			change: bundle(2, use("", "2026-03-10"), use("", "2026-03-10")),
			want:   []string{"member:m3 site-lon/day-pass 2026-03-01T00:00:00Z..2026-03-11T00:00:00Z day_pass:dp1 day_pass:lon"},
		},
		{
			name:   "exhausted after valid_until: valid_until still ends it",
			change: bundle(1, use("u1", "2026-05-03")),
			want:   []string{validWhole},
		},
		{
			name:   "exhausted before valid_from: nothing",
			change: bundle(1, use("u1", "2026-02-27")),
		},
		{
			name:   "no passes: nothing",
			change: bundle(0),
		},
		{
			name: "team bundle grants every current team member",
			change: func(s *Snapshot) {
				s.DayPasses["dp1"] = DayPass{TeamID: "acme", LocationID: "lon", Passes: 10,
					ValidFrom: dt("2026-10-25"), ValidUntil: dt("2026-10-25")}
			},
			want: []string{
				"member:m1 site-lon/day-pass 2026-10-24T23:00:00Z..2026-10-26T00:00:00Z day_pass:dp1 day_pass:lon [team]",
				"member:m2 site-lon/day-pass 2026-10-24T23:00:00Z..2026-10-26T00:00:00Z day_pass:dp1 day_pass:lon [team]",
			},
		},
		{
			name: "a use given as an instant counts on its local day in New York",
			change: func(s *Snapshot) {
				s.Mappings.DayPasses["nyc"] = []GroupRef{gNYC}
				s.DayPasses["dp1"] = DayPass{MemberID: "m3", LocationID: "nyc", Passes: 1,
					ValidFrom: dt("2026-03-01"), ValidUntil: dt("2026-03-31"),
					Uses: []DayPassUse{{UseID: "u1", Date: dt("2026-03-09T02:00:00Z")}}}
			},
			want: []string{"member:m3 site-nyc/front-door 2026-03-01T05:00:00Z..2026-03-09T04:00:00Z day_pass:dp1 day_pass:nyc"},
		},
		{
			name: "open validity when valid_until is absent",
			change: func(s *Snapshot) {
				s.DayPasses["dp1"] = DayPass{MemberID: "m3", LocationID: "lon", Passes: 1, ValidFrom: dt("2026-01-01T08:00:00Z")}
			},
			want: []string{"member:m3 site-lon/day-pass 2026-01-01T08:00:00Z..open day_pass:dp1 day_pass:lon"},
		},
		{
			name: "unknown and missing locations, and a use without a date",
			change: func(s *Snapshot) {
				s.DayPasses["dp1"] = DayPass{MemberID: "m3", LocationID: "paris", Passes: 1, ValidFrom: dt("2026-01-01")}
				s.DayPasses["dp2"] = DayPass{MemberID: "m3", Passes: 1, ValidFrom: dt("2026-01-01")}
				s.DayPasses["dp3"] = DayPass{MemberID: "m3", LocationID: "lon", Passes: 1, ValidFrom: dt("2026-01-01"),
					ValidUntil: dt("2026-01-01"), Uses: []DayPassUse{{UseID: "u1"}}}
			},
			want:           []string{"member:m3 site-lon/day-pass 2026-01-01T00:00:00Z..2026-01-02T00:00:00Z day_pass:dp3 day_pass:lon"},
			wantProblems:   []string{"day_pass:dp2:missing_location", "day_pass:dp3:use_without_date"},
			wantUnresolved: []string{"day_pass:dp1.location_id->paris"},
		},
	})
}
