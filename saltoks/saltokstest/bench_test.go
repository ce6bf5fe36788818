package saltokstest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"doorsync/saltoks/saltokstest"
)

// BenchmarkLargeSite sizes the fake for a reconciliation of 10,000 users
// across 200 groups: one iteration pages through every group's members
// (100 a page) and looks 200 users up by e-mail, over HTTP.
func BenchmarkLargeSite(b *testing.B) {
	s := saltokstest.NewServer()
	b.Cleanup(s.Close)
	if err := s.SeedJSON(saltokstest.DemoSeed); err != nil {
		b.Fatal(err)
	}
	groups := make([]string, 200)
	for i := range groups {
		id, err := s.CreateAccessGroupDirect(london, fmt.Sprintf("Group %d", i))
		if err != nil {
			b.Fatal(err)
		}
		groups[i] = id
	}
	for i := range 10_000 {
		u, err := s.CreateUserDirect(london, saltokstest.SeedUser{Email: fmt.Sprintf("u%d@example.com", i), FirstName: "U"})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.AddGroupMemberDirect(london, groups[i%len(groups)], u.UserID); err != nil {
			b.Fatal(err)
		}
	}
	token := login(b, s)
	get := func(rawURL string) map[string]any {
		req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var m map[string]any
		if resp.StatusCode != 200 || json.Unmarshal(body, &m) != nil {
			b.Fatalf("%s: %d %s", rawURL, resp.StatusCode, body)
		}
		return m
	}
	requests := 0
	for b.Loop() {
		members := 0
		for _, g := range groups {
			for link := api(s, "/sites/"+london+"/access_groups/"+g+"/users"); link != ""; requests++ {
				page := get(link)
				members += len(page["items"].([]any))
				link, _ = page["next_page_link"].(string)
			}
		}
		for i := 0; i < 10_000; i += 50 {
			filter := url.QueryEscape(fmt.Sprintf("user/email eq 'u%d@example.com'", i))
			if n := len(get(api(s, "/sites/"+london+"/users?$filter="+filter))["items"].([]any)); n != 1 {
				b.Fatalf("lookup found %d users", n)
			}
			requests++
		}
		if members != 10_000 {
			b.Fatalf("%d members listed, want 10000", members)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(requests), "µs/request")
}
