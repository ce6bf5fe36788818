package entity

import (
	"fmt"
	"slices"
	"time"

	"doorsync/access"
)

// The bodies of people and of what grants them access: members,
// memberships, bookings and day passes.

type memberBody struct {
	Meta
	Email           string   `json:"email"`
	FirstName       string   `json:"first_name"`
	LastName        string   `json:"last_name"`
	Phone           string   `json:"phone,omitempty"`
	TeamID          string   `json:"team_id,omitempty"`
	PrimaryMemberID string   `json:"primary_member_id,omitempty"`
	AccessCards     []string `json:"access_cards"`
}

// memberRecord is a member as stored: the engine's member plus what only
// the API keeps (the engine ignores the extra field).
type memberRecord struct {
	access.Member
	Phone string `json:"phone,omitempty"`
}

// canonical: the e-mail is required; names are not (a platform may know
// only one); a member cannot be its own primary member.
func (b *memberBody) canonical(id string, v *Invalid) (any, []string) {
	email := requireEmail(v, "email", b.Email)
	optionalID(v, "team_id", b.TeamID)
	optionalID(v, "primary_member_id", b.PrimaryMemberID)
	if b.PrimaryMemberID == id {
		v.Add("primary_member_id", "must not be the member itself")
	}
	for i, c := range b.AccessCards {
		if c == "" {
			v.Add(fmt.Sprintf("access_cards[%d]", i), "must not be empty")
		}
	}
	m := access.Member{ID: id, Email: email, FirstName: b.FirstName, LastName: b.LastName,
		TeamID: b.TeamID, PrimaryMemberID: b.PrimaryMemberID, AccessCards: b.AccessCards}
	return memberRecord{Member: m, Phone: b.Phone}, []string{access.NormalizeEmail(email)}
}

func memberView(m memberRecord) (*memberBody, []Ref) {
	cards := m.AccessCards
	if cards == nil {
		cards = []string{}
	}
	return &memberBody{Email: m.Email, FirstName: m.FirstName, LastName: m.LastName, Phone: m.Phone,
			TeamID: m.TeamID, PrimaryMemberID: m.PrimaryMemberID, AccessCards: cards},
		[]Ref{ref("team_id", access.KindTeam, m.TeamID), ref("primary_member_id", access.KindMember, m.PrimaryMemberID)}
}

type membershipBody struct {
	Meta
	PlanID     string `json:"plan_id"`
	MemberID   string `json:"member_id,omitempty"`
	TeamID     string `json:"team_id,omitempty"`
	ResourceID string `json:"resource_id,omitempty"`
	StartsAt   string `json:"starts_at"`
	EndsAt     string `json:"ends_at,omitempty"`
}

func (b *membershipBody) canonical(id string, v *Invalid) (any, []string) {
	requireID(v, "plan_id", b.PlanID)
	requireHolder(v, b.MemberID, b.TeamID)
	optionalID(v, "resource_id", b.ResourceID)
	starts := ParseDateOrTime(v, "starts_at", b.StartsAt, true)
	ends := ParseDateOrTime(v, "ends_at", b.EndsAt, false)
	checkEndAfterStart(v, "ends_at", starts, ends)
	ms := access.Membership{ID: id, PlanID: b.PlanID, MemberID: b.MemberID, TeamID: b.TeamID,
		ResourceID: b.ResourceID, StartsAt: starts}
	if !ends.IsZero() {
		ms.EndsAt = &ends
	}
	return ms, nil
}

// requireHolder checks the member or team a membership or day pass is for.
func requireHolder(v *Invalid, memberID, teamID string) {
	if memberID == "" && teamID == "" {
		v.Add("member_id", "member_id or team_id is required")
	}
	optionalID(v, "member_id", memberID)
	optionalID(v, "team_id", teamID)
}

func membershipView(ms access.Membership) (*membershipBody, []Ref) {
	b := &membershipBody{PlanID: ms.PlanID, MemberID: ms.MemberID, TeamID: ms.TeamID, ResourceID: ms.ResourceID,
		StartsAt: ms.StartsAt.String()}
	if ms.EndsAt != nil {
		b.EndsAt = ms.EndsAt.String()
	}
	return b, []Ref{ref("plan_id", access.KindPlan, ms.PlanID), ref("member_id", access.KindMember, ms.MemberID),
		ref("team_id", access.KindTeam, ms.TeamID), ref("resource_id", access.KindResource, ms.ResourceID)}
}

type contactBody struct {
	Email     string `json:"email"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

func (c contactBody) canonical(v *Invalid, field string) access.Contact {
	return access.Contact{Email: requireEmail(v, field+".email", c.Email), FirstName: c.FirstName, LastName: c.LastName}
}

func contactView(c access.Contact) contactBody {
	return contactBody{Email: c.Email, FirstName: c.FirstName, LastName: c.LastName}
}

type bookingBody struct {
	Meta
	ResourceID string        `json:"resource_id"`
	MemberID   string        `json:"member_id,omitempty"`
	Booker     *contactBody  `json:"booker,omitempty"`
	Guests     []contactBody `json:"guests"`
	StartsAt   string        `json:"starts_at"`
	EndsAt     string        `json:"ends_at"`
}

// canonical: a member or a non-member booker is required; the e-mails are
// the guests' and (when there is no member) the booker's, lower-cased.
func (b *bookingBody) canonical(id string, v *Invalid) (any, []string) {
	requireID(v, "resource_id", b.ResourceID)
	optionalID(v, "member_id", b.MemberID)
	bk := access.Booking{ID: id, ResourceID: b.ResourceID, MemberID: b.MemberID}
	var emails []string
	switch {
	case b.Booker != nil:
		c := b.Booker.canonical(v, "booker")
		bk.Booker = &c
		if b.MemberID == "" {
			emails = append(emails, access.NormalizeEmail(c.Email))
		}
	case b.MemberID == "":
		v.Add("member_id", "member_id or booker is required")
	}
	for i, g := range b.Guests {
		c := g.canonical(v, fmt.Sprintf("guests[%d]", i))
		bk.Guests = append(bk.Guests, c)
		emails = append(emails, access.NormalizeEmail(c.Email))
	}
	bk.StartsAt = parseInstant(v, "starts_at", b.StartsAt)
	bk.EndsAt = parseInstant(v, "ends_at", b.EndsAt)
	if !bk.StartsAt.IsZero() && !bk.EndsAt.IsZero() && !bk.EndsAt.After(bk.StartsAt) {
		v.Add("ends_at", "must be after starts_at")
	}
	slices.Sort(emails)
	return bk, slices.Compact(emails)
}

func bookingView(bk access.Booking) (*bookingBody, []Ref) {
	b := &bookingBody{ResourceID: bk.ResourceID, MemberID: bk.MemberID, Guests: []contactBody{},
		StartsAt: bk.StartsAt.Format(time.RFC3339Nano), EndsAt: bk.EndsAt.Format(time.RFC3339Nano)}
	if bk.Booker != nil {
		c := contactView(*bk.Booker)
		b.Booker = &c
	}
	for _, g := range bk.Guests {
		b.Guests = append(b.Guests, contactView(g))
	}
	return b, []Ref{ref("resource_id", access.KindResource, bk.ResourceID), ref("member_id", access.KindMember, bk.MemberID)}
}

type dayPassBody struct {
	Meta
	MemberID   string `json:"member_id,omitempty"`
	TeamID     string `json:"team_id,omitempty"`
	LocationID string `json:"location_id"`
	Passes     *int   `json:"passes"`
	ValidFrom  string `json:"valid_from"`
	ValidUntil string `json:"valid_until"`
}

func (b *dayPassBody) canonical(id string, v *Invalid) (any, []string) {
	requireHolder(v, b.MemberID, b.TeamID)
	requireID(v, "location_id", b.LocationID)
	dp := access.DayPass{ID: id, MemberID: b.MemberID, TeamID: b.TeamID, LocationID: b.LocationID}
	switch {
	case b.Passes == nil:
		v.Add("passes", "is required")
	case *b.Passes < 1:
		v.Add("passes", "must be at least 1")
	default:
		dp.Passes = *b.Passes
	}
	dp.ValidFrom = ParseDateOrTime(v, "valid_from", b.ValidFrom, true)
	dp.ValidUntil = ParseDateOrTime(v, "valid_until", b.ValidUntil, true)
	checkEndAfterStart(v, "valid_until", dp.ValidFrom, dp.ValidUntil)
	return dp, nil
}

func dayPassView(dp access.DayPass) (*dayPassBody, []Ref) {
	passes := dp.Passes
	return &dayPassBody{MemberID: dp.MemberID, TeamID: dp.TeamID, LocationID: dp.LocationID, Passes: &passes,
			ValidFrom: dp.ValidFrom.String(), ValidUntil: dp.ValidUntil.String()},
		[]Ref{ref("member_id", access.KindMember, dp.MemberID), ref("team_id", access.KindTeam, dp.TeamID),
			ref("location_id", access.KindLocation, dp.LocationID)}
}
