package api_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// Every JSON body the API decodes refuses a key given twice in one object,
// in any case (encoding/json would match both to one field and keep the
// last), naming the key.
func TestDuplicateKeysAreRefusedInAnyCase(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	for _, tc := range []struct {
		name, path, body, field string
	}{
		{"same case", "/v1/orgs/acme/members/m1", `{"email":"a@example.com","email":"b@example.com"}`, "email"},
		{"other case", "/v1/orgs/acme/members/m1", `{"email":"a@example.com","Email":"b@example.com"}`, "Email"},
		{"long s", "/v1/orgs/acme/plans/p1", `{"name":"x","version":1,"ver\u017fion":2}`, "ver\u017fion"},
		{"nested", "/v1/orgs/acme/bookings/b1", `{"resource_id":"r1","starts_at":"2026-01-01T10:00:00Z","ends_at":"2026-01-01T11:00:00Z",
			"booker":{"email":"a@example.com","EMAIL":"b@example.com"}}`, "booker.EMAIL"},
		{"in a list", "/v1/orgs/acme/bookings/b1", `{"resource_id":"r1","member_id":"m1","starts_at":"2026-01-01T10:00:00Z","ends_at":"2026-01-01T11:00:00Z",
			"guests":[{"email":"a@example.com"},{"email":"b@example.com","eMail":"c@example.com"}]}`, "guests[1].eMail"},
		{"org settings", "/v1/orgs/acme", `{"name":"acme","time_zone":"Europe/London","Time_Zone":"UTC"}`, "Time_Zone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := key
			if tc.path == "/v1/orgs/acme" {
				tok = adminToken
			}
			r := a.in(t).do("PUT", tc.path, tok, tc.body)
			if r.Status != 400 || !reflect.DeepEqual(problemFields(t, r), []string{tc.field}) {
				t.Errorf("PUT %s = %d %s, want 400 naming %q", tc.path, r.Status, r.Body, tc.field)
			}
		})
	}
	a.must(404, "GET", "/v1/orgs/acme/members/m1", key, nil)
	if org := a.must(200, "GET", "/v1/orgs/acme", key, nil).JSON(t); org["time_zone"] != "Europe/London" {
		t.Errorf("org = %v", org)
	}
	// a key that merely repeats in different objects is fine
	a.must(201, "PUT", "/v1/orgs/acme/bookings/b2", key, `{"resource_id":"r1","member_id":"m1",
		"starts_at":"2026-01-01T10:00:00Z","ends_at":"2026-01-01T11:00:00Z",
		"guests":[{"email":"a@example.com"},{"email":"b@example.com"}]}`)

	ans := decodeImport(t, a.ndjson("acme", key, `{"type":"member","id":"m2","email":"a@example.com","EMAIL":"b@example.com"}`+"\n"+
		`{"type":"member","TYPE":"plan","id":"m3","email":"a@example.com"}`))
	if want := map[int][]string{1: {"EMAIL"}, 2: {"TYPE"}}; ans.Accepted != 0 || !reflect.DeepEqual(ans.rejectedFields(), want) {
		t.Errorf("import = %+v, want both lines rejected naming the repeated key", ans)
	}
}

// A client's X-Request-Id is kept only when it is short and printable;
// otherwise the request gets an id of doorsync's own.
func TestClientRequestIDsAreKeptOnlyWhenShortAndPrintable(t *testing.T) {
	a := newTestAPI(t)
	for _, tc := range []struct {
		name, id string
		kept     bool
	}{
		{"plain", "req-42_abc.DEF:1/2", true},
		{"64 characters", strings.Repeat("a", 64), true},
		{"65 characters", strings.Repeat("a", 65), false},
		{"a space", "a b", false},
		{"a tab", "a\tb", false},
		{"not ASCII", "r\u00e9q", false},
		{"log injection", `x" level=ERROR msg="forged`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := a.in(t).requestIDFor(tc.id)
			if got == "" {
				t.Fatal("the problem carries no request id")
			}
			if (got == tc.id) != tc.kept {
				t.Errorf("X-Request-Id %q gave request id %q; kept = %v, want %v", tc.id, got, got == tc.id, tc.kept)
			}
			if !tc.kept && (len(got) > 64 || strings.ContainsFunc(got, func(r rune) bool { return r <= ' ' || r > '~' })) {
				t.Errorf("made-up request id %q is not short and printable", got)
			}
		})
	}
}

// requestIDFor sends an unauthenticated request with X-Request-Id id and
// returns the request id its 401 problem carries.
func (a *testAPI) requestIDFor(id string) string {
	a.t.Helper()
	req, err := http.NewRequest("GET", a.URL+"/v1/orgs/acme", nil)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header["X-Request-Id"] = []string{id}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		RequestID string `json:"request_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		a.t.Fatal(err)
	}
	return p.RequestID
}

// The access log and the log of failed requests name the route pattern,
// never the raw path, which can hold a guest's e-mail.
func TestLogsNameRoutesNotPaths(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.must(200, "GET", "/v1/orgs/acme/guests/secret.guest@example.com/access", key, nil)
	a.must(404, "GET", "/v1/orgs/acme/no/such/secret.guest@example.com", key, nil)
	a.exec("alter table entities rename to entities_gone") // the next explain fails inside doorsync
	a.must(500, "GET", "/v1/orgs/acme/guests/secret.guest@example.com/access", key, nil)
	logs := a.logs.String()
	if !strings.Contains(logs, `"msg":"request failed"`) {
		t.Fatalf("no failed request was logged:\n%s", logs)
	}
	if strings.Contains(logs, "secret.guest") {
		t.Errorf("a path with an e-mail reached the log:\n%s", logs)
	}
	if !strings.Contains(logs, `"route":"/v1/orgs/{org}/guests/{email}/access"`) {
		t.Errorf("the access log does not name the route:\n%s", logs)
	}
}

// Times are refused when the window they can make, widened by the largest
// booking buffers and read in any time zone, would leave the years 0-9999
// that times can be stored and sent to Temporal in.
func TestTimesNearYear9999AreRefused(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	booking := func(start, end string) map[string]any {
		return map[string]any{"resource_id": "r1", "member_id": "m1", "starts_at": start, "ends_at": end}
	}
	for _, tc := range []struct {
		path  string
		body  map[string]any
		field string
	}{
		{"bookings/b1", booking("9999-12-30T12:00:00Z", "9999-12-31T23:50:00Z"), "ends_at"},
		{"bookings/b1", booking("9999-12-30T10:00:00-12:00", "9999-12-31T11:00:00-12:00"), "ends_at"},
		{"bookings/b1", booking("0000-01-01T00:05:00Z", "0000-01-03T00:00:00Z"), "starts_at"},
		{"memberships/ms1", map[string]any{"plan_id": "p1", "member_id": "m1", "starts_at": "2026-01-01", "ends_at": "9999-12-31"}, "ends_at"},
		{"memberships/ms1", map[string]any{"plan_id": "p1", "member_id": "m1", "starts_at": "0000-01-01"}, "starts_at"},
		{"day-passes/dp1", map[string]any{"member_id": "m1", "location_id": "l1", "passes": 1, "valid_from": "2026-01-01", "valid_until": "9999-12-31T23:59:59Z"}, "valid_until"},
	} {
		r := a.do("PUT", "/v1/orgs/acme/"+tc.path, key, tc.body)
		if r.Status != 400 || !reflect.DeepEqual(problemFields(t, r), []string{tc.field}) {
			t.Errorf("PUT %s %v = %d %s, want 400 naming %s", tc.path, tc.body, r.Status, r.Body, tc.field)
		}
	}
	a.must(201, "PUT", "/v1/orgs/acme/bookings/b2", key, booking("9999-12-01T10:00:00Z", "9999-12-01T11:00:00Z"))
	a.must(201, "PUT", "/v1/orgs/acme/memberships/ms2", key, map[string]any{"plan_id": "p1", "member_id": "m1", "starts_at": "2026-01-01", "ends_at": "9999-12-01"})
}

// An org's or location's time zone is an IANA zone: names the engine would
// read as UTC or as the host's zone are refused; UTC given explicitly is fine.
func TestTimeZonesTheEngineWouldMisreadAreRefused(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("acme")
	for _, tz := range []string{"Local", "localtime", "Factory", "posixrules", "posix/Europe/London", "right/UTC", "../UTC", "Europe/../UTC", "utc "} {
		r := a.do("PUT", "/v1/orgs/acme", adminToken, map[string]any{"name": "acme", "time_zone": tz})
		if r.Status != 400 || !reflect.DeepEqual(problemFields(t, r), []string{"time_zone"}) {
			t.Errorf("org time_zone %q = %d %s, want 400", tz, r.Status, r.Body)
		}
		r = a.do("PUT", "/v1/orgs/acme/locations/l1", key, map[string]any{"name": "L", "salto_site_id": "s", "time_zone": tz})
		if r.Status != 400 || !reflect.DeepEqual(problemFields(t, r), []string{"time_zone"}) {
			t.Errorf("location time_zone %q = %d %s, want 400", tz, r.Status, r.Body)
		}
	}
	for _, tz := range []string{"UTC", "Etc/UTC", "Etc/GMT+5", "America/Argentina/Buenos_Aires"} {
		a.must(200, "PUT", "/v1/orgs/acme", adminToken, map[string]any{"name": "acme", "time_zone": tz})
	}
}
