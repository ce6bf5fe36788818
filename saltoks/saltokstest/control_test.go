package saltokstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"doorsync/saltoks/saltokstest"
)

func TestFaults(t *testing.T) {
	s := newDemo(t)
	token := login(t, s)
	sites := api(s, "/sites")
	tests := []struct {
		name       string
		fault      saltokstest.Fault
		url        string
		wantStatus int
		wantCode   string
		wantRetry  string
	}{
		{"template", saltokstest.Fault{RoutePattern: "/v1.2/sites", Status: 503, Times: 1}, sites, 503, "", ""},
		{"version-free template", saltokstest.Fault{RoutePattern: "/{version}/sites/{site_id}", Status: 500, ErrorCode: "9999", Times: 1}, api(s, "/sites/"+london), 500, "9999", ""},
		{"glob on the path", saltokstest.Fault{Method: "GET", RoutePattern: "/v1.2/sites/*/locks", Status: 404, ErrorCode: "2202", Times: 1}, api(s, "/sites/"+london+"/locks"), 404, "2202", ""},
		{"429 rounds Retry-After up", saltokstest.Fault{Status: 429, RetryAfter: 1500 * time.Millisecond, Times: 1}, sites, 429, "", "2"},
		{"other method does not match", saltokstest.Fault{Method: "POST", Status: 500, Times: 1}, sites, 200, "", ""},
		{"prefix matches deeper routes", saltokstest.Fault{RoutePattern: "/{version}/**", Status: 503, Times: 1}, api(s, "/sites/"+london+"/locks"), 503, "", ""},
		{"prefix on the path", saltokstest.Fault{RoutePattern: "/v1.2/sites/**", Status: 502, Times: 1}, api(s, "/sites/"+london+"/locks"), 502, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.ClearFaults()
			if err := s.AddFault(tt.fault); err != nil {
				t.Fatal(err)
			}
			r := do(t, http.MethodGet, tt.url, token, nil)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d", r.status, tt.wantStatus)
			}
			if tt.wantCode != "" && r.errorCode(t) != tt.wantCode {
				t.Errorf("ErrorCode %q, want %q", r.errorCode(t), tt.wantCode)
			}
			if got := r.header.Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("Retry-After %q, want %q", got, tt.wantRetry)
			}
		})
	}
}

func TestFaultTimesAndProbability(t *testing.T) {
	s := newDemo(t)
	token := login(t, s)
	sites := api(s, "/sites")
	if err := s.AddFault(saltokstest.Fault{Status: 500, Times: 2}); err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for range 3 {
		statuses = append(statuses, do(t, http.MethodGet, sites, token, nil).status)
	}
	if !reflect.DeepEqual(statuses, []int{500, 500, 200}) {
		t.Errorf("statuses %v, want [500 500 200]", statuses)
	}
	if len(s.Faults()) != 0 {
		t.Errorf("fault not removed after its count: %v", s.Faults())
	}

	if err := s.AddFault(saltokstest.Fault{Status: 503, Probability: 0.5}); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for range 200 {
		if do(t, http.MethodGet, sites, token, nil).status == 503 {
			failed++
		}
	}
	if failed < 60 || failed > 140 {
		t.Errorf("%d of 200 failed with probability 0.5", failed)
	}
}

func TestFaultLatency(t *testing.T) {
	s := newDemo(t)
	token := login(t, s)
	if err := s.AddFault(saltokstest.Fault{RoutePattern: "/v1.2/sites", Latency: 150 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := do(t, http.MethodGet, api(s, "/sites"), token, nil)
	if elapsed := time.Since(start); r.status != 200 || elapsed < 150*time.Millisecond {
		t.Errorf("status %d after %v, want 200 after >= 150ms", r.status, elapsed)
	}
}

// A "/{version}/**" fault leaves the identity server alone: a soak can fail
// Salto KS writes without failing every token request too.
func TestFaultPrefixSparesIdentityRoutes(t *testing.T) {
	s := newDemo(t)
	if err := s.AddFault(saltokstest.Fault{RoutePattern: "/{version}/**", Status: 503}); err != nil {
		t.Fatal(err)
	}
	token := login(t, s)
	if r := do(t, http.MethodGet, api(s, "/sites"), token, nil); r.status != 503 {
		t.Errorf("Connect route: %d, want 503", r.status)
	}
}

// LatencyMax draws each delay from [Latency, LatencyMax], and survives the
// HTTP form.
func TestFaultLatencyRange(t *testing.T) {
	s := newDemo(t)
	token := login(t, s)
	f := saltokstest.Fault{RoutePattern: "/v1.2/sites", Latency: 100 * time.Millisecond, LatencyMax: 120 * time.Millisecond}
	b, _ := json.Marshal(f)
	var back saltokstest.Fault
	if err := json.Unmarshal(b, &back); err != nil || back != f {
		t.Fatalf("HTTP form %s read back as %+v (%v)", b, back, err)
	}
	if err := s.AddFault(f); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := do(t, http.MethodGet, api(s, "/sites"), token, nil)
	if elapsed := time.Since(start); r.status != 200 || elapsed < 100*time.Millisecond {
		t.Errorf("status %d after %v, want 200 after >= 100ms", r.status, elapsed)
	}
}

func TestAddFaultValidates(t *testing.T) {
	s := saltokstest.New()
	for _, f := range []saltokstest.Fault{{Status: 200}, {}, {Status: 500, Probability: 2}, {Status: 500, Times: -1}} {
		if err := s.AddFault(f); err == nil {
			t.Errorf("AddFault(%+v) succeeded", f)
		}
	}
}

func TestControlRoutes(t *testing.T) {
	s := saltokstest.NewServer()
	t.Cleanup(s.Close)
	post := func(path, body string) result {
		req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
		return send(t, req)
	}
	if r := post("/__fake/seed", string(saltokstest.DemoSeed)); r.status != http.StatusNoContent {
		t.Fatalf("seed: %d %s", r.status, r.body)
	}
	if r := post("/__fake/seed", `{"sites":[{"id":"not-a-uuid"}]}`); r.status != http.StatusBadRequest {
		t.Errorf("bad seed: %d", r.status)
	}
	token := login(t, s)
	do(t, http.MethodPost, api(s, "/sites/"+london+"/users"), token, map[string]any{"first_name": "E", "email": "e@example.com",
		"role_ids": []string{"8f6081a3-80fb-11e8-a892-000d3a221c5b"}})

	var emails []saltokstest.Email
	decode(t, do(t, http.MethodGet, s.URL+"/__fake/emails", "", nil), &emails)
	if len(emails) != 1 || emails[0].To != "e@example.com" || emails[0].Kind != "invitation" {
		t.Errorf("emails %+v", emails)
	}
	var requests map[string]int
	decode(t, do(t, http.MethodGet, s.URL+"/__fake/requests", "", nil), &requests)
	if requests["POST /connect/token"] != 1 || requests["POST /v1.2/sites/{site_id}/users"] != 1 {
		t.Errorf("requests %v", requests)
	}

	if r := post("/__fake/faults", `[{"route":"/v1.2/sites","status":429,"retry_after_seconds":3,"times":1}]`); r.status != http.StatusNoContent {
		t.Fatalf("faults: %d %s", r.status, r.body)
	}
	if r := do(t, http.MethodGet, api(s, "/sites"), token, nil); r.status != 429 || r.header.Get("Retry-After") != "3" {
		t.Errorf("injected 429: %d %v", r.status, r.header)
	}
	post("/__fake/faults", `{"status":500}`)
	do(t, http.MethodDelete, s.URL+"/__fake/faults", "", nil)
	if r := do(t, http.MethodGet, api(s, "/sites"), token, nil); r.status != 200 {
		t.Errorf("after DELETE /__fake/faults: %d", r.status)
	}

	var cfg saltokstest.StateConfig
	decode(t, post("/__fake/config", `{"page_size":2,"provisioning_delay_seconds":30}`), &cfg)
	if cfg.PageSize != 2 || cfg.ProvisioningDelaySeconds != 30 {
		t.Errorf("config %+v", cfg)
	}
	before := cfg.Now
	decode(t, post("/__fake/advance", `{"seconds":3600}`), &cfg)
	if cfg.Now.Sub(before) < time.Hour {
		t.Errorf("advance: now moved %v", cfg.Now.Sub(before))
	}
	if r := do(t, http.MethodGet, api(s, "/sites"), token, nil); r.status != 401 {
		t.Errorf("token after advancing an hour: %d, want 401", r.status)
	}

	var state saltokstest.State
	decode(t, do(t, http.MethodGet, s.URL+"/__fake/state", "", nil), &state)
	if len(state.Sites) != 2 || len(state.Sites[0].Users) != 2 || len(state.Emails) != 1 {
		t.Errorf("state: %d sites, %d London users, %d emails", len(state.Sites), len(state.Sites[0].Users), len(state.Emails))
	}

	if r := post("/__fake/reset", ""); r.status != http.StatusNoContent {
		t.Fatalf("reset: %d", r.status)
	}
	state = saltokstest.State{}
	decode(t, do(t, http.MethodGet, s.URL+"/__fake/state", "", nil), &state)
	if len(state.Sites[0].Users) != 1 || len(state.Emails) != 0 || state.Config.PageSize != saltokstest.DefaultPageSize {
		t.Errorf("after reset: %d London users, %d emails, page size %d", len(state.Sites[0].Users), len(state.Emails), state.Config.PageSize)
	}
	var afterReset map[string]int
	decode(t, do(t, http.MethodGet, s.URL+"/__fake/requests", "", nil), &afterReset)
	if len(afterReset) != 0 {
		t.Errorf("requests after reset: %v", afterReset)
	}
}

func TestSeedValidation(t *testing.T) {
	const site = `"id":"5a170001-0000-4000-8000-000000000001","name":"L"`
	const user = `{"site_user_id":"5e0e0001-0001-4000-8000-000000000001","user_id":"9a0e0001-0001-4000-8000-000000000001","email":"a@example.com","first_name":"A"}`
	tests := []struct{ name, seed string }{
		{"unknown field", `{"sites":[{` + site + `,"colour":"red"}]}`},
		{"site id not a UUID", `{"sites":[{"id":"london"}]}`},
		{"repeated client", `{"clients":[{"client_id":"a"},{"client_id":"a"}]}`},
		{"group with a site-user id", `{"sites":[{` + site + `,"users":[` + user + `],"access_groups":[{"id":"6a000001-0001-4000-8000-000000000001","name":"G","user_ids":["5e0e0001-0001-4000-8000-000000000001"]}]}]}`},
		{"group with an unknown lock", `{"sites":[{` + site + `,"access_groups":[{"id":"6a000001-0001-4000-8000-000000000001","name":"G","lock_ids":["10c40001-0001-4000-8000-000000000001"]}]}]}`},
		{"tag held by an unknown user", `{"sites":[{` + site + `,"tags":[{"id":"7a900001-0001-4000-8000-000000000001","tag_number":"1","user_id":"9a0e0001-0001-4000-8000-000000000001"}]}]}`},
		{"more users than seats", `{"sites":[{` + site + `,"seats":1,"users":[` + user + `,{"site_user_id":"5e0e0001-0001-4000-8000-000000000002","user_id":"9a0e0001-0001-4000-8000-000000000002","first_name":"B"}]}]}`},
		{"repeated e-mail", `{"sites":[{` + site + `,"users":[` + user + `,{"site_user_id":"5e0e0001-0001-4000-8000-000000000002","user_id":"9a0e0001-0001-4000-8000-000000000002","email":"A@example.com","first_name":"B"}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := saltokstest.New()
			if err := s.SeedJSON([]byte(tt.seed)); err == nil {
				t.Error("seed accepted")
			}
		})
	}
}

func TestStateRoundTrips(t *testing.T) {
	s := newDemo(t)
	if _, err := s.CreateUserDirect(newYork, saltokstest.SeedUser{Email: "ada@example.com", FirstName: "Ada"}); err != nil {
		t.Fatal(err)
	}
	before := s.State()
	data, err := json.Marshal(before)
	if err != nil {
		t.Fatal(err)
	}
	other := saltokstest.New()
	if err := other.SeedJSON(data); err != nil {
		t.Fatalf("seeding from State: %v", err)
	}
	if after := other.State(); !reflect.DeepEqual(before.Seed, after.Seed) {
		t.Errorf("round trip changed the state:\nbefore %+v\nafter  %+v", before.Seed, after.Seed)
	}
	ny := before.Sites[1].Users
	if ny[1].UserID != londonAdaPU {
		t.Errorf("same e-mail on another site should share the platform user id, got %s", ny[1].UserID)
	}
}

func TestServeAnswersAndStops(t *testing.T) {
	s := saltokstest.New()
	if err := s.SeedJSON(saltokstest.DemoSeed); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, slog.New(slog.NewTextHandler(&logs, nil))) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("discovery: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not stop")
	}
	if !strings.Contains(logs.String(), "path=/.well-known/openid-configuration") {
		t.Errorf("request not logged: %s", logs.String())
	}
}

func TestRunRejectsAMissingSeedFile(t *testing.T) {
	err := saltokstest.Run(context.Background(), "127.0.0.1:0", t.TempDir()+"/missing.json", nil)
	if err == nil {
		t.Error("Run succeeded without a seed file")
	}
}

func decode(t *testing.T, r result, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %d %s: %v", r.status, r.body, err)
	}
}
