package saltoconn_test

import (
	"context"
	"testing"
	"time"

	"doorsync/internal/saltoconn"
	"doorsync/internal/testenv"
	"doorsync/saltoks/saltokstest"
	"doorsync/store"
)

// rateEnv is an org connected to the fake through a Manager whose
// deployment default is opts' rate.
type rateEnv struct {
	st   *store.Store
	fake *saltokstest.Server
	m    *saltoconn.Manager
}

func newRateEnv(t *testing.T, perSecond float64, burst int, org *store.RateLimit) *rateEnv {
	t.Helper()
	ctx := context.Background()
	st, _ := testenv.NewStore(t)
	fake := demoFake(t)
	box := newBox(t)
	m := saltoconn.New(saltoconn.Options{Store: st, Secrets: box, Egress: allowFake(fake),
		RequestsPerSecond: perSecond, Burst: burst})
	e := &rateEnv{st: st, fake: fake, m: m}
	e.setLimit(t, org)
	conn := saltoconn.PasswordConnection{ClientID: "doorsync", ClientSecret: "secret",
		Username: "integration@example.com", Password: "pw", IdentityURL: fake.URL, APIURL: fake.URL}
	if _, err := m.ConnectPassword(ctx, "acme", conn); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *rateEnv) setLimit(t *testing.T, l *store.RateLimit) {
	t.Helper()
	if _, _, err := e.st.PutOrg(context.Background(), store.Org{ID: "acme", Name: "Acme", Settings: store.OrgSettings{SaltoRateLimit: l}}); err != nil {
		t.Fatal(err)
	}
}

// calls makes n calls through the org's client, then one more under a
// 2-s deadline, and returns whether that one went through and how many
// calls the fake saw in all.
func (e *rateEnv) calls(t *testing.T, n int) (extra bool, seen int) {
	t.Helper()
	ctx := context.Background()
	e.fake.ResetRequests()
	for i := range n {
		c, err := e.m.Client(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListSites(ctx); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	c, err := e.m.Client(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err = c.ListSites(short)
	for k, v := range e.fake.Requests() {
		if k != "POST /connect/token" {
			seen += v
		}
	}
	return err == nil, seen
}

// TestOrgRateLimitSettingPacesItsClient: an org's salto_rate_limit of
// 0.1/s with a burst of 3 lets 3 calls through at once and holds the
// fourth (its token is 10 s away: refused at once under a 2-s deadline);
// a new setting applies to the next call.
func TestOrgRateLimitSettingPacesItsClient(t *testing.T) {
	e := newRateEnv(t, 0, 0, &store.RateLimit{PerSecond: 0.1, Burst: 3})
	if extra, seen := e.calls(t, 3); extra || seen != 3 {
		t.Fatalf("after a burst of 3 at 0.1/s: a fourth call went through = %v, the fake saw %d calls, want false and 3", extra, seen)
	}
	e.setLimit(t, &store.RateLimit{PerSecond: 1000, Burst: 5})
	if extra, seen := e.calls(t, 4); !extra || seen != 5 {
		t.Fatalf("at 1000/s with a burst of 5: a fifth call went through = %v, the fake saw %d calls, want true and 5", extra, seen)
	}
}

// TestDeploymentRateLimitIsTheDefault: an org without the setting gets the
// Manager's rate and burst.
func TestDeploymentRateLimitIsTheDefault(t *testing.T) {
	e := newRateEnv(t, 0.1, 2, nil)
	// ConnectPassword's verifying call went through another client.
	if extra, seen := e.calls(t, 2); extra || seen != 2 {
		t.Fatalf("after a burst of 2 at 0.1/s: a third call went through = %v, the fake saw %d calls, want false and 2", extra, seen)
	}
}
