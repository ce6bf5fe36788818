package api_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"doorsync/internal/testenv"
	"doorsync/internal/webhook/webhooktest"
	"doorsync/store"
)

// browser is a headless Chromium a console page fits without scrolling.
func browser(t *testing.T) context.Context {
	return testenv.Browser(t, time.Minute, chromedp.WindowSize(1280, 900))
}

// run runs browser actions, failing the test on error.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v\nat %s:\n%s", what, err, loc, body)
	}
}

// current waits for the page whose nav entry is page (the previous page
// has other elements that match anything generic, such as main h1).
func current(page string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(`nav a[aria-current="page"][href="/console/` + page + `"]`))
}

// text returns the visible text of the first element matching sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// shot saves a screenshot of the page as docs/console/name.png when
// DOORSYNC_CONSOLE_SCREENSHOTS=1 (the README shows them).
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("DOORSYNC_CONSOLE_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join("..", "docs", "console", name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestConsoleOperatorSignsInConnectsSaltoApprovesAHoldAndSignsOut(t *testing.T) {
	ctx := browser(t)
	a, rec := newReconcileAPI(t)
	key := a.createOrg("acme")
	a.must(200, "PUT", "/v1/orgs/acme", adminToken, map[string]any{"name": "Acme Coworking", "time_zone": "Europe/London"})
	console := a.URL + "/console/"

	// Unsigned, the console sends the browser to sign in.
	run(t, ctx, "open the console", chromedp.Navigate(console), chromedp.WaitVisible(chromedp.CSS("#token")))
	shot(t, ctx, "signin")
	run(t, ctx, "sign in", chromedp.SendKeys(chromedp.CSS("#token"), key), chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#salto-state")))
	if got := text(t, ctx, "#salto-state"); got != "Not connected" {
		t.Fatalf("overview's Salto KS state = %q", got)
	}
	if got := text(t, ctx, "#zone"); got != "Times in Europe/London" {
		t.Fatalf("zone = %q", got)
	}

	// Connect Salto KS with the system-user form.
	run(t, ctx, "open Salto KS", chromedp.Click(chromedp.CSS(`a[href="/console/salto"]`)), chromedp.WaitVisible(chromedp.CSS("#connect")))
	run(t, ctx, "connect",
		chromedp.SetValue(chromedp.CSS("#client_id"), "doorsync"),
		chromedp.SetValue(chromedp.CSS("#client_secret"), clientSecret),
		chromedp.SetValue(chromedp.CSS("#username"), "integration@example.com"),
		chromedp.SetValue(chromedp.CSS("#password"), saltoPassword),
		chromedp.SetValue(chromedp.CSS("#identity_url"), a.Fake.URL),
		chromedp.SetValue(chromedp.CSS("#api_url"), a.Fake.URL),
		chromedp.Click(chromedp.CSS("#connect")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := text(t, ctx, "#salto-state"); !strings.HasPrefix(got, "Connected to Salto KS (a system user), 2 sites") {
		t.Fatalf("Salto KS page = %q", got)
	}
	if body := text(t, ctx, "main"); !strings.Contains(body, "London Members") || !strings.Contains(body, "New York") {
		t.Fatalf("the Salto KS page names no sites and groups:\n%s", body)
	}
	shot(t, ctx, "salto")

	// A hold of two removals in London Members, one of a member doorsync knows.
	a.must(201, "PUT", "/v1/orgs/acme/members/m1", key, map[string]any{"email": "mo@example.com", "first_name": "Mo", "last_name": "Held"})
	if _, _, err := a.Store.HoldRemovals(context.Background(), store.Hold{ID: "hold-1", OrgID: "acme", SiteID: siteLondon,
		GroupID: groupMembers, RunID: "run-1", Members: 40, Remove: []store.HeldRemoval{
			{SaltoUserID: "u1", Person: "member:m1"}, {SaltoUserID: "u2", Person: "member:m2"}}}); err != nil {
		t.Fatal(err)
	}
	// A night's reconciliation that found drift, and one person with access.
	bg := context.Background()
	if err := a.Store.StartRun(bg, store.ReconcileRun{ID: "run-night", OrgID: "acme", Trigger: "schedule"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.SaveRunReport(bg, "acme", "run-night", json.RawMessage(`{"groups":[{"site_id":"`+siteLondon+`","group_id":"`+
		groupMembers+`","members":3,"add":[{"salto_user_id":"","person":"member:m1"}],"remove":[{"salto_user_id":"u9"}],"held":false}]}`)); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.FinishRun(bg, "acme", "run-night", map[string]int{"applied": 2}, ""); err != nil {
		t.Fatal(err)
	}
	a.exec(`insert into applied_access (org_id, person, site_id, group_id, user_id) values ('acme', 'member:m1', $1, $2, 'u1')`, siteLondon, groupMembers)
	a.exec(`insert into audit_log (org_id, at, action, person, site_id, group_id, trigger, result, due_at)
		values ('acme', now(), 'remove', 'member:m9', $1, $2, 'poke', 'ok', now() - interval '3 seconds')`, siteLondon, groupMembers)
	run(t, ctx, "overview", chromedp.Click(chromedp.CSS(`a[href="/console/"]`)), chromedp.WaitVisible(chromedp.CSS("#holds-count")))
	for sel, want := range map[string]string{"#holds-count": "1", "#people-count": "1", "#last-drift": "drift: 1 add, 1 removal",
		"#salto-state": "Connected", "#revocation-late": "3s"} {
		if got := text(t, ctx, sel); got != want {
			t.Fatalf("overview's %s = %q, want %q", sel, got, want)
		}
	}
	shot(t, ctx, "overview")
	run(t, ctx, "holds", chromedp.Click(chromedp.CSS(`nav a[href="/console/holds"]`)), chromedp.WaitVisible(chromedp.CSS("#hold-hold-1")))
	if got := text(t, ctx, "#h-hold-1"); got != "London Members at London" {
		t.Fatalf("hold heading = %q", got)
	}
	run(t, ctx, "who", chromedp.Click(chromedp.CSS("#hold-hold-1 summary")), chromedp.WaitVisible(chromedp.CSS(".removals")))
	if got := text(t, ctx, ".removals"); got != "Mo Held\nm2" {
		t.Fatalf("held removals = %q", got)
	}
	shot(t, ctx, "holds")
	run(t, ctx, "approve…", chromedp.Click(chromedp.CSS("#approve-hold-1")), chromedp.WaitVisible(chromedp.CSS("#confirm-text")))
	if got := text(t, ctx, "#confirm-text"); got != "Approving removes 2 people from London Members at London." {
		t.Fatalf("confirmation = %q", got)
	}
	shot(t, ctx, "hold-confirm")
	run(t, ctx, "confirm", chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if hd, err := a.Store.GetHold(context.Background(), "acme", "hold-1"); err != nil || hd.Status != store.HoldApproved {
		t.Fatalf("hold after approval = %+v, %v", hd, err)
	}
	if calls := rec.recorded(); len(calls) != 1 || calls[0].in.HoldID != "hold-1" {
		t.Fatalf("reconciler calls = %+v", calls)
	}
	if !strings.Contains(a.dumpTable("audit_log"), "approve_hold") {
		t.Log(a.dumpTable("audit_log"))
	}

	// Map a plan to a group with the picker, then search a person and
	// read why they have access.
	for path, body := range map[string]any{
		"locations/l1":         map[string]any{"name": "London", "time_zone": "Europe/London", "salto_site_id": siteLondon},
		"plans/hot-desk":       map[string]any{"name": "Hot desk"},
		"members/m-alice":      map[string]any{"email": "alice@example.com", "first_name": "Alice", "last_name": "Liddell"},
		"members/m-bob":        map[string]any{"email": "bob@example.com", "first_name": "Bob"},
		"memberships/ms-alice": map[string]any{"plan_id": "hot-desk", "member_id": "m-alice", "starts_at": "2026-01-01"},
	} {
		a.must(201, "PUT", "/v1/orgs/acme/"+path, key, body)
	}
	run(t, ctx, "mappings", chromedp.Click(chromedp.CSS(`nav a[href="/console/mappings"]`)), chromedp.WaitVisible(chromedp.CSS("#groups-hot-desk")))
	if got := text(t, ctx, "#groups-hot-desk"); !strings.Contains(got, "London · London Members") {
		t.Fatalf("plan's picker = %q", got)
	}
	shot(t, ctx, "mappings")
	// Saving first previews the change; a cancelled preview saves nothing.
	run(t, ctx, "map the plan: preview", chromedp.SetValue(chromedp.CSS("#groups-hot-desk"), siteLondon+"/"+groupMembers),
		chromedp.Click(chromedp.CSS("#save-hot-desk")), chromedp.WaitVisible(chromedp.CSS("#preview")))
	if got := text(t, ctx, ".preview-text"); got != "Saving adds 1 person to London Members at London, removes 0 people." {
		t.Fatalf("the preview says %q", got)
	}
	if got := text(t, ctx, ".adds"); got != "Alice Liddell" {
		t.Fatalf("the preview adds %q", got)
	}
	shot(t, ctx, "mapping-preview")
	run(t, ctx, "cancel the preview", chromedp.Click(chromedp.CSS("#cancel")), chromedp.WaitVisible(chromedp.CSS("#groups-hot-desk")))
	if ms := a.must(200, "GET", "/v1/orgs/acme/mappings", key, nil).JSON(t)["data"].([]any); len(ms) != 0 {
		t.Fatalf("a cancelled preview saved %v", ms)
	}
	run(t, ctx, "map the plan: apply", chromedp.SetValue(chromedp.CSS("#groups-hot-desk"), siteLondon+"/"+groupMembers),
		chromedp.Click(chromedp.CSS("#save-hot-desk")), chromedp.WaitVisible(chromedp.CSS("#preview")),
		chromedp.Click(chromedp.CSS("#apply")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	ms := a.must(200, "GET", "/v1/orgs/acme/mappings", key, nil).JSON(t)["data"].([]any)
	if len(ms) != 1 || !reflect.DeepEqual(ms[0].(map[string]any)["access_groups"],
		[]any{map[string]any{"site_id": siteLondon, "group_id": groupMembers}}) {
		t.Fatalf("the mappings after saving = %v", ms)
	}
	run(t, ctx, "locations tab", chromedp.Click(chromedp.CSS("#tab-locations")), chromedp.WaitVisible(chromedp.CSS("#groups-l1")))
	if got := text(t, ctx, "#map-l1 h2"); got != "London l1 · London" {
		t.Fatalf("location row = %q", got)
	}
	run(t, ctx, "day passes at London", chromedp.Click(chromedp.CSS("#tab-day-passes")), chromedp.WaitVisible(chromedp.CSS("#groups-all")),
		chromedp.SetValue(chromedp.CSS("#groups-l1"), siteLondon+"/"+groupMembers),
		chromedp.Click(chromedp.CSS("#save-l1")), chromedp.WaitVisible(chromedp.CSS("#preview")))
	if got := text(t, ctx, ".preview-text"); got != "Saving changes no one's access now." {
		t.Fatalf("the day-pass preview says %q", got)
	}
	run(t, ctx, "apply the day-pass mapping", chromedp.Click(chromedp.CSS("#apply")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if body := a.must(200, "GET", "/v1/orgs/acme/mappings", key, nil).Body; !strings.Contains(string(body), `"kind":"day-passes","id":"l1"`) {
		t.Fatalf("the mappings after saving the day-pass one: %s", body)
	}
	run(t, ctx, "people", chromedp.Click(chromedp.CSS(`nav a[href="/console/people"]`)), chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), "lidd"), chromedp.Click(chromedp.CSS("#search")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/people/m-alice"]`)))
	if body := text(t, ctx, "main"); strings.Contains(body, "bob@example.com") {
		t.Fatalf("searching %q found Bob:\n%s", "lidd", body)
	}
	shot(t, ctx, "people")
	run(t, ctx, "a person", chromedp.Click(chromedp.CSS(`a[href="/console/people/m-alice"]`)), chromedp.WaitVisible(chromedp.CSS(".reasons")))
	if got := text(t, ctx, "main h1"); got != "Alice Liddell" {
		t.Fatalf("person page title = %q", got)
	}
	if got := text(t, ctx, ".group h3"); got != "London Members at London" {
		t.Fatalf("group = %q", got)
	}
	if got := text(t, ctx, ".reasons"); got != "Membership ms-alice, via plan Hot desk" {
		t.Fatalf("reason = %q", got)
	}
	if got := text(t, ctx, ".group p"); got != "From 1 Jan 2026 00:00 GMT, no end · not applied yet" {
		t.Fatalf("window = %q", got)
	}
	shot(t, ctx, "person")
	run(t, ctx, "re-apply now", chromedp.Click(chromedp.CSS("#reapply")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := text(t, ctx, ".notice"); !strings.HasPrefix(got, "Re-applying: queued") {
		t.Fatalf("after re-applying the page says %q", got)
	}
	if got := text(t, ctx, "main h1"); got != "Alice Liddell" {
		t.Fatalf("after re-applying the page is %q", got)
	}
	if rows := a.query(`select target from outbox where payload->>'reason' = 'reapply requested'`); len(rows) != 1 || rows[0][0] != "member:m-alice" {
		t.Fatalf("the re-apply pokes = %v", rows)
	}

	// Reconcile: a dry run's plan, then the run.
	rec.report = json.RawMessage(`{"groups":[{"site_id":"` + siteLondon + `","group_id":"` + groupMembers + `","members":3,
		"add":[{"salto_user_id":"","person":"member:m-alice"}],"remove":[],"held":false}]}`)
	run(t, ctx, "dry run", chromedp.Click(chromedp.CSS(`nav a[href="/console/reconcile"]`)), chromedp.WaitVisible(chromedp.CSS("#dry-run")),
		chromedp.Click(chromedp.CSS("#dry-run")), chromedp.WaitVisible(chromedp.CSS("#plan-h")))
	if got := text(t, ctx, ".plan-group"); !strings.Contains(got, "London Members at London") || !strings.Contains(got, "adds 1 person, removes 0 people of 3") {
		t.Fatalf("dry run's plan = %q", got)
	}
	shot(t, ctx, "reconcile")
	run(t, ctx, "apply", chromedp.Click(chromedp.CSS("#apply")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if calls := rec.recorded(); len(calls) != 3 || !calls[1].in.DryRun || calls[2].in.DryRun {
		t.Fatalf("reconciler calls = %+v", calls)
	}

	if err := a.Store.SetPersonProblem(bg, "acme", "member:m-alice", "no seats left on site London"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"problems", "audit"} {
		run(t, ctx, p, chromedp.Click(chromedp.CSS(`nav a[href="/console/`+p+`"]`)), current(p))
		shot(t, ctx, p)
	}
	run(t, ctx, "problems", chromedp.Click(chromedp.CSS(`nav a[href="/console/problems"]`)), current("problems"))
	if got := text(t, ctx, "tbody tr"); !strings.HasPrefix(got, "m-alice\tno seats left on site London") {
		t.Fatalf("problems = %q", got)
	}
	run(t, ctx, "problem's person", chromedp.Click(chromedp.CSS(`tbody a[href="/console/people/m-alice"]`)), chromedp.WaitVisible(chromedp.CSS("#problem")))

	// Signed out, the console is closed again.
	run(t, ctx, "sign out", chromedp.Click(chromedp.CSS("#signout")), chromedp.WaitVisible(chromedp.CSS("#token")))
	run(t, ctx, "reopen", chromedp.Navigate(console+"holds"), chromedp.WaitVisible(chromedp.CSS("#token")))
}

// TestConsoleWorksOnAPhoneAndByKeyboard signs in with the keyboard alone
// on a phone-sized screen, and checks each page fits the screen and
// labels its controls.
func TestConsoleWorksOnAPhoneAndByKeyboard(t *testing.T) {
	ctx := browser(t)
	a, _ := newReconcileAPI(t)
	key := a.createOrg("acme")
	a.hold("acme", "hold-1", "g1", "2026-01-01T10:00:00Z", store.HeldRemoval{SaltoUserID: "u1", Person: "member:m1"})
	run(t, ctx, "open on a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(a.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("#token")))
	// The key field has the focus; typing and Enter sign in.
	run(t, ctx, "sign in by keyboard", chromedp.KeyEvent(key), chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS("#holds-count")))
	// The first Tab reaches the skip link.
	run(t, ctx, "tab", chromedp.KeyEvent("\t"))
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.textContent`)); err != nil || got != "Skip to content" {
		t.Fatalf("first Tab focuses %q, %v", got, err)
	}
	shot(t, ctx, "phone-overview")
	for _, p := range []string{"", "salto", "mappings", "people?q=a", "problems", "holds", "holds/hold-1/approve", "reconcile", "audit"} {
		run(t, ctx, p, chromedp.Navigate(a.URL+"/console/"+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
		if err != nil || !fits {
			t.Errorf("/console/%s is wider than the phone's screen (%v)", p, err)
		}
		unlabelled, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			`[...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter(e => !e.labels || e.labels.length == 0).map(e => e.name)`))
		if err != nil || len(unlabelled) > 0 {
			t.Errorf("/console/%s has controls without a label: %v (%v)", p, unlabelled, err)
		}
	}
	run(t, ctx, "holds on a phone", chromedp.Navigate(a.URL+"/console/holds"), chromedp.WaitVisible(chromedp.CSS("#hold-hold-1")))
	shot(t, ctx, "phone-holds")
}

// TestConsoleConnectsSaltoByAuthorizationCode follows the console's
// "Connect with Salto KS" button through the fake's identity server (which
// approves at once) back to doorsync's callback.
func TestConsoleConnectsSaltoByAuthorizationCode(t *testing.T) {
	ctx := browser(t)
	a := newTestAPI(t)
	key := a.createOrg("acme")
	run(t, ctx, "sign in", chromedp.Navigate(a.URL+"/console/salto"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), key), chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#salto-state")),
		chromedp.Navigate(a.URL+"/console/salto"), chromedp.WaitVisible(chromedp.CSS("#authorize")))
	run(t, ctx, "authorize", chromedp.Click(chromedp.CSS("#authorize")), chromedp.WaitVisible(chromedp.CSS(`a[href$="/console/"]`)))
	if body := text(t, ctx, "body"); !strings.Contains(body, "is now connected to Salto KS") {
		t.Fatalf("after the flow:\n%s", body)
	}
	run(t, ctx, "back to the console", chromedp.Click(chromedp.CSS(`a[href$="/console/"]`)), chromedp.WaitVisible(chromedp.CSS("#salto-state")),
		chromedp.Navigate(a.URL+"/console/salto"), chromedp.WaitVisible(chromedp.CSS("#authorize")))
	if got := text(t, ctx, "#salto-state"); !strings.HasPrefix(got, "Connected to Salto KS (authorized by an owner)") {
		t.Fatalf("Salto KS page = %q", got)
	}
}

// TestConsoleAddsAndTestsAWebhook adds a webhook, reads its secret once,
// sends it a test event and sees the delivery; the Platform page says
// when platforms are off.
func TestConsoleAddsAndTestsAWebhook(t *testing.T) {
	ctx := browser(t)
	rcv := webhooktest.NewReceiver(t)
	a, sender := newHookAPI(t, rcv)
	key := a.createOrg("acme")
	run(t, ctx, "sign in", chromedp.Navigate(a.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), key), chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#salto-state")))
	run(t, ctx, "add a webhook", chromedp.Click(chromedp.CSS(`nav a[href="/console/webhooks"]`)), chromedp.WaitVisible(chromedp.CSS("#wh-url")),
		chromedp.SendKeys(chromedp.CSS("#wh-url"), rcv.URL()+"/doorsync"), chromedp.Click(chromedp.CSS("#add-webhook")),
		chromedp.WaitVisible(chromedp.CSS("#secret")))
	if got := text(t, ctx, "#secret"); !strings.Contains(got, "shown this once") {
		t.Fatalf("secret = %q", got)
	}
	run(t, ctx, "test it", chromedp.Click(chromedp.CSS(`button[id^="test-"]`)), chromedp.WaitVisible(chromedp.CSS("#tested")))
	deliverUntil(t, sender, rcv, 1)
	run(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".webhook table")))
	if got := text(t, ctx, ".webhook tbody"); !strings.Contains(got, "webhook.test") || !strings.Contains(got, "delivered") {
		t.Fatalf("deliveries = %q", got)
	}
	shot(t, ctx, "webhooks")
	run(t, ctx, "platform", chromedp.Click(chromedp.CSS(`nav a[href="/console/platform"]`)), current("platform"))
	if got := text(t, ctx, "main"); !strings.Contains(got, "not available") {
		t.Fatalf("platform page without platforms = %q", got)
	}
}

// TestConsoleAdminPicksTheOrg signs in with the admin token, which has no
// org of its own: the console asks which org to open.
func TestConsoleAdminPicksTheOrg(t *testing.T) {
	ctx := browser(t)
	a := newTestAPI(t)
	a.createOrg("acme")
	a.createOrg("globex")
	run(t, ctx, "sign in as the admin", chromedp.Navigate(a.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), adminToken), chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#org")))
	shot(t, ctx, "orgs")
	run(t, ctx, "open globex", chromedp.SetValue(chromedp.CSS("#org"), "globex"), chromedp.Click(chromedp.CSS("#pick")),
		chromedp.WaitVisible(chromedp.CSS("#holds-count")))
	if got := text(t, ctx, ".org"); got != "globex (globex)" {
		t.Fatalf("org = %q", got)
	}
	if got := text(t, ctx, ".signout .muted"); got != "admin" {
		t.Fatalf("signed in as %q", got)
	}
}
