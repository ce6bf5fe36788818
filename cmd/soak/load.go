package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"doorsync/access"
)

// The fake Salto KS's one site and the four access groups the soak maps.
const (
	siteID   = "5a17aaaa-0000-4000-8000-000000000001"
	gMembers = "6a00aaaa-0001-4000-8000-000000000001"
	gDesk    = "6a00aaaa-0001-4000-8000-000000000002"
	gRoom    = "6a00aaaa-0001-4000-8000-000000000003"
	gDayPass = "6a00aaaa-0001-4000-8000-000000000004"
	desks    = 5
)

var groupNames = map[string]string{gMembers: "members", gDesk: "desk", gRoom: "room", gDayPass: "day-pass"}

const fakeSeed = `{"clients":[{"client_id":"doorsync","client_secret":"soak-secret","users":[{"username":"sys@example.com","password":"pw"}]}],
 "sites":[{"id":"` + siteID + `","name":"Soak","time_zone":"UTC","seats":100000,
   "access_groups":[{"id":"` + gMembers + `","name":"Members"},{"id":"` + gDesk + `","name":"Desks"},
                    {"id":"` + gRoom + `","name":"Room"},{"id":"` + gDayPass + `","name":"Day pass"}]}]}`

// event is one platform call: a PUT or DELETE of an entity, or a day-pass
// use. It is sent at (after the load starts) or at once.
type event struct {
	method, path string
	body         any
	at           time.Duration
	// cut, when set, is the cutoff this event's acknowledgement fixes.
	cut *cutoff
	// entity names the entity for messages.
	entity string
}

// cutoff is the instant a DELETE or a pass-spending use was accepted: the
// grant it ends is due to be revoked from then.
type cutoff struct {
	at time.Time // zero until acknowledged
}

// grant is one reason the oracle knows of: people in groups over a window.
type grant struct {
	what   string
	people []string // e-mails
	groups []string
	from   time.Time
	until  time.Time // zero: open
	cut    *cutoff   // ends the grant when acknowledged
	// earlier windows other versions had: allowed, never required.
	earlier []window
}

// person is what the audit check needs of someone the load created.
type person struct{ key, email string }

// load is what the soak sends: setup calls, shuffled events, timed events,
// and the grants they imply.
type load struct {
	setup  []event
	events []event // sent at once, shuffled, some twice
	timed  []event // sent at their time
	grants []*grant
	people map[string]person // by e-mail
	dups   int
}

// loadBuilder builds a load starting at t0.
type loadBuilder struct {
	r     *rand.Rand
	t0    time.Time
	d     time.Duration
	l     *load
	teams map[string][]string // team id → member e-mails
}

func newLoad(cfg Config, t0 time.Time) *load {
	lb := &loadBuilder{r: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed)), t0: t0, d: cfg.Duration,
		l: &load{people: map[string]person{}}, teams: map[string][]string{}}
	lb.setup()
	for i := range cfg.Members {
		lb.member(i)
	}
	lb.teamMemberships()
	lb.shuffleAndDuplicate()
	return lb.l
}

// at is t0 plus a uniformly drawn share of the run between a and b.
func (lb *loadBuilder) at(a, b float64) time.Time {
	return lb.t0.Add(time.Duration((a + lb.r.Float64()*(b-a)) * float64(lb.d))).Truncate(time.Second)
}

func (lb *loadBuilder) past() time.Time { return lb.t0.Add(-time.Hour).Truncate(time.Second) }

func (lb *loadBuilder) setup() {
	put := func(path string, body map[string]any) {
		lb.l.setup = append(lb.l.setup, event{method: "PUT", path: path, body: body, entity: path})
	}
	put("/locations/hq", map[string]any{"name": "HQ", "time_zone": "UTC", "salto_site_id": siteID})
	put("/plans/hot", map[string]any{"name": "Hot desk"})
	put("/resources/room", map[string]any{"kind": "bookable", "name": "Room", "location_id": "hq"})
	put("/mappings/plans/hot", groupsBody(gMembers))
	put("/mappings/resources/room", groupsBody(gRoom))
	put("/mappings/day-passes/hq", groupsBody(gDayPass))
	for k := range desks {
		put(fmt.Sprintf("/resources/desk-%d", k), map[string]any{"kind": "assignable", "name": "Desk", "location_id": "hq"})
		put(fmt.Sprintf("/mappings/resources/desk-%d", k), groupsBody(gDesk))
	}
	for k := range lb.teamCount() {
		put(fmt.Sprintf("/teams/t%d", k), map[string]any{"name": fmt.Sprintf("Team %d", k)})
	}
}

func (lb *loadBuilder) teamCount() int { return 4 }

func groupsBody(group string) map[string]any {
	return map[string]any{"access_groups": []map[string]string{{"site_id": siteID, "group_id": group}}}
}

// member adds member i with a membership of one shape, and for some a
// booking with guests or a day pass.
func (lb *loadBuilder) member(i int) {
	id := fmt.Sprintf("m%d", i)
	email := fmt.Sprintf("soak-m%d@example.com", i)
	lb.l.people[email] = person{key: access.MemberRef(id).Key(), email: email}
	body := map[string]any{"email": email, "first_name": "Member", "last_name": id, "access_cards": []string{}}
	shape := i % 8
	if shape == 5 {
		team := fmt.Sprintf("t%d", i%lb.teamCount())
		body["team_id"] = team
		lb.teams[team] = append(lb.teams[team], email)
	}
	lb.put("/members/"+id, body, id)
	lb.membership(i, shape, id, email)
	if i%4 == 1 {
		lb.booking(i, id, email)
	}
	if i%5 == 2 {
		lb.dayPass(i, id, email)
	}
}

func (lb *loadBuilder) put(path string, body map[string]any, entity string) {
	lb.l.events = append(lb.l.events, event{method: "PUT", path: path, body: body, entity: entity})
}

// membership adds member i's membership of the given shape.
func (lb *loadBuilder) membership(i, shape int, id, email string) {
	msID := "ms" + id[1:]
	g := &grant{what: "membership " + msID, people: []string{email}, groups: []string{gMembers}, from: lb.past()}
	body := map[string]any{"plan_id": "hot", "member_id": id, "starts_at": rfc(g.from)}
	switch shape {
	case 0: // active
	case 1: // ending during the run
		g.until = lb.at(0.15, 0.8)
		body["ends_at"] = rfc(g.until)
	case 2: // starting during the run
		g.from = lb.at(0.1, 0.7)
		body["starts_at"] = rfc(g.from)
	case 3: // cancelled by DELETE during the run
		g.cut = &cutoff{}
		lb.l.timed = append(lb.l.timed, event{method: "DELETE", path: "/memberships/" + msID, at: lb.at(0.25, 0.8).Sub(lb.t0), cut: g.cut, entity: msID})
	case 4: // on a desk, half of them ending
		body["resource_id"] = fmt.Sprintf("desk-%d", i%desks)
		g.groups = append(g.groups, gDesk)
		if i%16 == 4 {
			g.until = lb.at(0.15, 0.8)
			body["ends_at"] = rfc(g.until)
		}
	case 5: // on a team: the team's membership grants it
		return
	case 6: // versioned, sent out of order
		lb.versioned(msID, body, g)
		return
	case 7: // active, with a version
		body["version"] = 1
	}
	lb.l.grants = append(lb.l.grants, g)
	lb.put("/memberships/"+msID, body, msID)
}

// versioned sends three versions of a membership: open, ending late, and
// (the last, which must win) ending during the run.
func (lb *loadBuilder) versioned(msID string, body map[string]any, g *grant) {
	ends := []time.Time{{}, lb.at(0.7, 0.9), lb.at(0.2, 0.6)}
	for v, end := range ends {
		b := map[string]any{}
		for k, x := range body {
			b[k] = x
		}
		b["version"] = v + 1
		if !end.IsZero() {
			b["ends_at"] = rfc(end)
		}
		lb.put("/memberships/"+msID, b, msID)
	}
	g.earlier = []window{{from: g.from}, {from: g.from, until: ends[1]}}
	g.until = ends[2]
	lb.l.grants = append(lb.l.grants, g)
}

// booking books the room for member i with one or two guests, in a window
// that opens and closes during the run (the org's buffers are zero).
func (lb *loadBuilder) booking(i int, id, email string) {
	start := lb.at(0.1, 0.55)
	end := start.Add(time.Duration((0.1 + lb.r.Float64()*0.2) * float64(lb.d))).Truncate(time.Second)
	people := []string{email}
	var guests []map[string]any
	for k := range 1 + i%2 {
		g := fmt.Sprintf("soak-g%d-%d@example.com", i, k)
		lb.l.people[g] = person{key: access.GuestRef(g).Key(), email: g}
		people = append(people, g)
		guests = append(guests, map[string]any{"email": g, "first_name": "Guest", "last_name": fmt.Sprint(i)})
	}
	bk := "bk" + id[1:]
	lb.put("/bookings/"+bk, map[string]any{"resource_id": "room", "member_id": id, "guests": guests,
		"starts_at": rfc(start), "ends_at": rfc(end)}, bk)
	lb.l.grants = append(lb.l.grants, &grant{what: "booking " + bk, people: people, groups: []string{gRoom}, from: start, until: end})
}

// dayPass gives member i a day pass valid since yesterday that either
// expires during the run or has its one pass spent (on yesterday's date,
// which ends it at once) during the run.
func (lb *loadBuilder) dayPass(i int, id, email string) {
	dp := "dp" + id[1:]
	yesterday := lb.t0.UTC().AddDate(0, 0, -1)
	from := time.Date(yesterday.Year(), yesterday.Month(), yesterday.Day(), 0, 0, 0, 0, time.UTC)
	g := &grant{what: "day pass " + dp, people: []string{email}, groups: []string{gDayPass}, from: from}
	body := map[string]any{"member_id": id, "location_id": "hq", "passes": 1, "valid_from": from.Format(time.DateOnly)}
	if i%10 == 2 {
		g.until = lb.at(0.2, 0.8)
		body["valid_until"] = rfc(g.until)
	} else {
		body["valid_until"] = from.AddDate(0, 0, 10).Format(time.DateOnly)
		g.cut = &cutoff{}
		lb.l.timed = append(lb.l.timed, event{method: "POST", path: "/day-passes/" + dp + "/uses",
			body: map[string]any{"use_id": "u-" + dp, "date": from.Format(time.DateOnly)},
			at:   lb.at(0.2, 0.8).Sub(lb.t0), cut: g.cut, entity: dp})
	}
	lb.put("/day-passes/"+dp, body, dp)
	lb.l.grants = append(lb.l.grants, g)
}

// teamMemberships gives each team a membership; half of them end during
// the run.
func (lb *loadBuilder) teamMemberships() {
	for k := range lb.teamCount() {
		team := fmt.Sprintf("t%d", k)
		if len(lb.teams[team]) == 0 {
			continue
		}
		g := &grant{what: "team membership " + team, people: lb.teams[team], groups: []string{gMembers}, from: lb.past()}
		body := map[string]any{"plan_id": "hot", "team_id": team, "starts_at": rfc(g.from)}
		if k%2 == 1 {
			g.until = lb.at(0.3, 0.8)
			body["ends_at"] = rfc(g.until)
		}
		lb.put("/memberships/ms-"+team, body, "ms-"+team)
		lb.l.grants = append(lb.l.grants, g)
	}
}

// shuffleAndDuplicate shuffles the events and sends a fifth of them (and
// of the timed ones) twice.
func (lb *loadBuilder) shuffleAndDuplicate() {
	l := lb.l
	n := len(l.events)
	for i := range n {
		if lb.r.Float64() < 0.2 {
			l.events = append(l.events, l.events[i])
			l.dups++
		}
	}
	lb.r.Shuffle(len(l.events), func(i, j int) { l.events[i], l.events[j] = l.events[j], l.events[i] })
	for i := range len(l.timed) {
		if lb.r.Float64() < 0.2 {
			dup := l.timed[i]
			dup.at += time.Duration(lb.r.IntN(3000)) * time.Millisecond
			dup.cut = nil
			l.timed = append(l.timed, dup)
			l.dups++
		}
	}
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }
