package officernd_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"doorsync/access"
	"doorsync/api"
	"doorsync/connectors"
	"doorsync/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const adminToken = "admin-token-for-officernd-tests"

// kindPaths are the API paths of the kinds a connector yields.
var kindPaths = map[access.Kind]string{
	access.KindLocation: "locations", access.KindFloor: "floors", access.KindResource: "resources",
	access.KindPlan: "plans", access.KindTeam: "teams", access.KindMember: "members",
	access.KindMembership: "memberships", access.KindBooking: "bookings", access.KindDayPass: "day-passes",
}

// Every record of the demo space is a body doorsync's API takes as it is
// (unknown fields are a 400 there), and a second write of the same record
// is a repeat, not a conflict.
func TestTheAPITakesEveryRecord(t *testing.T) {
	st, _ := testenv.NewStore(t)
	srv := httptest.NewServer(api.NewHandler(api.Deps{Logger: slog.New(slog.DiscardHandler), Store: st, AdminToken: adminToken}))
	t.Cleanup(srv.Close)
	put := func(path string, body []byte) (int, string) {
		req, _ := http.NewRequest(http.MethodPut, srv.URL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+adminToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, b := put("/v1/orgs/acme", []byte(`{"name":"Acme","time_zone":"Europe/London"}`)); status >= 300 {
		t.Fatalf("org: %d %s", status, b)
	}
	f := newFake(t)
	f.SeedDemo()
	c := newClient(f)
	for _, s := range c.Streams() {
		page, _ := readStream(t, c, s.Name, nil)
		for _, r := range page.Records {
			path := "/v1/orgs/acme/" + kindPaths[r.Kind] + "/" + r.ID
			b := withSite(t, r)
			for round, want := range []int{http.StatusCreated, http.StatusOK} {
				if status, ans := put(path, b); status != want {
					t.Errorf("PUT %s (write %d) = %d %s\nbody %s", path, round+1, status, ans, b)
				}
			}
		}
	}
}

// withSite adds the operator's salto_site_id to a location, which the API
// requires of a PUT today (a platform write keeps the stored one instead).
func withSite(t *testing.T, r connectors.Record) []byte {
	if r.Kind != access.KindLocation {
		return r.Body
	}
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatal(err)
	}
	m["salto_site_id"] = "site-1"
	b, _ := json.Marshal(m)
	return b
}
