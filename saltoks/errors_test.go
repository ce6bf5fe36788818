package saltoks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"doorsync/saltoks"
	"doorsync/saltoks/saltokstest"
)

func TestErrorClassification(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name          string
		fault         saltokstest.Fault
		wantCode      string
		notFound      bool
		conflict      bool
		retryable     bool
		rateLimited   bool
		wantRetryWait time.Duration
	}{
		{"400 1100", saltokstest.Fault{Status: 400, ErrorCode: "1100", Message: "bad"}, "1100", false, false, false, false, 0},
		{"400 1101", saltokstest.Fault{Status: 400, ErrorCode: "1101", Message: "The FirstName field is required."}, "1101", false, false, false, false, 0},
		{"400 1102", saltokstest.Fault{Status: 400, ErrorCode: "1102", Message: "bad $orderby"}, "1102", false, false, false, false, 0},
		{"404 2202", saltokstest.Fault{Status: 404, ErrorCode: "2202", Message: "User not found"}, "2202", true, false, false, false, 0},
		{"403 2203", saltokstest.Fault{Status: 403, ErrorCode: "2203", Message: "no permission"}, "2203", false, false, false, false, 0},
		{"403 3102", saltokstest.Fault{Status: 403, ErrorCode: "3102", Message: "otp_blocked"}, "3102", false, false, false, false, 0},
		{"409", saltokstest.Fault{Status: 409, Message: "conflict"}, "", false, true, false, false, 0},
		{"429 with Retry-After", saltokstest.Fault{Status: 429, RetryAfter: 7 * time.Second}, "", false, false, true, true, 7 * time.Second},
		{"429 without Retry-After", saltokstest.Fault{Status: 429}, "", false, false, true, true, 0},
		{"500", saltokstest.Fault{Status: 500}, "", false, false, true, false, 0},
		{"502", saltokstest.Fault{Status: 502}, "", false, false, true, false, 0},
		{"503", saltokstest.Fault{Status: 503, ErrorCode: "5000"}, "5000", false, false, true, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.fake.ClearFaults()
			tt.fault.RoutePattern, tt.fault.Times = "/v1.2/sites/{site_id}/locks", 1
			if err := e.fake.AddFault(tt.fault); err != nil {
				t.Fatal(err)
			}
			_, err := e.client.ListLocks(ctx(t), london)
			var se *saltoks.Error
			if !errors.As(err, &se) {
				t.Fatalf("err %v (%T), want *saltoks.Error", err, err)
			}
			if se.Status != tt.fault.Status || se.Code != tt.wantCode || se.Method != "GET" || se.Path != "/v1.2/sites/"+london+"/locks" {
				t.Errorf("error %+v", se)
			}
			if tt.fault.Message != "" && se.Message != tt.fault.Message {
				t.Errorf("message %q, want %q", se.Message, tt.fault.Message)
			}
			wait, limited := saltoks.IsRateLimited(err)
			got := [4]bool{saltoks.IsNotFound(err), saltoks.IsConflict(err), saltoks.IsRetryable(err), limited}
			if want := [4]bool{tt.notFound, tt.conflict, tt.retryable, tt.rateLimited}; got != want {
				t.Errorf("notFound/conflict/retryable/rateLimited = %v, want %v", got, want)
			}
			if wait != tt.wantRetryWait {
				t.Errorf("Retry-After %v, want %v", wait, tt.wantRetryWait)
			}
			if saltoks.IsAuthError(err) {
				t.Error("not an auth error")
			}
		})
	}
}

func TestRetriesHonourRetryAfter(t *testing.T) {
	e := newEnv(t, func(c *saltoks.Config) { c.MaxRetries = 2 })
	if err := e.fake.AddFault(saltokstest.Fault{Method: "POST", RoutePattern: "/v1.2/sites/*/access_groups/*/users", Status: 429, RetryAfter: time.Second, Times: 1}); err != nil {
		t.Fatal(err)
	}
	u := e.newUser(t, london, "patient@example.com")
	start := time.Now()
	if err := e.client.AddGroupMember(ctx(t), london, londonMembers, u.UserID); err != nil {
		t.Fatalf("AddGroupMember: %v", err)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("retried after %v, before Retry-After (1s)", elapsed)
	}
	if n := e.fake.Requests()["POST /v1.2/sites/{site_id}/access_groups/{group_id}/users"]; n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

func TestRetryAfterBeyondTheCapIsReturned(t *testing.T) {
	e := newEnv(t, func(c *saltoks.Config) { c.MaxRetries, c.MaxRetryWait = 3, time.Second })
	if err := e.fake.AddFault(saltokstest.Fault{Status: 429, RetryAfter: time.Minute, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if wait, ok := saltoks.IsRateLimited(func() error { _, err := e.client.ListSites(ctx(t)); return err }()); !ok || wait != time.Minute {
		t.Errorf("want the 429 with its Retry-After, got %v %v", wait, ok)
	}
}

func TestGivingUpDuringARetryWaitReturnsTheError(t *testing.T) {
	e := newEnv(t, func(c *saltoks.Config) { c.MaxRetries = 1 })
	if err := e.fake.AddFault(saltokstest.Fault{Status: 429, RetryAfter: 5 * time.Second, Times: 1}); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.client.ListSites(cctx)
	if _, limited := saltoks.IsRateLimited(err); !limited || time.Since(start) > 2*time.Second {
		t.Errorf("err %v after %v, want the 429 as soon as the context ends", err, time.Since(start))
	}
}

func TestRetriesOn5xxSkipPOST(t *testing.T) {
	e := newEnv(t, func(c *saltoks.Config) { c.MaxRetries = 3 })
	if err := e.fake.AddFault(saltokstest.Fault{Status: 503, Times: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ListSites(ctx(t)); err != nil {
		t.Fatalf("GET after two 503s: %v", err)
	}
	if n := e.fake.Requests()["GET /v1.2/sites"]; n != 3 {
		t.Errorf("%d GET attempts, want 3", n)
	}

	u := e.newUser(t, london, "once@example.com")
	if err := e.fake.AddFault(saltokstest.Fault{Method: "POST", Status: 502, Times: 1}); err != nil {
		t.Fatal(err)
	}
	err := e.client.AddGroupMember(ctx(t), london, londonMembers, u.UserID)
	if !saltoks.IsRetryable(err) {
		t.Errorf("POST after a 502: %v, want the retryable error returned", err)
	}
	if n := e.fake.Requests()["POST /v1.2/sites/{site_id}/access_groups/{group_id}/users"]; n != 1 {
		t.Errorf("%d POST attempts, want 1 (no blind retry of a POST on 5xx)", n)
	}
}

func TestLatency(t *testing.T) {
	e := newEnv(t, func(c *saltoks.Config) { c.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond} })
	if err := e.fake.AddFault(saltokstest.Fault{RoutePattern: "/v1.2/sites", Latency: 50 * time.Millisecond, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ListSites(ctx(t)); err != nil {
		t.Errorf("latency within the timeout: %v", err)
	}
	if err := e.fake.AddFault(saltokstest.Fault{RoutePattern: "/v1.2/sites", Latency: time.Second, Times: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.ListSites(ctx(t))
	if !saltoks.IsRetryable(err) {
		t.Errorf("client timeout: %v, want a retryable transport error", err)
	}

	if err := e.fake.AddFault(saltokstest.Fault{RoutePattern: "/v1.2/sites", Latency: time.Second, Times: 1}); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := e.client.ListSites(cctx); !errors.Is(err, context.Canceled) || saltoks.IsRetryable(err) {
		t.Errorf("cancelled call: %v, want context.Canceled and not retryable", err)
	}
}

func TestTransportFailureIsRetryable(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.client.Token()
	e.fake.Close()
	_, err := saltoks.New(e.cfg, tok).ListSites(ctx(t))
	if !saltoks.IsRetryable(err) || !strings.Contains(err.Error(), "GET /v1.2/sites") {
		t.Errorf("err %v, want a retryable transport error naming the call", err)
	}
	assertNoSecrets(t, err, tok.AccessToken, tok.RefreshToken, demoSecret)
}

// stub serves fixed bodies, for shapes the fake does not produce.
func stub(t *testing.T, handler http.HandlerFunc) *saltoks.Client {
	t.Helper()
	hs := httptest.NewServer(handler)
	t.Cleanup(hs.Close)
	cfg := saltoks.Config{IdentityURL: hs.URL, APIURL: hs.URL}
	return saltoks.New(cfg, validToken())
}

func TestBareArrayListsAreAccepted(t *testing.T) {
	c := stub(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"id":"a","customer_reference":"A","time_zone":"UTC"},{"id":"b","customer_reference":"B"}]`)
	})
	sites, err := c.ListSites(ctx(t))
	if err != nil || len(sites) != 2 || sites[0].Name != "A" {
		t.Errorf("ListSites over a bare array: %+v %v", sites, err)
	}
}

func TestNumericErrorCode(t *testing.T) {
	c := stub(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"ErrorCode":3102,"Message":"otp_invalid"}`)
	})
	_, err := c.ListSites(ctx(t))
	var se *saltoks.Error
	if !errors.As(err, &se) || se.Code != "3102" || se.Message != "otp_invalid" {
		t.Errorf("err %+v, want ErrorCode 3102", err)
	}
}

func TestRetryAfterAsHTTPDate(t *testing.T) {
	c := stub(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusTooManyRequests)
	})
	_, err := c.ListSites(ctx(t))
	if wait, ok := saltoks.IsRateLimited(err); !ok || wait < 80*time.Second || wait > 91*time.Second {
		t.Errorf("Retry-After date: %v %v", wait, ok)
	}
}

func TestNextPageLinkMustStayOnTheAPIHost(t *testing.T) {
	var hits int
	c := stub(t, func(w http.ResponseWriter, r *http.Request) {
		hits++
		fmt.Fprint(w, `{"items":[{"id":"a"}],"next_page_link":"https://evil.example.com/v1.2/sites?$skip=1"}`)
	})
	if _, err := c.ListSites(ctx(t)); err == nil || !strings.Contains(err.Error(), "evil.example.com") {
		t.Errorf("err %v, want the foreign link refused", err)
	}
	if hits != 1 {
		t.Errorf("%d requests", hits)
	}
}

func TestInvalidAPIURL(t *testing.T) {
	c := saltoks.New(saltoks.Config{APIURL: "::not a url"}, validToken())
	if _, err := c.ListSites(ctx(t)); err == nil {
		t.Error("ListSites with a broken APIURL succeeded")
	}
}

func TestIsRefused(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"400 1101", &saltoks.Error{Status: 400, Code: "1101"}, true},
		{"403 2203", &saltoks.Error{Status: 403, Code: "2203"}, true},
		{"409", &saltoks.Error{Status: 409}, true},
		{"422", &saltoks.Error{Status: 422}, true},
		{"wrapped 403", fmt.Errorf("add m1: %w", &saltoks.Error{Status: 403}), true},
		{"401", &saltoks.Error{Status: 401}, false},
		{"404 2202", &saltoks.Error{Status: 404, Code: "2202"}, false},
		{"408", &saltoks.Error{Status: 408}, false},
		{"429", &saltoks.Error{Status: 429}, false},
		{"500", &saltoks.Error{Status: 500}, false},
		{"503", &saltoks.Error{Status: 503}, false},
		{"auth", &saltoks.AuthError{Op: "refresh", Code: "invalid_grant"}, false},
		{"suspended", &saltoks.SuspendedError{SiteID: london, State: "suspended"}, false},
		{"other", errors.New("dial tcp: connection refused"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := saltoks.IsRefused(tt.err); got != tt.want {
			t.Errorf("IsRefused(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRefusalsFromTheServerAreRefused(t *testing.T) {
	e := newEnv(t, nil)
	for _, status := range []int{400, 403, 422} {
		if err := e.fake.AddFault(saltokstest.Fault{RoutePattern: "/v1.2/sites/{site_id}/locks", Status: status, ErrorCode: "1101", Times: 1}); err != nil {
			t.Fatal(err)
		}
		_, err := e.client.ListLocks(ctx(t), london)
		if !saltoks.IsRefused(err) || saltoks.IsRetryable(err) {
			t.Errorf("%d: %v: refused %v, retryable %v; want refused, not retryable", status, err, saltoks.IsRefused(err), saltoks.IsRetryable(err))
		}
	}
}

func TestRemoteMessagesAreBoundedAndPrintable(t *testing.T) {
	long := "first line\r\n\x00\x1b[31m" + strings.Repeat("é", 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"ErrorCode": strings.Repeat("9", 300), "Message": long})
	}))
	t.Cleanup(srv.Close)
	_, err := saltoks.New(saltoks.Config{APIURL: srv.URL}, validToken()).ListSites(ctx(t))
	var e *saltoks.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if n := len([]rune(e.Message)); n > saltoks.MaxMessageLen+1 {
		t.Errorf("Message has %d characters", n)
	}
	if len(e.Code) > 41*3 {
		t.Errorf("Code has %d bytes", len(e.Code))
	}
	for _, r := range e.Message + e.Code {
		if r < ' ' || r == 0x7f {
			t.Fatalf("a control character %q was kept: %q", r, e.Message)
		}
	}
	if !strings.HasPrefix(e.Message, "first line [31m") {
		t.Errorf("Message = %.40q", e.Message)
	}
}

func TestRetryAfterIsCappedAtFiveMinutes(t *testing.T) {
	for _, header := range []string{"3600", "1e300", time.Now().Add(7 * 24 * time.Hour).UTC().Format(http.TimeFormat)} {
		c := stub(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", header)
			w.WriteHeader(http.StatusTooManyRequests)
		})
		_, err := c.ListSites(ctx(t))
		if wait, ok := saltoks.IsRateLimited(err); !ok || wait != 5*time.Minute {
			t.Errorf("Retry-After %q: waits %v (%v), want 5m", header, wait, ok)
		}
	}
}
