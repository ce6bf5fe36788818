package access

import (
	"cmp"
	"slices"
	"time"
)

// Explanation is a person's access at one instant: the groups active now
// and the windows still to open, each with the reasons behind it.
type Explanation struct {
	Person   PersonRef          `json:"person"`
	Active   []GroupExplanation `json:"groups"`
	Upcoming []GroupExplanation `json:"upcoming"`
}

// GroupExplanation is one continuous stretch of access to one group: the
// merged windows of all the reasons that grant it. Until is nil for an
// open end.
type GroupExplanation struct {
	SiteID  string     `json:"site_id"`
	GroupID string     `json:"group_id"`
	Active  bool       `json:"active"`
	From    time.Time  `json:"from"`
	Until   *time.Time `json:"until"`
	Reasons []Reason   `json:"reasons"`
}

// Explain explains person's access at t.
//
// Merge rule: per group, the person's grants that have not ended by t are
// merged into stretches, joining windows that overlap or touch (one ends
// exactly when the next begins), so access that never lapses reads as one
// stretch from its earliest From to its latest Until (nil if any reason is
// open-ended). A stretch that contains t is Active; later stretches are
// Upcoming. Each stretch lists the reasons of every grant merged into it
// (including reasons that open later within the stretch), sorted by
// CompareReasons without duplicates. Active is sorted by group; Upcoming by
// From, then group.
func Explain(grants []Grant, person PersonRef, t time.Time) Explanation {
	x := Explanation{Person: person, Active: []GroupExplanation{}, Upcoming: []GroupExplanation{}}
	for _, gs := range currentByGroup(grants, person, t) {
		for _, st := range mergeStretches(gs, t) {
			if st.Active {
				x.Active = append(x.Active, st)
			} else {
				x.Upcoming = append(x.Upcoming, st)
			}
		}
	}
	slices.SortFunc(x.Upcoming, func(a, b GroupExplanation) int {
		return cmp.Or(a.From.Compare(b.From), cmp.Compare(a.SiteID, b.SiteID), cmp.Compare(a.GroupID, b.GroupID))
	})
	return x
}

// currentByGroup returns person's grants that have not ended by t, grouped
// by group, the groups in CompareGroups order.
func currentByGroup(grants []Grant, person PersonRef, t time.Time) [][]Grant {
	var mine []Grant
	for _, g := range grants {
		if g.Person == person && !g.EndedBy(t) {
			mine = append(mine, g)
		}
	}
	slices.SortStableFunc(mine, func(a, b Grant) int {
		return cmp.Or(CompareGroups(a.Group, b.Group), a.From.Compare(b.From))
	})
	var out [][]Grant
	for start := 0; start < len(mine); {
		end := start + 1
		for end < len(mine) && mine[end].Group == mine[start].Group {
			end++
		}
		out = append(out, mine[start:end])
		start = end
	}
	return out
}

// mergeStretches merges one group's grants, sorted by From, into stretches.
func mergeStretches(gs []Grant, t time.Time) []GroupExplanation {
	var out []GroupExplanation
	var cur *GroupExplanation
	for _, g := range gs {
		if cur == nil || !reaches(cur.Until, g.From) {
			out = append(out, GroupExplanation{SiteID: g.Group.SiteID, GroupID: g.Group.GroupID, From: g.From, Until: untilPtr(g.Until)})
			cur = &out[len(out)-1]
		} else if cur.Until != nil && (g.Until.IsZero() || g.Until.After(*cur.Until)) {
			cur.Until = untilPtr(g.Until)
		}
		cur.Reasons = append(cur.Reasons, g.Reason)
	}
	for i := range out {
		st := &out[i]
		st.Active = !t.Before(st.From)
		slices.SortFunc(st.Reasons, CompareReasons)
		st.Reasons = slices.Compact(st.Reasons)
	}
	return out
}

// reaches reports whether a stretch ending at until (nil: open) covers or
// touches from.
func reaches(until *time.Time, from time.Time) bool {
	return until == nil || !until.Before(from)
}

// untilPtr turns a grant's Until into an explanation's (nil when open).
func untilPtr(u time.Time) *time.Time {
	if u.IsZero() {
		return nil
	}
	return &u
}
