package officernd

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"doorsync/access"
	"doorsync/connectors"
)

// outcome is what one platform object becomes: a record, a deletion (the
// platform says it grants nothing), or neither (skipped: doorsync has no
// such entity; a full sync's sweep removes a stale copy).
type outcome struct {
	rec *connectors.Record
	del *connectors.Ref
}

func record(kind access.Kind, id string, body any) (outcome, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return outcome{}, fmt.Errorf("officernd: encoding %s %s: %w", kind, id, err)
	}
	return outcome{rec: &connectors.Record{Kind: kind, ID: id, Body: b, SourceID: id}}, nil
}

func deleted(kind access.Kind, id string) (outcome, error) {
	return outcome{del: &connectors.Ref{Kind: kind, ID: id}}, nil
}

func skipped() (outcome, error) { return outcome{}, nil }

func locationOutcome(l location) (outcome, error) {
	return record(access.KindLocation, l.ID, locationBody{Name: l.Name, TimeZone: l.Timezone, Version: version(l.ModifiedAt)})
}

func floorOutcome(f floor) (outcome, error) {
	name := f.Name
	if name == "" {
		name = "Floor " + f.Floor
	}
	return record(access.KindFloor, f.ID, floorBody{LocationID: f.Location, Name: name, Version: version(f.ModifiedAt)})
}

func planOutcome(p plan) (outcome, error) {
	return record(access.KindPlan, p.ID, nameBody{Name: p.Name, Version: version(p.ModifiedAt)})
}

// inactive are the member and company statuses that are not (or no longer)
// part of the space: they become deletions, not skips, so an incremental
// read or a webhook that sees the change ends the access at once, whatever
// memberships still name them.
var inactive = map[string]bool{"former": true, "not_approved": true, "contact": true, "lead": true, "inactive": true}

// inSpace are the member and company statuses a full read asks for: the
// documented statuses that are not inactive.
var inSpace = []string{"active", "pending", "drop-in"}

func companyOutcome(co company) (outcome, error) {
	if inactive[co.Status] {
		return deleted(access.KindTeam, co.ID)
	}
	return record(access.KindTeam, co.ID, nameBody{Name: co.Name, Version: version(co.ModifiedAt)})
}

func memberOutcome(m member) (outcome, error) {
	if inactive[m.Status] {
		return deleted(access.KindMember, m.ID)
	}
	first, last := splitName(m.Name)
	// OfficeRnD has no card field (record §1.4.1 GAP): no access cards.
	return record(access.KindMember, m.ID, memberBody{Email: m.Email, FirstName: first, LastName: last,
		Phone: m.Phone, TeamID: m.Company, AccessCards: []string{}, Version: version(m.ModifiedAt)})
}

// splitName splits OfficeRnD's one name field at its first space.
func splitName(name string) (string, string) {
	first, last, _ := strings.Cut(strings.TrimSpace(name), " ")
	return first, strings.TrimSpace(last)
}

// resourceKinds maps OfficeRnD's system resource types to doorsync's kinds.
// desk_na (not available) and custom types are skipped: whether a custom
// type is booked or assigned is not on the resource.
var resourceKinds = map[string]string{
	"meeting_room": access.ResourceBookable, "hotdesk": access.ResourceBookable,
	"desk": access.ResourceAssignable, "team_room": access.ResourceAssignable, "desk_tr": access.ResourceAssignable,
}

func resourceOutcome(r resource) (outcome, error) {
	kind, ok := resourceKinds[r.Type]
	if !ok {
		return skipped()
	}
	return record(access.KindResource, r.ID, resourceBody{Kind: kind, Name: r.Name, LocationID: r.Location,
		FloorID: r.Floor, Version: version(r.ModifiedAt)})
}

// membershipOutcome combines a membership with its assignments (v2 keeps
// the desk or office there). Its resource is the assignment current at
// now; its version the latest of the membership's modifiedAt and, for each
// assignment, its createdAt/modifiedAt where the platform sends them and
// its start and end once passed, so a desk that changes without the
// membership's time moving still raises the version (a same-version write
// with another body is refused).
func membershipOutcome(ms membership, asg []assignment, now time.Time) (outcome, error) {
	if ms.CalculatedStatus == "not_approved" {
		return deleted(access.KindMembership, ms.ID)
	}
	body := membershipBody{PlanID: ms.Plan, StartsAt: dateOrTime(ms.StartDate), EndsAt: dateOrTime(ms.EndDate)}
	switch {
	case ms.Member != "":
		body.MemberID = ms.Member
	case ms.Company != "":
		body.TeamID = ms.Company // a team membership: the whole company
	default:
		return deleted(access.KindMembership, ms.ID) // nobody to grant
	}
	times := []string{ms.ModifiedAt}
	var current *assignment
	for i, a := range asg {
		times = append(times, a.CreatedAt, a.ModifiedAt, passed(a.StartDate, now), passed(a.EndDate, now))
		if activeAt(a, now) && (current == nil || a.StartDate > current.StartDate) {
			current = &asg[i]
		}
	}
	if current != nil {
		body.ResourceID = current.Resource
	}
	body.Version = version(times...)
	return record(access.KindMembership, ms.ID, body)
}

// passed is s when it is a time at or before now, else "".
func passed(s string, now time.Time) string {
	if t, ok := parseTime(s); ok && !t.After(now) {
		return s
	}
	return ""
}

func activeAt(a assignment, now time.Time) bool {
	if t, ok := parseTime(a.StartDate); ok && t.After(now) {
		return false
	}
	if t, ok := parseTime(a.EndDate); ok && !t.After(now) {
		return false
	}
	return true
}

// bookingOutcome: a cancelled or tentative booking grants nothing, nor one
// without a member (a company's booking names no person), so each is a
// deletion. A recurring series is skipped: doorsync's booking is one
// window, and the occurrences endpoint is known only from third parties.
// Visitors without an e-mail cannot be guests and are left out.
func bookingOutcome(b booking, visitors map[string]visitor) (outcome, error) {
	if b.Recurrence != nil && b.Recurrence.Rrule != "" {
		return skipped()
	}
	if b.IsCancelled || b.IsTentative || b.Member == "" {
		return deleted(access.KindBooking, b.ID)
	}
	guests := []contact{}
	for _, id := range b.Visitors {
		v, ok := visitors[id]
		if !ok || v.Email == "" {
			continue
		}
		first, last := splitName(v.Name)
		guests = append(guests, contact{Email: v.Email, FirstName: first, LastName: last})
	}
	return record(access.KindBooking, b.ID, bookingBody{ResourceID: b.Resource, MemberID: b.Member, Guests: guests,
		StartsAt: instant(b.Start), EndsAt: instant(b.End), Version: version(b.ModifiedAt)})
}

// holder is what a pass needs of its member or company: where they are,
// and when that last changed.
type holder struct {
	Location   string
	ModifiedAt string
}

// passOutcome: a pass is count − usedCount day passes valid from validFrom
// (else startDate) to validTo (else endDate), at its holder's location
// (ASSUMED: the pass object names none; the member's, else the company's,
// location). Used, expired or spent passes are deletions; a pass whose
// window or location is unknown is skipped.
func passOutcome(p pass, h holder, known bool) (outcome, error) {
	if !live(p) {
		return deleted(access.KindDayPass, p.ID)
	}
	left := p.Count - p.UsedCount
	from, until := firstOf(p.ValidFrom, p.StartDate), firstOf(p.ValidTo, p.EndDate)
	if !known || h.Location == "" || from == "" || until == "" {
		return skipped()
	}
	body := dayPassBody{LocationID: h.Location, Passes: left, ValidFrom: dateOrTime(from), ValidUntil: dateOrTime(until),
		Version: version(p.ModifiedAt, h.ModifiedAt)}
	if p.Member != "" {
		body.MemberID = p.Member
	} else {
		body.TeamID = p.Company
	}
	return record(access.KindDayPass, p.ID, body)
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// live says a pass still has days to grant.
func live(p pass) bool {
	return p.Status != "used" && p.Status != "expired" && p.Count-p.UsedCount >= 1
}
