package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// demoOrg is the org `make run` creates.
const demoOrg = "demo"

// The demo seed's Salto KS sites, access groups and a tag
// (saltoks/saltokstest/testdata/demo-seed.json, which `doorsync fake-salto`
// serves).
const (
	demoSiteLondon     = "5a170001-0000-4000-8000-000000000001"
	demoSiteNewYork    = "5a170002-0000-4000-8000-000000000002"
	demoLondonMembers  = "6a000001-0001-4000-8000-000000000001"
	demoLondonRoom     = "6a000001-0001-4000-8000-000000000002"
	demoLondonDayPass  = "6a000001-0001-4000-8000-000000000003"
	demoNewYorkMembers = "6a000002-0002-4000-8000-000000000001"
	demoNewYorkDayPass = "6a000002-0002-4000-8000-000000000003" //nolint:gosec // a day-pass group id, not a password
	demoCard           = "04A1B2C4"                             // a London tag number
	// demoClientID and demoClientSecret are the seed's Salto KS client:
	// the demo org's password grant and the dev deployment's partner
	// client (the authorization-code flow).
	demoClientID     = "doorsync"
	demoClientSecret = "secret" //nolint:gosec // the fake Salto KS's demo client
	// demoSince starts the demo's memberships: a fixed past date keeps
	// their bodies, and so a re-run, unchanged.
	demoSince = "2025-01-01"
)

// demoStep is one upsert of the demo space: a PUT of body to path (under
// the org), and what it means for a newcomer ("" for plumbing).
type demoStep struct {
	path string
	body map[string]any
	note string
}

// loadDemo creates the demo org, its API key and its connection to the fake
// Salto KS at saltoURL (password grant, the demo seed's system user), then
// loads a small coworking space through the API as a platform would, and
// prints what a newcomer needs. Every write is an upsert, so loading again
// into the same database succeeds; a reconciliation run then repairs what
// the fake Salto KS no longer holds.
func loadDemo(ctx context.Context, env *environment, apiBase, saltoURL string) error {
	admin := newDemoClient(apiBase, env.cfg.AdminToken)
	if err := admin.waitHealthy(ctx); err != nil {
		return err
	}
	key, err := admin.setUpOrg(ctx, saltoURL)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	now := time.Now()
	steps := demoSpace(now)
	platform := newDemoClient(apiBase, key)
	if err := platform.disconnectStalePlatform(ctx); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for _, s := range steps {
		if _, err := platform.call(ctx, "PUT", demoOrgPath+s.path, s.body); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	// A database kept from an earlier run may say access is applied that a
	// fresh fake Salto KS (after make clean) does not hold: reconcile now
	// rather than at the schedule's first run.
	if err := platform.reconcileNow(ctx); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	printDemo(env.stdout, demoBanner{admin: env.cfg.AdminToken, key: key, api: apiBase, salto: saltoURL}, steps)
	return nil
}

const demoOrgPath = "/v1/orgs/" + demoOrg

// setUpOrg creates or updates the org and its Salto KS connection, and
// returns a new API key for it.
func (c *demoClient) setUpOrg(ctx context.Context, saltoURL string) (string, error) {
	steps := []demoStep{
		{path: "", body: map[string]any{"name": "Demo Coworking", "time_zone": "Europe/London",
			"protected_salto_users": []string{"ada@example.com", "grace@example.com"}}},
		{path: "/salto", body: map[string]any{"client_id": demoClientID, "client_secret": demoClientSecret,
			"username": "integration@example.com", "password": "pw", "identity_url": saltoURL, "api_url": saltoURL}},
	}
	for _, s := range steps {
		if _, err := c.call(ctx, "PUT", demoOrgPath+s.path, s.body); err != nil {
			return "", err
		}
	}
	out, err := c.call(ctx, "POST", demoOrgPath+"/api-keys", map[string]any{"name": "demo platform"})
	if err != nil {
		return "", err
	}
	key, _ := out["key"].(string)
	if key == "" {
		return "", fmt.Errorf("POST %s/api-keys answered no key", demoOrgPath)
	}
	return key, nil
}

// demoSpace is the demo's coworking space, in the order a platform would
// send it (places, then mappings, then people and what they bought).
func demoSpace(now time.Time) []demoStep {
	var steps []demoStep
	for _, part := range [][]demoStep{demoPlaces(), demoMappings(), demoPeople(), demoBookings(now)} {
		steps = append(steps, part...)
	}
	return steps
}

// demoPlaces are the two locations (one per demo site), a floor with a
// desk and a meeting room in London, the plan and a team.
func demoPlaces() []demoStep {
	return []demoStep{
		{path: "/locations/london", body: map[string]any{"name": "London", "time_zone": "Europe/London", "salto_site_id": demoSiteLondon}},
		{path: "/locations/new-york", body: map[string]any{"name": "New York", "time_zone": "America/New_York", "salto_site_id": demoSiteNewYork}},
		{path: "/floors/london-1", body: map[string]any{"location_id": "london", "name": "First floor"}},
		{path: "/resources/desk-1", body: map[string]any{"kind": "assignable", "name": "Desk 1", "location_id": "london", "floor_id": "london-1"}},
		{path: "/resources/room-1", body: map[string]any{"kind": "bookable", "name": "Meeting Room 1", "location_id": "london", "floor_id": "london-1"}},
		{path: "/plans/hot-desk", body: map[string]any{"name": "Hot desk"}},
		{path: "/teams/acme", body: map[string]any{"name": "Acme Ltd"}},
	}
}

// demoMappings map the plan to both sites' members groups, the London
// location, floor and desk to the London members group (the demo seed has
// no floor or desk groups), the room to its group and each location's day
// passes to its day-pass group.
func demoMappings() []demoStep {
	return []demoStep{
		mapping("plans/hot-desk", demoSiteLondon, demoLondonMembers, demoSiteNewYork, demoNewYorkMembers),
		mapping("locations/london", demoSiteLondon, demoLondonMembers),
		mapping("floors/london-1", demoSiteLondon, demoLondonMembers),
		mapping("resources/desk-1", demoSiteLondon, demoLondonMembers),
		mapping("resources/room-1", demoSiteLondon, demoLondonRoom),
		mapping("day-passes/london", demoSiteLondon, demoLondonDayPass),
		mapping("day-passes/new-york", demoSiteNewYork, demoNewYorkDayPass),
	}
}

// mapping is the step that maps kind/id to groups given as site, group
// pairs.
func mapping(kindID string, siteGroups ...string) demoStep {
	groups := []map[string]string{}
	for i := 0; i+1 < len(siteGroups); i += 2 {
		groups = append(groups, map[string]string{"site_id": siteGroups[i], "group_id": siteGroups[i+1]})
	}
	return demoStep{path: "/mappings/" + kindID, body: map[string]any{"access_groups": groups}}
}

// demoPeople are the members and their memberships: Alice on a hot desk
// with an assigned desk, Bob her co-member, Carol reached through her
// team's membership, and Dave, with an access card and no membership.
func demoPeople() []demoStep {
	return []demoStep{
		{path: "/members/m-alice", body: demoMember("alice", "Alice", "Archer", nil),
			note: "Alice (m-alice): Hot desk with Desk 1 → London and New York members groups"},
		{path: "/members/m-bob", body: demoMember("bob", "Bob", "Baker", map[string]any{"primary_member_id": "m-alice"}),
			note: "Bob (m-bob): Alice's co-member, so he gets her groups"},
		{path: "/members/m-carol", body: demoMember("carol", "Carol", "Clark", map[string]any{"team_id": "acme"}),
			note: "Carol (m-carol): in team Acme Ltd, whose Hot desk membership reaches her"},
		{path: "/members/m-dave", body: demoMember("dave", "Dave", "Dunn", map[string]any{"access_cards": []string{demoCard}}),
			note: "Dave (m-dave): no membership; his access card " + demoCard + " becomes his London tag"},
		{path: "/memberships/ms-alice", body: map[string]any{"plan_id": "hot-desk", "member_id": "m-alice",
			"resource_id": "desk-1", "starts_at": demoSince}},
		{path: "/memberships/ms-acme", body: map[string]any{"plan_id": "hot-desk", "team_id": "acme", "starts_at": demoSince}},
	}
}

// demoMember is a member's body; extra adds or overrides fields.
func demoMember(name, first, last string, extra map[string]any) map[string]any {
	m := map[string]any{"email": name + "@example.com", "first_name": first, "last_name": last, "access_cards": []string{}}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// demoBookings are Dave's meeting-room booking, starting 3 minutes after
// now for 30 minutes with a guest (its window opens at once: the org's
// 15-minute buffer), and his London day passes, valid for 30 days.
func demoBookings(now time.Time) []demoStep {
	london, err := time.LoadLocation("Europe/London")
	if err != nil { // the binary embeds the time zone database
		london = time.UTC
	}
	start := now.In(london).Truncate(time.Minute).Add(3 * time.Minute)
	today := now.In(london)
	return []demoStep{
		{path: "/bookings/bk-room-1", body: map[string]any{"resource_id": "room-1", "member_id": "m-dave",
			"guests":    []map[string]any{{"email": "gus@example.com", "first_name": "Gus", "last_name": "Guest"}},
			"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(30 * time.Minute).Format(time.RFC3339)},
			note: fmt.Sprintf("Dave and his guest gus@example.com: Meeting Room 1 at %s London time for 30 minutes (open 15 minutes before)",
				start.Format("15:04"))},
		{path: "/day-passes/dp-dave", body: map[string]any{"member_id": "m-dave", "location_id": "london", "passes": 10,
			"valid_from": today.Format(time.DateOnly), "valid_until": today.AddDate(0, 0, 30).Format(time.DateOnly)},
			note: "Dave: 10 London day passes for 30 days → London day-pass group"},
	}
}

// demoBanner is what a newcomer needs to call the API.
type demoBanner struct{ admin, key, api, salto string }

// printDemo prints the credentials, what was loaded and an example call.
func printDemo(w io.Writer, b demoBanner, steps []demoStep) {
	fmt.Fprintf(w, "\ndemo org %q connected to the fake Salto KS at %s\n  admin token:      %s\n  demo org API key: %s\n",
		demoOrg, b.salto, b.admin, b.key)
	fmt.Fprintf(w, "  loaded: %s\n", demoCounts(steps))
	for _, s := range steps {
		if s.note != "" {
			fmt.Fprintf(w, "    - %s\n", s.note)
		}
	}
	fmt.Fprintf(w, "  the operator console: %s/console/ (sign in with the demo org API key)\n", b.api)
	fmt.Fprintf(w, "  explain a member's access:\n    curl -s -H 'Authorization: Bearer %s' %s%s/members/m-alice/access\n",
		b.key, b.api, demoOrgPath)
	fmt.Fprintf(w, "  the fake Salto KS is also the partner client: connect an org by the authorization-code flow at\n"+
		"    %s/v1/orgs/{org}/salto/authorize (as an operator; it redirects to the fake, which approves at once)\n", b.api)
	fmt.Fprint(w, demoPlatformHint+"\n")
}

// demoCounts counts the steps by kind, e.g. "locations 2 · floors 1".
func demoCounts(steps []demoStep) string {
	counts := map[string]int{}
	var kinds []string
	for _, s := range steps {
		kind, _, _ := strings.Cut(strings.TrimPrefix(s.path, "/"), "/")
		if counts[kind] == 0 {
			kinds = append(kinds, kind)
		}
		counts[kind]++
	}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %d", k, counts[k])
	}
	return strings.Join(parts, " · ")
}

// demoClient calls the running API with one token.
type demoClient struct {
	base, token string
	http        *http.Client
}

func newDemoClient(base, token string) *demoClient {
	return &demoClient{base: base, token: token, http: &http.Client{Timeout: 30 * time.Second}}
}

// waitHealthy waits until the API answers /healthz.
func (c *demoClient) waitHealthy(ctx context.Context) error {
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", c.base+"/healthz", nil)
		if resp, err := c.http.Do(req); err == nil {
			_ = resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// call sends body as JSON and returns the decoded answer; any status from
// 300 up is an error.
func (c *demoClient) call(ctx context.Context, method, path string, body any) (map[string]any, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return out, nil
}
