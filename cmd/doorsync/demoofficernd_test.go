package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"doorsync/internal/testenv"
)

// TestDevStackDemoFromOfficeRnD runs the script behind
// `DOORSYNC_DEMO_PLATFORM=officernd make run`: the fake OfficeRnD starts
// with its webhooks pointed at the API, the demo org is connected to it
// and backfilled, the seed's members reach the London members group
// through the plans the loader mapped, and the banner's own curls (a
// member and a Hot desk membership added in the fake, delivered to doorsync
// by webhook) reach the door: explain shows the London members group
// applied and the fake Salto KS holds the new member there. Nothing may be
// logged at ERROR and SIGINT must stop the fake OfficeRnD too.
func TestDevStackDemoFromOfficeRnD(t *testing.T) {
	if _, err := os.Stat(testenv.TemporalCLI()); err != nil {
		t.Skipf("temporal CLI missing: %v", err)
	}
	officeRnD := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	ds := startDevStack(t, demoPlatformVar+"=officernd", "FAKE_OFFICERND_ADDR="+officeRnD)
	out := ds.out
	waitFor(t, 90*time.Second, "the ready banner", func() bool { return strings.Contains(out.String(), "doorsync is running") })
	if !strings.Contains(out.String(), "Fake OfficeRnD    http://"+officeRnD) {
		t.Errorf("the banner does not name the fake OfficeRnD at %s:\n%s", officeRnD, out.String())
	}
	waitFor(t, 90*time.Second, "the demo org", func() bool { return strings.Contains(out.String(), "demo org API key: dsk_") })
	if !strings.Contains(out.String(), fmt.Sprintf("demo org %q connected to the fake OfficeRnD at http://%s", demoOrg, officeRnD)) {
		t.Fatalf("the demo loader did not say it connected the fake OfficeRnD:\n%s", out.String())
	}
	if strings.Contains(out.String(), "m-alice") {
		t.Errorf("the built-in space was loaded too:\n%s", out.String())
	}
	api, key := "http://"+ds.apiAddr, bannerValue(t, out.String(), "demo org API key:")
	salto := "http://" + ds.fakeAddr

	seeded := []string{"ada@example.com", "grace@example.com", "alan@example.com"}
	if !eventually(30*time.Second, func() bool {
		return holdsAll(groupEmails(fakeState(t, salto), demoSiteLondon, demoLondonMembers), seeded)
	}) {
		t.Fatalf("the backfilled members (a Hot desk, a Dedicated desk and a team membership) are not in the London members group:\n%s",
			out.String())
	}

	// The banner's curls, as printed, add a member and her membership.
	curls := regexp.MustCompile(`(?m)^\s+curl -s -X POST (\S+/__fake/objects/\S+) -d '(.*)'$`).FindAllStringSubmatch(out.String(), -1)
	if len(curls) != 2 {
		t.Fatalf("the banner has %d curls adding objects to the fake OfficeRnD, want 2 (a member, a membership):\n%s", len(curls), out.String())
	}
	for _, c := range curls {
		resp, err := http.Post(c[1], "application/json", strings.NewReader(c[2]))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST %s = %d %s", c[1], resp.StatusCode, b)
		}
	}
	var explained explainedAccess
	applied := func() bool {
		explained = explainedAccess{}
		req, _ := http.NewRequest("GET", api+demoOrgPath+"/members/"+demoNewMemberID+"/access", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&explained) != nil {
			return false
		}
		for _, g := range explained.Groups {
			if g.SiteID == demoSiteLondon && g.GroupID == demoLondonMembers && g.Active && g.Applied {
				return true
			}
		}
		return false
	}
	if !eventually(30*time.Second, applied) {
		t.Fatalf("30 s after the banner's curls, explain does not show the London members group applied: %+v\n%s", explained, out.String())
	}
	if got := groupEmails(fakeState(t, salto), demoSiteLondon, demoLondonMembers); !slices.Contains(got, demoNewMemberEmail) {
		t.Errorf("explain says applied, but the fake Salto KS's London members group holds %v", got)
	}
	if lines := errorLines(out.String()); len(lines) > 0 {
		t.Errorf("the dev stack logged at ERROR:\n%s", strings.Join(lines, "\n"))
	}
	ds.interrupt()
	if httpStatus("http://"+officeRnD+"/__fake/calls") != 0 {
		t.Error("the fake OfficeRnD still answers after SIGINT")
	}
}

// explainedAccess is the part of GET …/members/{id}/access the test reads.
type explainedAccess struct {
	Groups []struct {
		SiteID  string `json:"site_id"`
		GroupID string `json:"group_id"`
		Active  bool   `json:"active"`
		Applied bool   `json:"applied"`
	} `json:"groups"`
}

func holdsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// Only `doorsync dev -demo-officernd URL` lets the platforms reach the
// loopback fake: the default allow-list (what `doorsync api` uses) refuses
// it.
func TestDemoPlatformIsAllowedOnlyByDev(t *testing.T) {
	const fake = "http://127.0.0.1:8091"
	env, err := newEnvironment(func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.cfg.PlatformEgress.Permits(fake); err == nil {
		t.Fatalf("the default platform allow-list permits %s", fake)
	}
	if err := env.allowDemoPlatform(""); err != nil {
		t.Fatal(err)
	}
	if _, err := env.cfg.PlatformEgress.Permits(fake); err == nil {
		t.Fatalf("no -demo-officernd, yet the platform allow-list permits %s", fake)
	}
	if err := env.allowDemoPlatform(fake); err != nil {
		t.Fatal(err)
	}
	if _, err := env.cfg.PlatformEgress.Permits(fake); err != nil {
		t.Errorf("-demo-officernd %s is not allowed: %v", fake, err)
	}
	if _, err := env.cfg.PlatformEgress.Permits("https://app.officernd.com"); err != nil {
		t.Errorf("-demo-officernd dropped the platforms' public hosts: %v", err)
	}
	err = run(context.Background(), []string{"dev", "-demo-officernd", fake}, func(string) string { return "" }, io.Discard)
	if !errors.Is(err, errDemoPlatformNeedsSalto) {
		t.Errorf("dev -demo-officernd without -demo-salto = %v, want %v", err, errDemoPlatformNeedsSalto)
	}
}

// A `make run` without the variable on a database kept from a run with it
// forgets the demo org's connection to the fake OfficeRnD (not running
// now) before loading the built-in space.
func TestDevStackBuiltInDemoForgetsTheFakeOfficeRnD(t *testing.T) {
	if _, err := os.Stat(testenv.TemporalCLI()); err != nil {
		t.Skipf("temporal CLI missing: %v", err)
	}
	db := "DATABASE_URL=" + testenv.NewDatabase(t)
	officeRnD := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	first := startDevStack(t, db, demoPlatformVar+"=officernd", "FAKE_OFFICERND_ADDR="+officeRnD)
	waitFor(t, 90*time.Second, "the OfficeRnD demo", func() bool { return strings.Contains(first.out.String(), "demo org API key: dsk_") })
	first.interrupt()

	second := startDevStack(t, db, "FAKE_SALTO_ADDR="+first.fakeAddr) // the same Salto KS "account"
	if !eventually(90*time.Second, func() bool { return strings.Contains(second.out.String(), "demo org API key: dsk_") }) {
		t.Fatalf("no built-in demo 90 s after the start:\n%s", second.out.String())
	}
	s := devStack{t: t, api: "http://" + second.apiAddr, admin: bannerValue(t, second.out.String(), "admin token:")}
	if got := s.do("GET", s.api+demoOrgPath+"/platform", s.admin, "", 200); !strings.Contains(got, `"connected":false`) {
		t.Errorf("GET …/platform after the built-in demo = %s, want it not connected", got)
	}
	if lines := errorLines(second.out.String()); len(lines) > 0 {
		t.Errorf("the dev stack logged at ERROR:\n%s", strings.Join(lines, "\n"))
	}
	second.interrupt()
}
