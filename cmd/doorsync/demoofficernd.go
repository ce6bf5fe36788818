package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"doorsync/connectors/officernd/officerndtest"
)

// demoPlatformVar is the variable `make run` (scripts/dev-stack.sh) reads
// to load the demo from the fake OfficeRnD instead of the built-in space.
const demoPlatformVar = "DOORSYNC_DEMO_PLATFORM"

// demoPlatformHint is the built-in demo's banner line saying how to run
// the demo from the fake OfficeRnD instead.
const demoPlatformHint = "  to load the demo from a fake OfficeRnD instead (a platform connection, its backfill and webhooks):\n" +
	"    " + demoPlatformVar + "=officernd make run\n"

// officeRnDBackfillTimeout bounds the wait for the fake OfficeRnD's
// backfill (a few pages; it takes about a second).
const officeRnDBackfillTimeout = 90 * time.Second

// The member the banner's example adds to the fake OfficeRnD.
const (
	demoNewMemberID    = "64a0000000000000000000a1"
	demoNewMemberEmail = "katherine@example.com"
)

// demoOfficeRnD is what the OfficeRnD demo loader was given: the API, the
// fakes and the credentials it made.
type demoOfficeRnD struct {
	api, salto, platform string
	admin, key           string
}

// loadOfficeRnDDemo creates the demo org, its API key and its Salto KS
// connection as loadDemo does, then, instead of PUTting the built-in space,
// connects the org to the fake OfficeRnD at platformURL (`doorsync
// fake-officernd`, its webhooks pointed at this API): it waits for the
// backfill to bring the fake's location, gives that location the demo's
// London site, maps the fake's plans, meeting room and day passes to
// London's groups (what an operator does after connecting), reconciles,
// and prints how to drive the fake.
func loadOfficeRnDDemo(ctx context.Context, env *environment, apiBase, saltoURL, platformURL string) error {
	admin := newDemoClient(apiBase, env.cfg.AdminToken)
	if err := admin.waitHealthy(ctx); err != nil {
		return err
	}
	key, err := admin.setUpOrg(ctx, saltoURL)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	operator := newDemoClient(apiBase, key)
	if _, err := operator.call(ctx, "PUT", demoOrgPath+"/platform", officeRnDConnection(platformURL)); err != nil {
		return fmt.Errorf("demo: connecting the fake OfficeRnD: %w", err)
	}
	counts, err := operator.waitBackfill(ctx, officeRnDBackfillTimeout)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	steps := officeRnDOperatorSteps()
	for _, s := range steps {
		if _, err := operator.call(ctx, s.method, demoOrgPath+s.path, s.body); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if err := operator.reconcileNow(ctx); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	printOfficeRnDDemo(env.stdout, demoOfficeRnD{api: apiBase, salto: saltoURL, platform: platformURL,
		admin: env.cfg.AdminToken, key: key}, counts, steps)
	return nil
}

// officeRnDConnection is PUT …/platform for the fake OfficeRnD: its slug,
// client, webhook secret and URL (identity and API on one host).
func officeRnDConnection(platformURL string) map[string]any {
	return map[string]any{"kind": "officernd", "org_slug": officerndtest.DefaultSlug,
		"client_id": officerndtest.DefaultClientID, "client_secret": officerndtest.DefaultClientSecret,
		"webhook_secret": officerndtest.DefaultWebhookSecret, "base_url": platformURL, "identity_url": platformURL}
}

// waitBackfill waits until the connection's backfill has finished
// (last_sync_at) and brought the fake's location, and returns the counts
// per kind it read. A backfill that has not finished by the timeout is an
// error naming the connection's last_error.
func (c *demoClient) waitBackfill(ctx context.Context, timeout time.Duration) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	lastError := ""
	for {
		st, err := c.call(ctx, "GET", demoOrgPath+"/platform", nil)
		if err == nil {
			lastError, _ = st["last_error"].(string)
			if st["last_sync_at"] != nil {
				if _, err := c.call(ctx, "GET", demoOrgPath+"/locations/"+officerndtest.DemoLocationID, nil); err == nil {
					counts, _ := st["counts"].(map[string]any)
					return counts, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			if lastError == "" {
				lastError = "none reported"
			}
			return nil, fmt.Errorf("the fake OfficeRnD's backfill did not bring location %s within %v (last_error: %s)",
				officerndtest.DemoLocationID, timeout, lastError)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// operatorStep is one call an operator makes after connecting a platform.
type operatorStep struct {
	method, path string
	body         map[string]any
	note         string
}

// officeRnDOperatorSteps give the fake's location the London site and map
// its plans to the London members group, its meeting room to the London
// meeting-room group and its day passes to the London day-pass group.
func officeRnDOperatorSteps() []operatorStep {
	loc := officerndtest.DemoLocationID
	m := func(kindID string, group, note string) operatorStep {
		s := mapping(kindID, demoSiteLondon, group)
		return operatorStep{method: "PUT", path: s.path, body: s.body, note: note}
	}
	return []operatorStep{
		{method: "PATCH", path: "/locations/" + loc, body: map[string]any{"salto_site_id": demoSiteLondon},
			note: "location Demo Space (" + loc + ") → the London site"},
		m("plans/"+officerndtest.DemoHotDeskPlanID, demoLondonMembers,
			"plan Hot desk ("+officerndtest.DemoHotDeskPlanID+") → London members group"),
		m("plans/"+officerndtest.DemoDedicatedPlanID, demoLondonMembers,
			"plan Dedicated desk ("+officerndtest.DemoDedicatedPlanID+") → London members group"),
		m("resources/"+officerndtest.DemoBoardRoomID, demoLondonRoom,
			"meeting room Board room ("+officerndtest.DemoBoardRoomID+") → London meeting-room group"),
		m("day-passes/"+loc, demoLondonDayPass, "day passes at Demo Space → London day-pass group"),
	}
}

// reconcileNow starts a reconciliation run (or lets the one under way, a
// 409, do it): a database kept from an earlier run may say access is
// applied that a fresh fake Salto KS does not hold.
func (c *demoClient) reconcileNow(ctx context.Context) error {
	_, err := c.call(ctx, "POST", demoOrgPath+"/reconcile", map[string]any{"dry_run": false})
	if err != nil && !strings.Contains(err.Error(), ": 409 ") {
		return err
	}
	return nil
}

// disconnectStalePlatform forgets a platform connection the demo org kept
// from an earlier `DOORSYNC_DEMO_PLATFORM=officernd make run` on the same
// database: the fake it names is not running now. An org without one is
// left alone.
func (c *demoClient) disconnectStalePlatform(ctx context.Context) error {
	st, err := c.call(ctx, "GET", demoOrgPath+"/platform", nil)
	if err != nil {
		return err
	}
	if connected, _ := st["connected"].(bool); !connected {
		return nil
	}
	_, err = c.call(ctx, "DELETE", demoOrgPath+"/platform", nil)
	return err
}

// printOfficeRnDDemo prints the credentials, what the backfill and the
// operator steps did, and how to add a membership in the fake and watch it
// reach the door.
func printOfficeRnDDemo(w io.Writer, d demoOfficeRnD, counts map[string]any, steps []operatorStep) {
	fmt.Fprintf(w, "\ndemo org %q connected to the fake OfficeRnD at %s (slug %s) and the fake Salto KS at %s\n"+
		"  admin token:      %s\n  demo org API key: %s\n", demoOrg, d.platform, officerndtest.DefaultSlug, d.salto, d.admin, d.key)
	fmt.Fprintf(w, "  backfilled from OfficeRnD: %s\n  then, as an operator:\n", platformCounts(counts))
	for _, s := range steps {
		fmt.Fprintf(w, "    - %s\n", s.note)
	}
	fmt.Fprintf(w, "  the fake delivers every change to %s/v1/hooks/officernd/%s, signed with %s\n",
		d.api, url.PathEscape(demoOrg), officerndtest.DefaultWebhookSecret)
	fmt.Fprintf(w, "  try it: add a member and a Hot desk membership in the fake OfficeRnD (its /__fake/ routes):\n"+
		"    curl -s -X POST %s/__fake/objects/members -d '%s'\n"+
		"    curl -s -X POST %s/__fake/objects/memberships -d '%s'\n",
		d.platform, demoNewMember(), d.platform, demoNewMembership())
	fmt.Fprintf(w, "  and watch it reach the door (the London members group, applied):\n"+
		"    curl -s -H 'Authorization: Bearer %s' %s%s/members/%s/access\n"+
		"    curl -s %s/__fake/state   (the fake Salto KS: %s in group %s)\n",
		d.key, d.api, demoOrgPath, demoNewMemberID, d.salto, demoNewMemberEmail, demoLondonMembers)
	fmt.Fprintf(w, "  the connection: curl -s -H 'Authorization: Bearer %s' %s%s/platform\n\n", d.key, d.api, demoOrgPath)
}

// demoNewMember is the fake OfficeRnD member the banner's example adds.
func demoNewMember() string {
	return `{"_id":"` + demoNewMemberID + `","name":"Katherine Johnson","email":"` + demoNewMemberEmail +
		`","status":"active","location":"` + officerndtest.DemoLocationID + `"}`
}

// demoNewMembership is the banner example's Hot desk membership for
// demoNewMember.
func demoNewMembership() string {
	return `{"name":"Hot desk","isPersonal":true,"status":"approved","calculatedStatus":"active","type":"month_to_month",` +
		`"plan":"` + officerndtest.DemoHotDeskPlanID + `","member":"` + demoNewMemberID + `","location":"` +
		officerndtest.DemoLocationID + `","startDate":"` + demoSince + `T00:00:00.000Z"}`
}

// platformCounts formats GET …/platform's counts, e.g. "locations 1 ·
// members 3", in name order.
func platformCounts(counts map[string]any) string {
	if len(counts) == 0 {
		return "(no counts reported)"
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %v", k, counts[k])
	}
	return strings.Join(parts, " · ")
}

// allowDemoPlatform adds the fake OfficeRnD the demo is loaded from (on
// loopback and plain http) to the platforms' allow-list: dev was told to
// use it. Only `doorsync dev -demo-officernd` does this; `doorsync api`
// keeps DOORSYNC_PLATFORM_ALLOWED_HOSTS as configured.
func (e *environment) allowDemoPlatform(url string) error {
	if url == "" {
		return nil
	}
	p, err := e.cfg.PlatformEgress.With(url)
	if err != nil {
		return fmt.Errorf("-demo-officernd: %w", err)
	}
	e.cfg.PlatformEgress = p
	return nil
}

var errDemoPlatformNeedsSalto = errors.New("-demo-officernd needs -demo-salto (the demo org's Salto KS)")
