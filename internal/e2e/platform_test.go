package e2e_test

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"doorsync/connectors/nexudus/nexudustest"
	"doorsync/connectors/officernd/officerndtest"
	"doorsync/contract"
)

// An OfficeRnD space runs on doorsync end to end: connecting backfills it,
// a membership created in the platform reaches the door through its
// webhook, and with webhooks off through the next sync; a member the
// platform lets go loses access at the next sync; the platform answering
// no memberships at all holds instead of revoking; explain names the
// platform object behind a reason.
func TestOfficeRnDSpaceRunsOnDoorsync(t *testing.T) {
	fake := officerndtest.NewServer()
	t.Cleanup(fake.Close)
	s := newStack(t, stackOptions{platformURLs: []string{fake.URL}})
	space := seedOfficeRnD(fake)
	joe := fake.AddMember(officerndtest.Member{Name: "Joe Bloggs", Email: "joe@example.com", Location: space.location, Status: "active"})

	s.connectOfficeRnD(fake)
	s.waitSynced("")
	s.call(200, "PATCH", s.orgPath()+"/locations/"+space.location, s.key, map[string]any{"salto_site_id": london})
	s.mapGroups("plans", space.plan, gMembers)

	// Through the webhook: no sync runs meanwhile (the schedule is 5 min).
	fake.SetWebhooks(s.URL+"/v1/hooks/officernd/"+s.org, true)
	began := time.Now()
	joes := fake.AddMembership(space.membership(joe))
	s.eventually(5*time.Second, "joe in Members through the webhook", func() bool { return s.inGroup(gMembers, "joe@example.com") })
	t.Logf("OfficeRnD webhook to the door: %v", time.Since(began).Round(time.Millisecond))
	if why := s.call(200, "GET", s.orgPath()+"/members/"+joe+"/access", s.key, nil); !containsJSON(why, `"source":"officernd"`) {
		t.Errorf("explain names no platform object: %s", mustJSON(why))
	}

	// Without webhooks, through the next sync.
	fake.SetWebhooks("", false)
	ann := fake.AddMember(officerndtest.Member{Name: "Ann Other", Email: "ann@example.com", Location: space.location, Status: "active"})
	fake.AddMembership(space.membership(ann))
	s.stays(time.Second, gMembers, "ann@example.com", false)
	last := s.syncNow()
	s.waitIn(gMembers, "ann@example.com")

	// A member the platform lets go loses access at the next sync.
	if err := officerndtest.Update(fake, officerndtest.Members, ann, func(m *officerndtest.Member) { m.Status = "former" }); err != nil {
		t.Fatal(err)
	}
	last = s.syncNow(last)
	s.waitOut(gMembers, "ann@example.com")

	// A platform answering no memberships at all holds the deletions.
	for _, id := range fake.IDs(officerndtest.Memberships) {
		if err := fake.Remove(officerndtest.Memberships, id); err != nil {
			t.Fatal(err)
		}
	}
	s.syncNow(last)
	if held := s.platform()["held"]; held == "" || held == nil {
		t.Fatalf("no hold after the platform answered no memberships: %s", mustJSON(s.platform()))
	}
	s.stays(2*time.Second, gMembers, "joe@example.com", true)
	s.call(200, "GET", s.orgPath()+"/memberships/"+joes, s.key, nil)
}

// A forged, unsigned or stale OfficeRnD delivery answers 401 and changes
// nothing; the same delivery signed with the connection's secret is
// written.
func TestForgedPlatformWebhookChangesNothing(t *testing.T) {
	fake := officerndtest.NewServer()
	t.Cleanup(fake.Close)
	s := newStack(t, stackOptions{platformURLs: []string{fake.URL}})
	space := seedOfficeRnD(fake)
	s.connectOfficeRnD(fake)
	s.waitSynced("")

	member := officerndtest.Member{ID: "65f000000000000000000abc", Name: "Mallory Forger", Email: "mallory@example.com",
		Location: space.location, Status: "active", ModifiedAt: time.Now().UTC()}
	body, err := officerndtest.Body("65f0000000000000000000e1", "member.created", member, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hook := "/v1/hooks/officernd/" + s.org
	for name, sig := range map[string]string{
		"unsigned":          "",
		"another secret":    officerndtest.Sign("not-the-secret", body, time.Now()),
		"stale":             officerndtest.Sign(fake.WebhookSecret(), body, time.Now().Add(-5*time.Minute)),
		"another body":      officerndtest.Sign(fake.WebhookSecret(), append([]byte(" "), body...), time.Now()),
		"another org's url": "",
	} {
		path := hook
		if name == "another org's url" {
			path = "/v1/hooks/officernd/some-other-org"
			sig = officerndtest.Sign(fake.WebhookSecret(), body, time.Now())
		}
		if status := s.postHook(path, sig, body); status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, status)
		}
	}
	s.call(404, "GET", s.orgPath()+"/members/"+member.ID, s.key, nil)

	if status := s.postHook(hook, officerndtest.Sign(fake.WebhookSecret(), body, time.Now()), body); status != http.StatusOK {
		t.Fatalf("signed delivery: status %d, want 200", status)
	}
	s.call(200, "GET", s.orgPath()+"/members/"+member.ID, s.key, nil)
}

// OfficeRnD answering 429 with Retry-After to most list calls slows the
// backfill but loses nothing.
func TestPlatformThrottleLosesNothing(t *testing.T) {
	fake := officerndtest.NewServer()
	t.Cleanup(fake.Close)
	s := newStack(t, stackOptions{platformURLs: []string{fake.URL}})
	space := seedOfficeRnD(fake)
	for i := range 120 { // three pages of members, three of memberships
		m := fake.AddMember(officerndtest.Member{Name: "Member " + strconv.Itoa(i), Email: "m" + strconv.Itoa(i) + "@example.com",
			Location: space.location, Status: "active"})
		fake.AddMembership(space.membership(m))
	}
	fake.SetListRateLimit(2, time.Second)
	s.connectOfficeRnD(fake)
	s.waitSynced("")
	p := s.platform()
	counts, _ := p["counts"].(map[string]any)
	if counts["member"] != float64(120) || counts["membership"] != float64(120) || p["last_error"] != "" {
		t.Fatalf("after a throttled backfill: %s", mustJSON(p))
	}
	if fake.Throttled() == 0 {
		t.Fatal("the fake throttled nothing: the test proves nothing")
	}
}

// A booking with visitors in Nexudus grants the room to the booker and the
// visitors within its buffered window, reaching doorsync through a sync
// that Nexudus throttles (409, Retry-After) on the way: it slows, and
// loses nothing.
func TestNexudusBookingWithVisitors(t *testing.T) {
	fake := nexudustest.NewServer()
	t.Cleanup(fake.Close)
	s := newStack(t, stackOptions{platformURLs: []string{fake.URL},
		orgSettings: map[string]any{"booking_buffer_before": "2s", "booking_buffer_after": "2s"}})
	fake.AddUser("ops@example.com", "nexudus-password")
	fake.SetWebhookSecret("nexudus-webhook-secret")
	fake.SetLimits(nexudustest.Limits{})
	business := fake.Put(nexudustest.Businesses, nexudustest.M{"Name": "Soho", "TimeZone": "Europe/London"})
	room := fake.Put(nexudustest.Resources, nexudustest.M{"Name": "Board room", "BusinessId": business, "ResourceTypeId": 1})
	booker := fake.Put(nexudustest.Coworkers, nexudustest.M{"FullName": "Bea Booker", "Email": "booker@example.com", "CoworkerType": 1})

	s.call(200, "PUT", s.orgPath()+"/platform", s.key, map[string]any{"kind": "nexudus", "username": "ops@example.com",
		"password": "nexudus-password", "webhook_secret": "nexudus-webhook-secret", "base_url": fake.URL})
	last := s.waitSynced("")
	s.call(200, "PATCH", s.orgPath()+"/locations/"+strconv.Itoa(business), s.key, map[string]any{"salto_site_id": london})
	s.mapGroups("resources", strconv.Itoa(room), gRoom)

	start := time.Now().Add(10 * time.Second).Truncate(time.Second)
	end := start.Add(3 * time.Second)
	booking := fake.Put(nexudustest.Bookings, nexudustest.M{"ResourceId": room, "CoworkerId": booker,
		"FromTime": start.UTC().Format(time.RFC3339), "ToTime": end.UTC().Format(time.RFC3339)})
	fake.Put(nexudustest.BookingVisitors, nexudustest.M{"BookingId": booking, "VisitorId": 1,
		"VisitorFullName": "Gus Guest", "VisitorEmail": "guest@example.com"})
	fake.ThrottleNext("", 3, time.Second)
	s.syncNow(last)
	if left := fake.FaultsLeft(); left != 0 {
		t.Fatalf("%d of the 409s were never served: the sync met no throttle", left)
	}
	s.accessWindow(start.Add(-2*time.Second), end.Add(2*time.Second), "booker@example.com", "guest@example.com")
}

// officeRnDSpace is a location and a plan seeded in the fake OfficeRnD.
type officeRnDSpace struct {
	location, plan string
}

func seedOfficeRnD(fake *officerndtest.Server) *officeRnDSpace {
	return &officeRnDSpace{
		location: fake.AddLocation(officerndtest.Location{Name: "London", Timezone: "Europe/London", IsOpen: true}),
		plan:     fake.AddPlan(officerndtest.Plan{Name: "Hot desk", Type: "hotdesk"}),
	}
}

// membership is an active personal membership of member on the plan,
// started yesterday.
func (sp *officeRnDSpace) membership(member string) officerndtest.Membership {
	return officerndtest.Membership{Name: "Hot desk", IsPersonal: true, Status: "approved", CalculatedStatus: "active",
		Location: sp.location, Plan: sp.plan, Member: member, StartDate: time.Now().UTC().Add(-24 * time.Hour).Truncate(24 * time.Hour)}
}

func (s *stack) connectOfficeRnD(fake *officerndtest.Server) {
	s.t.Helper()
	s.call(200, "PUT", s.orgPath()+"/platform", s.key, map[string]any{"kind": "officernd", "org_slug": fake.Slug(),
		"client_id": officerndtest.DefaultClientID, "client_secret": officerndtest.DefaultClientSecret,
		"webhook_secret": fake.WebhookSecret(), "base_url": fake.URL, "identity_url": fake.URL})
}

func (s *stack) platform() map[string]any {
	s.t.Helper()
	return s.call(200, "GET", s.orgPath()+"/platform", s.key, nil)
}

// waitSynced waits for a sync that ends after the one that ended at last
// ("" for the first), and returns when it ended.
func (s *stack) waitSynced(last string) string {
	s.t.Helper()
	var at string
	s.eventually(time.Minute, "a platform sync after "+last, func() bool {
		at, _ = s.platform()["last_sync_at"].(string)
		return at != "" && at != last
	}, func() string { return mustJSON(s.platform()) })
	return at
}

// syncNow triggers the org's platform sync schedule, as its next tick
// would, and waits for the run to end. A tick while the last run is still
// ending is skipped (overlaps are), as a real schedule's would be: it
// ticks again.
func (s *stack) syncNow(last ...string) string {
	s.t.Helper()
	prev := ""
	if len(last) > 0 {
		prev = last[0]
	} else {
		prev, _ = s.platform()["last_sync_at"].(string)
	}
	h := s.temporal.ScheduleClient().GetHandle(s.ctx, contract.PlatformSyncScheduleID(s.org))
	var at string
	s.eventually(time.Minute, "a scheduled platform sync after "+prev, func() bool {
		if err := h.Trigger(s.ctx, client.ScheduleTriggerOptions{}); err != nil {
			s.t.Fatal(err)
		}
		for range 50 {
			if at, _ = s.platform()["last_sync_at"].(string); at != prev {
				return true
			}
			time.Sleep(100 * time.Millisecond)
		}
		return false
	})
	return at
}

// waitSyncIdle waits until no run of the org's platform-sync:{org}
// workflow is going on, so a manual sync is not refused as overlapping.
func (s *stack) waitSyncIdle() {
	s.t.Helper()
	s.eventually(time.Minute, "the platform sync to end", func() bool {
		d, err := s.temporal.DescribeWorkflowExecution(s.ctx, contract.PlatformSyncWorkflowID(s.org), "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING
	})
}

// postHook posts a platform webhook delivery with an officernd-signature.
func (s *stack) postHook(path, signature string, body []byte) int {
	s.t.Helper()
	req, err := http.NewRequestWithContext(s.ctx, "POST", s.URL+path, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set("officernd-signature", signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
