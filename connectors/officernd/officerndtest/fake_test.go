package officerndtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"doorsync/connectors/officernd/officerndtest"
)

// call is one raw request to the fake.
type call struct {
	t     *testing.T
	f     *officerndtest.Server
	token string
}

func newCall(t *testing.T) (*officerndtest.Server, *call) {
	f := officerndtest.NewServer()
	t.Cleanup(f.Close)
	c := &call{t: t, f: f}
	status, body := c.tokenRequest(officerndtest.DefaultClientID, officerndtest.DefaultClientSecret)
	if status != http.StatusOK {
		t.Fatalf("token: %d %s", status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	_ = json.Unmarshal(body, &tok)
	if tok.ExpiresIn != 3599 || tok.TokenType != "Bearer" {
		t.Errorf("token answer %s", body)
	}
	c.token = tok.AccessToken
	return f, c
}

func (c *call) tokenRequest(id, secret string) (int, []byte) {
	resp, err := http.PostForm(c.f.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {id}, "client_secret": {secret}, "scope": {"flex.community.members.read"}})
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c *call) get(path string) (int, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.f.URL+"/api/v2/organizations/"+c.f.Slug()+path, nil)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func seed(f *officerndtest.Server, n int) {
	for range n {
		f.AddMember(officerndtest.Member{Name: "M", Email: "m@example.com", Status: "active"})
	}
}

func TestListsPageAsObserved(t *testing.T) {
	f, c := newCall(t)
	seed(f, 75)
	status, first := c.get("/members")
	if status != 200 || len(first["results"].([]any)) != 50 || first["rangeStart"] != 1.0 || first["rangeEnd"] != 50.0 {
		t.Fatalf("first page: %d %v", status, first["rangeEnd"])
	}
	if _, ok := first["cursorPrev"]; ok {
		t.Error("cursorPrev present on the first page")
	}
	status, last := c.get("/members?$cursorNext=" + first["cursorNext"].(string))
	if status != 200 || len(last["results"].([]any)) != 25 || last["rangeStart"] != 51.0 {
		t.Fatalf("last page: %d %v", status, last["rangeStart"])
	}
	if _, ok := last["cursorNext"]; ok {
		t.Error("cursorNext present on the last page")
	}
	if _, ans := c.get("/members?$limit=0"); len(ans["results"].([]any)) != 20 {
		t.Error("$limit=0 did not answer 20")
	}
	if _, ans := c.get("/plans"); ans["rangeStart"] != 0.0 || ans["rangeEnd"] != 0.0 {
		t.Errorf("empty list range %v-%v, want 0-0", ans["rangeStart"], ans["rangeEnd"])
	}
}

func TestQueriesAreCheckedAsObserved(t *testing.T) {
	f, c := newCall(t)
	seed(f, 3)
	for path, want := range map[string]struct {
		status  int
		message string
	}{
		"/members?$limit=51":      {400, "$limit must not be greater than 50"},
		"/members?$limit=abc":     {400, "$limit must be a number conforming to the specified constraints"},
		"/members?unknownParam=1": {400, "property unknownParam should not exist"},
		"/memberships?modifiedAt[$gte]=2026-01-01T00:00:00.000Z": {400, "property modifiedAt should not exist"},
		"/memberships?$sort=%7B%7D":                              {400, "property $sort should not exist"},
		"/members?$cursorNext=garbage!":                          {500, ""},
		"/members?$cursorNext=eyJvIjoxfQ&$cursorPrev=eyJvIjoxfQ": {504, ""},
		"/members/not-an-object-id":                              {404, ""},
		"/members?modifiedAt[$gte]=2026-01-01T00:00:00.000Z":     {200, ""},
		"/members?status[$in]=active,pending":                    {200, ""},
		"/assignments?membership[$in]=a,b":                       {200, ""},
	} {
		status, body := c.get(path)
		if status != want.status || (want.message != "" && body["message"] != want.message) {
			t.Errorf("%s: %d %v, want %d %q", path, status, body["message"], want.status, want.message)
		}
	}
	f.SetMembershipsRefuseModifiedAt(false)
	f.SetUndocumentedIn(false)
	if status, _ := c.get("/memberships?modifiedAt[$gte]=2026-01-01T00:00:00.000Z"); status != 200 {
		t.Errorf("memberships modifiedAt with the switch off: %d", status)
	}
	if status, _ := c.get("/assignments?membership[$in]=a,b"); status != 400 {
		t.Errorf("undocumented $in with the switch off: %d", status)
	}
}

func TestAuthAsDocumented(t *testing.T) {
	f, c := newCall(t)
	c.token = "bad"
	status, body := c.get("/members")
	if status != 401 || body["message"] != "Unauthorized access" || body["error"] != "Unauthorized" || body["statusCode"] != 401.0 {
		t.Errorf("bad token: %d %v", status, body)
	}
	if status, _ := c.tokenRequest("x", "y"); status != 401 {
		t.Errorf("wrong client: %d", status)
	}
	for range 3 {
		c.tokenRequest(officerndtest.DefaultClientID, officerndtest.DefaultClientSecret)
	}
	// 5 so far (one at setup, one refused, three): the sixth is over.
	status, b := c.tokenRequest(officerndtest.DefaultClientID, officerndtest.DefaultClientSecret)
	if status != 429 || !strings.Contains(string(b), "Too many requests, please try again later") {
		t.Errorf("sixth token request in a minute: %d %s", status, b)
	}
	if f.Calls("POST /oauth/token") != 6 {
		t.Errorf("token calls counted %d", f.Calls("POST /oauth/token"))
	}
}

func TestSeedTimesAndSelection(t *testing.T) {
	f, c := newCall(t)
	id := f.AddMember(officerndtest.Member{Name: "Ada", Status: "active"})
	loc := f.AddLocation(officerndtest.Location{Name: "Soho"})
	_, m := c.get("/members/" + id)
	if _, err := time.Parse(officerndtest.TimeFormat, m["modifiedAt"].(string)); err != nil {
		t.Errorf("member modifiedAt %v: %v", m["modifiedAt"], err)
	}
	if _, l := c.get("/locations/" + loc); l["modifiedAt"] != nil {
		t.Errorf("a location carries modifiedAt %v; the record lists none", l["modifiedAt"])
	}
	before := m["modifiedAt"].(string)
	_ = officerndtest.Update(f, officerndtest.Members, id, func(m *officerndtest.Member) { m.Email = "ada@example.com" })
	if _, m = c.get("/members/" + id); m["modifiedAt"].(string) <= before || m["email"] != "ada@example.com" {
		t.Errorf("update: %v", m)
	}
	if _, sel := c.get("/members?$select=_id,email"); len(sel["results"].([]any)[0].(map[string]any)) != 2 {
		t.Errorf("$select: %v", sel["results"])
	}
}

func TestInjectedFaultsAndRateLimit(t *testing.T) {
	f, c := newCall(t)
	f.FailNext(1, 502)
	if status, _ := c.get("/members"); status != 502 {
		t.Errorf("injected: %d", status)
	}
	f.SetListRateLimit(1, time.Minute)
	c.get("/members")
	req, _ := http.NewRequest(http.MethodGet, f.URL+"/api/v2/organizations/"+f.Slug()+"/members", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("over the list limit: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestControlRoutes(t *testing.T) {
	f, _ := newCall(t)
	do := func(method, path, body string) int {
		req, _ := http.NewRequest(method, f.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := do(http.MethodPost, "/__fake/objects/members", `{"name":"Ada","email":"ada@example.com","status":"active"}`); s != 201 {
		t.Fatalf("add: %d", s)
	}
	if f.Count(officerndtest.Members) != 1 {
		t.Fatal("member not added")
	}
	if s := do(http.MethodPatch, "/__fake/objects/members/nope", `{"status":"former"}`); s != 404 {
		t.Errorf("patch of an unknown id: %d", s)
	}
	if s := do(http.MethodPost, "/__fake/webhooks", `{"url":"http://127.0.0.1:1/","on":false}`); s != 204 {
		t.Errorf("webhooks: %d", s)
	}
}
