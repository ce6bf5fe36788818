package nexudus

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"doorsync/access"
	"doorsync/connectors"
)

// The translation of Nexudus records into doorsync entities, in the body a
// PUT takes (API.md "Space entities"). No body carries salto_site_id or
// buffers: the operator owns them. A record that cannot make a valid body
// (a coworker without an e-mail, a booking without times) yields nothing,
// so a full read does not count it as held by the platform.

// DeskID is the doorsync resource id of a floor-plan desk or office.
// Desks and bookable resources are two Nexudus entities with their own
// integer ids but one doorsync kind, so desks take the prefix: a bookable
// resource keeps its bare Id, as bookings name it (ResourceId).
func DeskID(id int) string { return "desk-" + strconv.Itoa(id) }

func itoa(id int) string { return strconv.Itoa(id) }

// record builds a connectors.Record; body must marshal (plain structs).
func record(kind access.Kind, id string, sourceID int, body any) connectors.Record {
	raw, err := json.Marshal(body)
	if err != nil {
		panic("nexudus: a body did not marshal: " + err.Error())
	}
	return connectors.Record{Kind: kind, ID: id, Body: raw, SourceID: itoa(sourceID)}
}

type locationBody struct {
	Name     string `json:"name"`
	TimeZone string `json:"time_zone,omitempty"`
	Version  int64  `json:"version"`
}

func locationRecord(b business) (connectors.Record, bool) {
	if strings.TrimSpace(b.Name) == "" {
		return connectors.Record{}, false
	}
	body := locationBody{Name: b.Name, TimeZone: locationTimeZone(b.TimeZone), Version: version(b.UpdatedOn)}
	return record(access.KindLocation, itoa(b.ID), b.ID, body), true
}

type floorBody struct {
	LocationID string `json:"location_id"`
	Name       string `json:"name"`
	Version    int64  `json:"version"`
}

func floorRecord(f floorPlan) (connectors.Record, bool) {
	if f.BusinessID == 0 || strings.TrimSpace(f.Name) == "" {
		return connectors.Record{}, false
	}
	return record(access.KindFloor, itoa(f.ID), f.ID,
		floorBody{LocationID: itoa(f.BusinessID), Name: f.Name, Version: version(f.UpdatedOn)}), true
}

type resourceBody struct {
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	LocationID string `json:"location_id"`
	FloorID    string `json:"floor_id,omitempty"`
	Version    int64  `json:"version"`
}

func deskRecord(d desk) (connectors.Record, bool) {
	if d.FloorPlanBusinessID == 0 || strings.TrimSpace(d.Name) == "" {
		return connectors.Record{}, false
	}
	body := resourceBody{Kind: access.ResourceAssignable, Name: d.Name, LocationID: itoa(d.FloorPlanBusinessID),
		Version: version(d.UpdatedOn)}
	if d.FloorPlanID != 0 {
		body.FloorID = itoa(d.FloorPlanID)
	}
	return record(access.KindResource, DeskID(d.ID), d.ID, body), true
}

func bookableRecord(r resource) (connectors.Record, bool) {
	if r.BusinessID == 0 || strings.TrimSpace(r.Name) == "" {
		return connectors.Record{}, false
	}
	return record(access.KindResource, itoa(r.ID), r.ID, resourceBody{Kind: access.ResourceBookable, Name: r.Name,
		LocationID: itoa(r.BusinessID), Version: version(r.UpdatedOn)}), true
}

type nameBody struct {
	Name    string `json:"name"`
	Version int64  `json:"version"`
}

func planRecord(t tariff) (connectors.Record, bool) {
	if strings.TrimSpace(t.Name) == "" {
		return connectors.Record{}, false
	}
	return record(access.KindPlan, itoa(t.ID), t.ID, nameBody{Name: t.Name, Version: version(t.UpdatedOn)}), true
}

func teamRecord(t team) (connectors.Record, bool) {
	if strings.TrimSpace(t.Name) == "" {
		return connectors.Record{}, false
	}
	return record(access.KindTeam, itoa(t.ID), t.ID, nameBody{Name: t.Name, Version: version(t.UpdatedOn)}), true
}

type memberBody struct {
	Email       string   `json:"email"`
	FirstName   string   `json:"first_name"`
	LastName    string   `json:"last_name"`
	Phone       string   `json:"phone,omitempty"`
	TeamID      string   `json:"team_id,omitempty"`
	AccessCards []string `json:"access_cards"`
	Version     int64    `json:"version"`
}

// memberRecord: an archived coworker is a delete; one without an e-mail
// yields nothing. The team is the lowest-id team whose TeamMembers hold the
// coworker (doorsync has one team a member). The version is the latest of
// the coworker's and of every team's UpdatedOn: joining or leaving a team
// changes the team, not (as far as the record says) the coworker, and a
// member who left a team must still get a newer version than the one that
// named it.
func memberRecord(cw coworker, teams *teamIndex) (connectors.Record, *connectors.Ref, bool) {
	if cw.Archived {
		return connectors.Record{}, &connectors.Ref{Kind: access.KindMember, ID: itoa(cw.ID)}, false
	}
	email := strings.TrimSpace(cw.Email)
	if email == "" {
		return connectors.Record{}, nil, false
	}
	first, last := cw.GuessedFirst, cw.GuessedLast
	if first == "" && last == "" {
		first, last = splitName(cw.FullName)
	}
	body := memberBody{Email: email, FirstName: first, LastName: last, Phone: strings.TrimSpace(cw.MobilePhone),
		AccessCards: accessCards(cw.AccessCardID, cw.KeyFobNumber), Version: version(cw.UpdatedOn, teams.updated)}
	if t, ok := teams.teamOf[cw.ID]; ok {
		body.TeamID = itoa(t)
	}
	return record(access.KindMember, itoa(cw.ID), cw.ID, body), nil, true
}

// accessCards are the Salto tag numbers in the card and fob fields; a
// field holding several, comma-separated, gives each (ASSUMED: the record
// shows them as plain strings).
func accessCards(fields ...string) []string {
	cards := []string{}
	for _, f := range fields {
		for c := range strings.SplitSeq(f, ",") {
			if c = strings.TrimSpace(c); c != "" && !slices.Contains(cards, c) {
				cards = append(cards, c)
			}
		}
	}
	return cards
}

// splitName splits a full name at its first space.
func splitName(full string) (string, string) {
	first, last, _ := strings.Cut(strings.TrimSpace(full), " ")
	return first, strings.TrimSpace(last)
}

type membershipBody struct {
	PlanID     string `json:"plan_id"`
	MemberID   string `json:"member_id"`
	ResourceID string `json:"resource_id,omitempty"`
	StartsAt   string `json:"starts_at"`
	EndsAt     string `json:"ends_at,omitempty"`
	Version    int64  `json:"version"`
}

// membershipRecord: access runs from StartDate until CancellationDate, the
// last day (ASSUMED: the record has no end date; a cancellation date is
// the contract's last day). A contract cancelled without a date, or
// inactive though it has started, ended when it last changed (its
// UpdatedOn): it is kept, with that end, so that it stays the platform's
// and a reactivation (a newer version) simply lifts the end. The desk is
// the first of Desks or FloorPlanDeskIds (doorsync assigns one resource a
// membership). Pauses (InPausedPeriod) are not modelled.
func membershipRecord(ct contract, now time.Time) (connectors.Record, bool) {
	starts := dateOrInstant(ct.StartDate, ct.StartDateLocal)
	if ct.CoworkerID == 0 || ct.TariffID == 0 || starts == "" {
		return connectors.Record{}, false
	}
	body := membershipBody{PlanID: itoa(ct.TariffID), MemberID: itoa(ct.CoworkerID), StartsAt: starts,
		Version: version(ct.UpdatedOn)}
	if d, ok := firstDesk(ct); ok {
		body.ResourceID = DeskID(d)
	}
	start, _ := parseTime(ct.StartDate)
	cancel, cancelled := parseTime(ct.CancellationDate)
	switch {
	case cancelled && cancel.Before(start):
		return connectors.Record{}, false // cancelled before it began: it never grants
	case ct.CancellationDate != "":
		body.EndsAt = dateOrInstant(ct.CancellationDate, ct.CancellationDateLocal)
	case ct.Cancelled || (!ct.Active && !start.After(now)):
		ended, _ := parseTime(ct.UpdatedOn)
		if !ended.After(start) {
			ended = start.Add(time.Minute)
		}
		body.EndsAt = ended.Format(time.RFC3339)
	}
	return record(access.KindMembership, itoa(ct.ID), ct.ID, body), true
}

func firstDesk(ct contract) (int, bool) {
	if len(ct.Desks) > 0 {
		return slices.Min(ct.Desks), true
	}
	for f := range strings.SplitSeq(ct.FloorPlanDeskIDs, ",") {
		if id, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && id > 0 {
			return id, true
		}
	}
	return 0, false
}

// dateOrInstant is a contract date as doorsync takes it: the business-
// local date when the local time is midnight (a whole day, in the
// location's time zone), else the UTC instant.
func dateOrInstant(utc, local string) string {
	if l, ok := parseTime(local); ok && l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 {
		return l.Format("2006-01-02")
	}
	if t, ok := parseTime(utc); ok {
		return t.Format(time.RFC3339)
	}
	return ""
}

type contactBody struct {
	Email     string `json:"email"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

type bookingBody struct {
	ResourceID string        `json:"resource_id"`
	MemberID   string        `json:"member_id"`
	Guests     []contactBody `json:"guests"`
	StartsAt   string        `json:"starts_at"`
	EndsAt     string        `json:"ends_at"`
	Version    int64         `json:"version"`
}

// bookingRecord: FromTime and ToTime are UTC (ASSUMED); the visitors with
// an e-mail are its guests (doorsync needs one to name a guest); the
// version is the latest of the booking's and its visitors' UpdatedOn. A
// desk booking names the desk, which grants nothing as a booking (doorsync
// books only bookable resources).
func bookingRecord(b booking, visitors []bookingVisitor) (connectors.Record, bool) {
	from, okFrom := parseTime(b.FromTime)
	to, okTo := parseTime(b.ToTime)
	if !okFrom || !okTo || !to.After(from) || b.CoworkerID == 0 {
		return connectors.Record{}, false
	}
	body := bookingBody{MemberID: itoa(b.CoworkerID), Guests: []contactBody{},
		StartsAt: from.Format(time.RFC3339), EndsAt: to.Format(time.RFC3339)}
	switch {
	case b.ResourceID != 0:
		body.ResourceID = itoa(b.ResourceID)
	case b.FloorPlanDeskID != 0:
		body.ResourceID = DeskID(b.FloorPlanDeskID)
	default:
		return connectors.Record{}, false
	}
	updated := []string{b.UpdatedOn}
	slices.SortFunc(visitors, func(x, y bookingVisitor) int { return x.ID - y.ID })
	for _, v := range visitors {
		updated = append(updated, v.UpdatedOn)
		if email := strings.TrimSpace(v.VisitorEmail); email != "" {
			first, last := splitName(v.VisitorFullName)
			body.Guests = append(body.Guests, contactBody{Email: email, FirstName: first, LastName: last})
		}
	}
	body.Version = version(updated...)
	return record(access.KindBooking, itoa(b.ID), b.ID, body), true
}

type dayPassBody struct {
	MemberID   string `json:"member_id"`
	LocationID string `json:"location_id"`
	Passes     int    `json:"passes"`
	ValidFrom  string `json:"valid_from"`
	ValidUntil string `json:"valid_until"`
	Version    int64  `json:"version"`
}

// unexpiringPass is how long a day pass without an ExpireDate stays valid
// (ASSUMED: doorsync needs an end; the record gives none).
const unexpiringPass = 365 * 24 * time.Hour

// dayPassRecord: a sold time pass whose TimePass has no MinutesIncluded
// (DOC: a day pass). An unused one is valid from the day it was sold to
// its ExpireDate; a used-up one only on the day it was used (UsedDate), so
// a pass spent at the door stops granting. Dates are UTC days (ASSUMED).
func dayPassRecord(p coworkerTimePass, isDayPass map[int]bool) (connectors.Record, bool) {
	sold, ok := parseTime(p.CreatedOn)
	if !isDayPass[p.TimePassID] || p.CoworkerID == 0 || p.BusinessID == 0 || !ok {
		return connectors.Record{}, false
	}
	body := dayPassBody{MemberID: itoa(p.CoworkerID), LocationID: itoa(p.BusinessID), Passes: 1,
		Version: version(p.UpdatedOn)}
	if p.TotalUses != nil && *p.TotalUses > 0 {
		body.Passes = *p.TotalUses
	}
	until, ok := parseTime(p.ExpireDate)
	if !ok {
		until = sold.Add(unexpiringPass)
	}
	body.ValidFrom, body.ValidUntil = sold.Format("2006-01-02"), until.Format("2006-01-02")
	used, usedOK := parseTime(p.UsedDate)
	if p.Used && usedOK && (p.RemainingUses == nil || *p.RemainingUses == 0) {
		body.ValidFrom, body.ValidUntil = used.Format("2006-01-02"), used.Format("2006-01-02")
	}
	if body.ValidUntil < body.ValidFrom {
		body.ValidUntil = body.ValidFrom
	}
	return record(access.KindDayPass, itoa(p.ID), p.ID, body), true
}
