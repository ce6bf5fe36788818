package access

import "slices"

// index holds the member relations every source needs, built once per
// evaluation.
type index struct {
	teamMembers map[string][]string // team id → current member ids, sorted
	coMembers   map[string][]string // primary id → valid co-member ids, sorted
}

// buildIndex indexes members by team and valid co-members by primary.
func buildIndex(members map[string]Member) index {
	idx := index{teamMembers: map[string][]string{}, coMembers: map[string][]string{}}
	for id, m := range members {
		if m.TeamID != "" {
			idx.teamMembers[m.TeamID] = append(idx.teamMembers[m.TeamID], id)
		}
		if primary, status := coMemberStatus(members, id); status == coValid {
			idx.coMembers[primary] = append(idx.coMembers[primary], id)
		}
	}
	for _, ids := range idx.teamMembers {
		slices.Sort(ids)
	}
	for _, ids := range idx.coMembers {
		slices.Sort(ids)
	}
	return idx
}

// coStatus says what a member's primary-member link amounts to.
type coStatus uint8

const (
	coNone       coStatus = iota // not a co-member
	coValid                      // co-member of a member who is no co-member
	coUnresolved                 // the primary is not in the snapshot
	coChain                      // the primary is itself a co-member
	coCycle                      // the primaries lead back to the member
)

// coMemberStatus classifies member id's primary link, looking at most at
// the chain of primaries once (no recursion, so a cycle cannot hang).
func coMemberStatus(members map[string]Member, id string) (primary string, status coStatus) {
	primary = members[id].PrimaryMemberID
	switch p, ok := members[primary]; {
	case primary == "":
		return "", coNone
	case primary == id:
		return primary, coCycle
	case !ok:
		return primary, coUnresolved
	case p.PrimaryMemberID == "":
		return primary, coValid
	case leadsBackTo(members, id):
		return primary, coCycle
	}
	return primary, coChain
}

// leadsBackTo reports whether following primary members from id returns to
// id. It stops at the first repeat, so it always ends.
func leadsBackTo(members map[string]Member, id string) bool {
	seen := map[string]bool{id: true}
	for cur := members[id].PrimaryMemberID; cur != ""; cur = members[cur].PrimaryMemberID {
		if cur == id {
			return true
		}
		if seen[cur] || !has(members, cur) {
			return false
		}
		seen[cur] = true
	}
	return false
}

// addMember adds member id (reached through `through`) and its valid
// co-members to the current recipients.
func (e *evaluator) addMember(id, through string) {
	e.who = append(e.who, recipient{person: MemberRef(id), through: through})
	for _, co := range e.idx.coMembers[id] {
		e.who = append(e.who, recipient{person: MemberRef(co), through: ThroughCoMember})
	}
}

// addHolder adds the recipients of a membership or day pass: its member
// when it names one, else every current member of its team.
func (e *evaluator) addHolder(memberID, teamID string) {
	switch {
	case memberID != "":
		if has(e.s.Members, memberID) {
			e.addMember(memberID, "")
		}
	case teamID != "" && has(e.s.Teams, teamID):
		for _, id := range e.idx.teamMembers[teamID] {
			e.addMember(id, ThroughTeam)
		}
	}
}
