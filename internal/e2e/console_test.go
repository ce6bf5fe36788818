package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"doorsync/connectors/officernd/officerndtest"
	"doorsync/internal/testenv"
)

// TestConsoleMapsAPlanAndTheMemberEntersTheGroup drives the operator
// console in headless Chromium against the whole stack (Temporal, worker,
// relay, fake Salto KS): an operator maps a plan to a group with the
// picker, the member on that plan enters the group in Salto KS, and their
// page says why, applied.
func TestConsoleMapsAPlanAndTheMemberEntersTheGroup(t *testing.T) {
	ctx := e2eBrowser(t)
	s := newStack(t, stackOptions{})
	s.put("/plans/flex", map[string]any{"name": "Flex"})
	s.put("/members/m1", member("m1", "joe@example.com", map[string]any{"first_name": "Joe", "last_name": "Bloggs"}))
	s.put("/memberships/ms1", map[string]any{"plan_id": "flex", "member_id": "m1", "starts_at": rfc(time.Now().Add(-time.Hour))})
	if s.inGroup(gFront, "joe@example.com") {
		t.Fatal("Joe is in Front door before the mapping")
	}

	step(t, ctx, "sign in", chromedp.Navigate(s.URL+"/console/mappings"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), s.key), chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#salto-state")))
	step(t, ctx, "map Flex to Front door", chromedp.Navigate(s.URL+"/console/mappings?tab=plans"), chromedp.WaitVisible(chromedp.CSS("#groups-flex")),
		chromedp.SetValue(chromedp.CSS("#groups-flex"), london+"/"+gFront), chromedp.Click(chromedp.CSS("#save-flex")),
		chromedp.WaitVisible(chromedp.CSS("#preview")))
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".preview-text"))); err != nil || got != "Saving adds 1 person to Front door at London, removes 0 people." {
		t.Fatalf("the preview says %q, %v", got, err)
	}
	step(t, ctx, "apply", chromedp.Click(chromedp.CSS("#apply")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	s.waitIn(gFront, "joe@example.com")

	step(t, ctx, "Joe's page", chromedp.Navigate(s.URL+"/console/people?q=bloggs"), chromedp.WaitVisible(chromedp.CSS(`a[href="/console/people/m1"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/console/people/m1"]`)), chromedp.WaitVisible(chromedp.CSS(".reasons")))
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Front door at London", "Membership ms1, via plan Flex", "applied in Salto KS"} {
		if !strings.Contains(page, want) {
			t.Errorf("Joe's page does not say %q:\n%s", want, page)
		}
	}
	trail, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main table tbody")))
	if err != nil || !strings.Contains(trail, "Front door") {
		t.Errorf("Joe's audit trail does not name the group: %q, %v", trail, err)
	}
}

// e2eBrowser is a headless Chromium (skipped without one, unless CI=true).
func e2eBrowser(t *testing.T) context.Context { return testenv.Browser(t, 2*time.Minute) }

func step(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v\n%s", what, err, body)
	}
}

// TestConsoleApprovesAHoldOnTheWholeStack: a feed drop held by the
// mass-removal guard is approved in the console, behind its confirmation,
// and the removals reach Salto KS through Temporal; a protected user stays.
func TestConsoleApprovesAHoldOnTheWholeStack(t *testing.T) {
	ctx := e2eBrowser(t)
	s := newStack(t, stackOptions{orgSettings: map[string]any{"protected_salto_users": []string{"staff@example.com"}}})
	emails, _ := s.dropFeed(12)
	s.startWorker()
	holds := s.call(200, "GET", s.orgPath()+"/holds", s.key, nil)["data"].([]any)
	if len(holds) != 1 {
		t.Fatalf("holds = %v, want the feed drop held", holds)
	}
	id := holds[0].(map[string]any)["id"].(string)

	step(t, ctx, "sign in", chromedp.Navigate(s.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), s.key), chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#holds-count")))
	step(t, ctx, "holds", chromedp.Navigate(s.URL+"/console/holds"), chromedp.WaitVisible(chromedp.CSS("#hold-"+id)))
	step(t, ctx, "approve…", chromedp.Click(chromedp.CSS("#approve-"+id)), chromedp.WaitVisible(chromedp.CSS("#confirm-text")))
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#confirm-text"))); err != nil || got != "Approving removes 12 people from Members at London." {
		t.Fatalf("the confirmation says %q, %v", got, err)
	}
	for _, e := range emails {
		if !s.inGroup(gMembers, e) {
			t.Fatalf("%s was removed before the approval was confirmed", e)
		}
	}
	step(t, ctx, "confirm", chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	for _, e := range emails {
		s.waitOut(gMembers, e)
	}
	if !slices.Contains(s.fake.GroupMembers(london, gMembers), staffUser) {
		t.Fatal("the approval removed a protected user")
	}
}

// TestConsolePlatformPage shows an OfficeRnD connection after its backfill:
// the platform, its last sync and counts; "Sync now" runs one. When the
// platform drops every membership, the sync holds the deletions and the
// page says so; approving them there deletes the membership.
func TestConsolePlatformPage(t *testing.T) {
	ctx := e2eBrowser(t)
	fake := officerndtest.NewServer()
	t.Cleanup(fake.Close)
	s := newStack(t, stackOptions{platformURLs: []string{fake.URL}})
	space := seedOfficeRnD(fake)
	joe := fake.AddMember(officerndtest.Member{Name: "Joe Bloggs", Email: "joe@example.com", Location: space.location, Status: "active"})
	joes := fake.AddMembership(space.membership(joe))
	s.connectOfficeRnD(fake)
	last := s.waitSynced("")

	step(t, ctx, "sign in", chromedp.Navigate(s.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), s.key), chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#holds-count")))
	step(t, ctx, "platform", chromedp.Navigate(s.URL+"/console/platform"), chromedp.WaitVisible(chromedp.CSS("#platform-state")))
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Connected to officernd", "member: 1", "membership: 1", "/v1/hooks/officernd/" + s.org} {
		if !strings.Contains(page, want) {
			t.Errorf("the platform page does not say %q:\n%s", want, page)
		}
	}
	consoleShot(t, ctx, "platform")
	s.waitSyncIdle()
	step(t, ctx, "sync now", chromedp.Click(chromedp.CSS("#sync")), chromedp.WaitVisible(chromedp.CSS("#platform-state")))
	last = s.waitSynced(last)

	if err := fake.Remove(officerndtest.Memberships, joes); err != nil {
		t.Fatal(err)
	}
	s.waitSyncIdle()
	step(t, ctx, "sync now", chromedp.Click(chromedp.CSS("#sync")), chromedp.WaitVisible(chromedp.CSS("#platform-state")))
	last = s.waitSynced(last)
	s.call(200, "GET", s.orgPath()+"/memberships/"+joes, s.key, nil) // held, not deleted
	s.waitSyncIdle()
	step(t, ctx, "approve the held deletions", chromedp.Navigate(s.URL+"/console/platform"), chromedp.WaitVisible(chromedp.CSS("#approve-removals")),
		chromedp.Click(chromedp.CSS("#approve-removals")), chromedp.WaitVisible(chromedp.CSS("#platform-state")))
	s.waitSynced(last)
	s.call(404, "GET", s.orgPath()+"/memberships/"+joes, s.key, nil)
}

// consoleShot saves a screenshot into docs/console when
// DOORSYNC_CONSOLE_SCREENSHOTS=1 (the README shows them).
func consoleShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("DOORSYNC_CONSOLE_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "docs", "console", name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
