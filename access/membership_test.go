package access

import (
	"slices"
	"testing"
)

// evalCase is a table case over a whole-org evaluation of the fixture.
type evalCase struct {
	name           string
	change         func(*Snapshot)
	want           []string // every grant, rendered by line, in order
	wantProblems   []string // entity:id:code
	wantUnresolved []string // entity:id.field->ref
}

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(with(fixture(), tt.change))
			assertLines(t, r.Grants, tt.want...)
			if got := problemCodes(r.Problems); !slices.Equal(got, tt.wantProblems) {
				t.Errorf("problems = %q, want %q", got, tt.wantProblems)
			}
			if got := unresolvedRefs(r.Unresolved); !slices.Equal(got, tt.wantUnresolved) {
				t.Errorf("unresolved = %q, want %q", got, tt.wantUnresolved)
			}
			if g := Grants(with(fixture(), tt.change)); !slices.Equal(lines(g), lines(r.Grants)) {
				t.Errorf("Grants differs from Evaluate().Grants")
			}
		})
	}
}

func TestMembershipMappings(t *testing.T) {
	runEvalCases(t, []evalCase{
		{
			name: "plan mapping, open-ended, date-only start in the org zone (BST)",
			change: func(s *Snapshot) {
				s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "m3", StartsAt: dt("2026-06-01")}
			},
			want: []string{"member:m3 site-lon/front-door 2026-05-31T23:00:00Z..open membership:ms1 plan:hot"},
		},
		{
			name: "plan with two groups and an instant end",
			change: func(s *Snapshot) {
				s.Memberships["ms1"] = Membership{PlanID: "office", MemberID: "m3",
					StartsAt: dt("2026-01-05T09:00:00Z"), EndsAt: dtp("2026-02-05T18:00:00Z")}
			},
			want: []string{
				"member:m3 site-lon/front-door 2026-01-05T09:00:00Z..2026-02-05T18:00:00Z membership:ms1 plan:office",
				"member:m3 site-lon/lobby 2026-01-05T09:00:00Z..2026-02-05T18:00:00Z membership:ms1 plan:office",
			},
		},
		{
			name: "assigned desk grants resource, floor and location groups; date end is the whole last day",
			change: func(s *Snapshot) {
				s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "m3", ResourceID: "desk-1",
					StartsAt: dt("2026-01-01"), EndsAt: dtp("2026-01-31")}
			},
			want: []string{
				"member:m3 site-lon/front-door 2026-01-01T00:00:00Z..2026-02-01T00:00:00Z membership:ms1 plan:hot",
				"member:m3 site-lon/desk-1 2026-01-01T00:00:00Z..2026-02-01T00:00:00Z membership:ms1 resource:desk-1",
				"member:m3 site-lon/floor-1 2026-01-01T00:00:00Z..2026-02-01T00:00:00Z membership:ms1 floor:lon-1",
				"member:m3 site-lon/lobby 2026-01-01T00:00:00Z..2026-02-01T00:00:00Z membership:ms1 location:lon",
			},
		},
		{
			name: "desk in New York: date-only values are New York days, not the org's London days",
			change: func(s *Snapshot) {
				s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "m3", ResourceID: "desk-7",
					StartsAt: dt("2026-03-08"), EndsAt: dtp("2026-03-08")}
			},
			want: []string{
				"member:m3 site-lon/front-door 2026-03-08T05:00:00Z..2026-03-09T04:00:00Z membership:ms1 plan:hot",
				"member:m3 site-nyc/desk-7 2026-03-08T05:00:00Z..2026-03-09T04:00:00Z membership:ms1 resource:desk-7",
				"member:m3 site-nyc/front-door 2026-03-08T05:00:00Z..2026-03-09T04:00:00Z membership:ms1 location:nyc",
			},
		},
		{
			name: "London spring-forward day is 23 hours",
			change: func(s *Snapshot) {
				s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "m3", StartsAt: dt("2026-03-29"), EndsAt: dtp("2026-03-29")}
			},
			want: []string{"member:m3 site-lon/front-door 2026-03-29T00:00:00Z..2026-03-29T23:00:00Z membership:ms1 plan:hot"},
		},
		{
			name: "London fall-back day is 25 hours",
			change: func(s *Snapshot) {
				s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "m3", StartsAt: dt("2026-10-25"), EndsAt: dtp("2026-10-25")}
			},
			want: []string{"member:m3 site-lon/front-door 2026-10-24T23:00:00Z..2026-10-26T00:00:00Z membership:ms1 plan:hot"},
		},
		{
			name: "location without a time zone falls back to the org's",
			change: func(s *Snapshot) {
				s.Locations["nyc"] = Location{ID: "nyc", SaltoSiteID: "site-nyc"}
				s.Memberships["ms1"] = Membership{PlanID: "office", MemberID: "m3", ResourceID: "desk-7", StartsAt: dt("2026-07-01")}
				s.Mappings.Plans["office"] = nil
				s.Mappings.Resources["desk-7"] = nil
			},
			want: []string{"member:m3 site-nyc/front-door 2026-06-30T23:00:00Z..open membership:ms1 location:nyc"},
		},
		{
			name: "invalid location zone is a problem and falls back to the org's",
			change: func(s *Snapshot) {
				s.Locations["nyc"] = Location{ID: "nyc", TimeZone: "Mars/Olympus", SaltoSiteID: "site-nyc"}
				s.Memberships["ms1"] = Membership{MemberID: "m3", ResourceID: "desk-7", StartsAt: dt("2026-07-01")}
				s.Mappings.Resources["desk-7"] = nil
			},
			want:         []string{"member:m3 site-nyc/front-door 2026-06-30T23:00:00Z..open membership:ms1 location:nyc"},
			wantProblems: []string{"location:nyc:invalid_time_zone"},
		},
		{
			name: "bookable resource on a membership grants only the plan, and is a problem",
			change: func(s *Snapshot) {
				s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "m3", ResourceID: "room-1", StartsAt: dt("2026-01-01T00:00:00Z")}
			},
			want:         []string{"member:m3 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot"},
			wantProblems: []string{"membership:ms1:resource_kind"},
		},
		{
			name: "duplicate groups in a mapping grant once",
			change: func(s *Snapshot) {
				s.Mappings.Plans["hot"] = []GroupRef{gLobby, gFront, gLobby}
				s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "m3", StartsAt: dt("2026-01-01T00:00:00Z")}
			},
			want: []string{
				"member:m3 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot",
				"member:m3 site-lon/lobby 2026-01-01T00:00:00Z..open membership:ms1 plan:hot",
			},
		},
		{
			name: "ended membership keeps its past window; ends before start grants nothing",
			change: func(s *Snapshot) {
				s.Memberships["old"] = Membership{PlanID: "hot", MemberID: "m3", StartsAt: dt("2025-01-01T00:00:00Z"), EndsAt: dtp("2025-02-01T00:00:00Z")}
				s.Memberships["bad"] = Membership{PlanID: "hot", MemberID: "m3", StartsAt: dt("2025-03-01"), EndsAt: dtp("2025-02-01")}
				s.Memberships["nostart"] = Membership{PlanID: "hot", MemberID: "m3"}
			},
			want:         []string{"member:m3 site-lon/front-door 2025-01-01T00:00:00Z..2025-02-01T00:00:00Z membership:old plan:hot"},
			wantProblems: []string{"membership:bad:ends_before_start", "membership:nostart:missing_time"},
		},
		{
			name: "same start and end (cancelled before it began) grants nothing, silently",
			change: func(s *Snapshot) {
				s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "m3", StartsAt: dt("2026-01-01T00:00:00Z"), EndsAt: dtp("2026-01-01T00:00:00Z")}
			},
		},
	})
}

func TestMembershipUnresolved(t *testing.T) {
	runEvalCases(t, []evalCase{
		{
			name: "unknown member grants nothing",
			change: func(s *Snapshot) {
				s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "ghost", StartsAt: dt("2026-01-01")}
			},
			wantUnresolved: []string{"membership:ms1.member_id->ghost"},
		},
		{
			name: "unknown plan: the desk still grants",
			change: func(s *Snapshot) {
				s.Mappings.Plans["future"] = []GroupRef{gFront}
				s.Memberships["ms1"] = Membership{PlanID: "future", MemberID: "m3", ResourceID: "desk-7", StartsAt: dt("2026-01-01T00:00:00Z")}
			},
			want: []string{
				"member:m3 site-nyc/desk-7 2026-01-01T00:00:00Z..open membership:ms1 resource:desk-7",
				"member:m3 site-nyc/front-door 2026-01-01T00:00:00Z..open membership:ms1 location:nyc",
			},
			wantUnresolved: []string{"membership:ms1.plan_id->future"},
		},
		{
			name: "unknown resource with instants: the plan still grants",
			change: func(s *Snapshot) {
				s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "m3", ResourceID: "desk-99", StartsAt: dt("2026-01-01T00:00:00Z")}
			},
			want:           []string{"member:m3 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot"},
			wantUnresolved: []string{"membership:ms1.resource_id->desk-99"},
		},
		{
			name: "unknown resource with dates: the zone is unknown, so nothing until it arrives",
			change: func(s *Snapshot) {
				s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "m3", ResourceID: "desk-99", StartsAt: dt("2026-01-01")}
			},
			wantUnresolved: []string{"membership:ms1.resource_id->desk-99"},
		},
		{
			name: "resource whose location is unknown: dates pend, floor still known",
			change: func(s *Snapshot) {
				s.Resources["desk-2"] = Resource{Kind: ResourceAssignable, LocationID: "paris", FloorID: "lon-1"}
				s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "m3", ResourceID: "desk-2", StartsAt: dt("2026-01-01")}
				s.Memberships["ms2"] = Membership{MemberID: "m3", ResourceID: "desk-2", StartsAt: dt("2026-01-01T00:00:00Z")}
			},
			want:           []string{"member:m3 site-lon/floor-1 2026-01-01T00:00:00Z..open membership:ms2 floor:lon-1"},
			wantUnresolved: []string{"resource:desk-2.location_id->paris"},
		},
		{
			name: "no member and no team is a problem",
			change: func(s *Snapshot) {
				s.Memberships["ms1"] = Membership{PlanID: "hot", StartsAt: dt("2026-01-01")}
			},
			wantProblems: []string{"membership:ms1:no_member_or_team"},
		},
		{
			name: "unknown team grants nothing, and a member's unknown team is reported",
			change: func(s *Snapshot) {
				s.Members["m4"] = Member{TeamID: "initech"}
				s.Memberships["ms1"] = Membership{PlanID: "hot", TeamID: "initech", StartsAt: dt("2026-01-01")}
			},
			wantUnresolved: []string{"member:m4.team_id->initech", "membership:ms1.team_id->initech"},
		},
	})
}

func TestTeamFallback(t *testing.T) {
	teamMembership := func(s *Snapshot) {
		s.Memberships["ms1"] = Membership{PlanID: "hot", TeamID: "acme", StartsAt: dt("2026-01-01T00:00:00Z")}
	}
	runEvalCases(t, []evalCase{
		{
			name:   "membership without a member grants every current team member",
			change: teamMembership,
			want: []string{
				"member:m1 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [team]",
				"member:m2 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [team]",
			},
		},
		{
			name: "a member who joins the team later gets access",
			change: func(s *Snapshot) {
				teamMembership(s)
				s.Members["m3"] = Member{ID: "m3", TeamID: "acme"}
			},
			want: []string{
				"member:m1 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [team]",
				"member:m2 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [team]",
				"member:m3 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [team]",
			},
		},
		{
			name: "a member who moves to another team loses it",
			change: func(s *Snapshot) {
				teamMembership(s)
				s.Members["m1"] = Member{ID: "m1", TeamID: "globex"}
			},
			want: []string{"member:m2 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [team]"},
		},
		{
			name: "a membership with a member grants only that member, even with a team",
			change: func(s *Snapshot) {
				s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "m2", TeamID: "acme", StartsAt: dt("2026-01-01T00:00:00Z")}
			},
			want: []string{"member:m2 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot"},
		},
	})
}

func TestCoMembers(t *testing.T) {
	own := func(s *Snapshot) {
		s.Memberships["ms1"] = Membership{PlanID: "hot", MemberID: "m3", StartsAt: dt("2026-01-01T00:00:00Z")}
	}
	runEvalCases(t, []evalCase{
		{
			name: "co-member gets exactly the primary's grants",
			change: func(s *Snapshot) {
				own(s)
				s.Members["c1"] = Member{PrimaryMemberID: "m3"}
				s.Members["c2"] = Member{PrimaryMemberID: "m3"}
			},
			want: []string{
				"member:m3 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot",
				"member:c1 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [co_member]",
				"member:c2 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [co_member]",
			},
		},
		{
			name: "co-member of a team member gets the team grant as co_member; its own team grant stays",
			change: func(s *Snapshot) {
				s.Memberships["ms1"] = Membership{PlanID: "hot", TeamID: "acme", StartsAt: dt("2026-01-01T00:00:00Z")}
				s.Members["c1"] = Member{PrimaryMemberID: "m1", TeamID: "acme"}
			},
			want: []string{
				"member:c1 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [team]",
				"member:m1 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [team]",
				"member:c1 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [co_member]",
				"member:m2 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [team]",
			},
		},
		{
			name: "co-member of a co-member gets nothing through it (one level), reported",
			change: func(s *Snapshot) {
				own(s)
				s.Members["c1"] = Member{PrimaryMemberID: "m3"}
				s.Members["c2"] = Member{PrimaryMemberID: "c1"}
			},
			want: []string{
				"member:m3 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot",
				"member:c1 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [co_member]",
			},
			wantProblems: []string{"member:c2:co_member_chain"},
		},
		{
			name: "a cycle is reported, never hangs, and grants nothing through it",
			change: func(s *Snapshot) {
				own(s)
				s.Members["a"] = Member{PrimaryMemberID: "b"}
				s.Members["b"] = Member{PrimaryMemberID: "c"}
				s.Members["c"] = Member{PrimaryMemberID: "a"}
				s.Members["self"] = Member{PrimaryMemberID: "self"}
				s.Members["tail"] = Member{PrimaryMemberID: "a"}
				s.Memberships["ms2"] = Membership{PlanID: "hot", MemberID: "a", StartsAt: dt("2026-01-01T00:00:00Z")}
			},
			want: []string{
				"member:m3 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot",
				"member:a site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms2 plan:hot",
			},
			wantProblems: []string{
				"member:a:co_member_cycle", "member:b:co_member_cycle", "member:c:co_member_cycle",
				"member:self:co_member_cycle", "member:tail:co_member_chain",
			},
		},
		{
			name: "co-member whose primary is unknown gets nothing through it",
			change: func(s *Snapshot) {
				own(s)
				s.Members["c1"] = Member{PrimaryMemberID: "ghost"}
			},
			want:           []string{"member:m3 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot"},
			wantUnresolved: []string{"member:c1.primary_member_id->ghost"},
		},
		{
			name: "a co-member's own membership grants directly, alongside the primary's",
			change: func(s *Snapshot) {
				own(s)
				s.Members["c1"] = Member{PrimaryMemberID: "m3"}
				s.Memberships["ms2"] = Membership{PlanID: "office", MemberID: "c1", StartsAt: dt("2026-02-01T00:00:00Z")}
				s.Mappings.Plans["office"] = []GroupRef{gLobby}
			},
			want: []string{
				"member:m3 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot",
				"member:c1 site-lon/front-door 2026-01-01T00:00:00Z..open membership:ms1 plan:hot [co_member]",
				"member:c1 site-lon/lobby 2026-02-01T00:00:00Z..open membership:ms2 plan:office",
			},
		},
	})
}
