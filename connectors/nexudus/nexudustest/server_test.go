package nexudustest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"doorsync/connectors/nexudus/nexudustest"
)

func TestTokenIsFormOnly(t *testing.T) {
	f := nexudustest.NewServer()
	defer f.Close()
	f.AddUser("a@example.com", "pw")
	f.SetLimits(nexudustest.Limits{}) // the documented 1 request per 100 ms would refuse back-to-back calls
	resp, err := http.Post(f.URL+"/api/token", "application/json", strings.NewReader(`{"grant_type":"password"}`))
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != 400 || e["error"] != "unsupported_grant_type" {
		t.Fatalf("JSON grant: %d %v", resp.StatusCode, e)
	}
	resp, err = http.PostForm(f.URL+"/api/token", url.Values{"grant_type": {"password"}, "username": {"a@example.com"}, "password": {"pw"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if tok["expires_in"] != float64(604799) || tok["refresh_token"] == "" {
		t.Fatalf("token %v", tok)
	}
}

// Lists omit collections, single GETs carry them; filters and the
// envelope follow the record.
func TestListShapeAndFilters(t *testing.T) {
	f := nexudustest.NewServer()
	defer f.Close()
	f.AddUser("a@example.com", "pw")
	f.SetLimits(nexudustest.Limits{}) // the documented 1 request per 100 ms would refuse back-to-back calls
	cw := f.Put(nexudustest.Coworkers, nexudustest.M{"Email": "x@example.com"})
	f.Put(nexudustest.Coworkers, nexudustest.M{"Email": "y@example.com"})
	f.Put(nexudustest.Teams, nexudustest.M{"Name": "T", "TeamMembers": []int{cw}})
	get := func(path string) any {
		req, _ := http.NewRequest("GET", f.URL+path, nil)
		req.SetBasicAuth("a@example.com", "pw")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v any
		_ = json.NewDecoder(resp.Body).Decode(&v)
		return v
	}
	env := get("/api/spaces/teams?page=1&size=1").(map[string]any)
	if _, ok := env["Records"].([]any)[0].(map[string]any)["TeamMembers"]; ok || env["HasNextPage"] != false {
		t.Errorf("list envelope %v", env)
	}
	env = get("/api/spaces/coworkers?Coworker_Email=y@example.com&from_Coworker_UpdatedOn=2000-01-01T00:00").(map[string]any)
	if env["TotalItems"] != float64(1) {
		t.Errorf("filtered %v", env)
	}
	one := get("/api/spaces/coworkers/" + strconv.Itoa(cw)).(map[string]any)
	if teams := one["Teams"].([]any); len(teams) != 1 {
		t.Errorf("single GET teams %v", one["Teams"])
	}
}

// The demo seed loads and reads back through the lists.
func TestDemoSeedLoads(t *testing.T) {
	f := nexudustest.NewServer()
	defer f.Close()
	if err := f.LoadFile(""); err != nil {
		t.Fatal(err)
	}
	if n := f.Count(nexudustest.Coworkers); n != 3 {
		t.Fatalf("%d coworkers, want 3", n)
	}
	if got := f.Get(nexudustest.Coworkers, 701)["Teams"].([]any); len(got) != 1 {
		t.Errorf("Ada's teams %v", got)
	}
	next := f.Put(nexudustest.Coworkers, nexudustest.M{"Email": "new@demo.example"})
	if next <= 1201 {
		t.Errorf("a new record got id %d, below the seed's", next)
	}
}
