package saltoconn_test

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"doorsync/internal/egress"
	"doorsync/internal/saltoconn"
	"doorsync/internal/secrets"
	"doorsync/internal/testenv"
	"doorsync/saltoks/saltokstest"
	"doorsync/store"
)

// TestManagersOnSeparatePoolsShareOneToken stands for two processes: two
// Managers, each with its own Postgres pool, use one authorization-code
// connection while the identity server issues 1-s access tokens and
// refresh tokens that work once. Each renewal must reach the other
// Manager through the store; a Manager renewing on its own would spend the
// refresh token the other holds (invalid_grant).
func TestManagersOnSeparatePoolsShareOneToken(t *testing.T) {
	ctx := context.Background()
	st, dbURL := testenv.NewStore(t)
	fake := demoFake(t, saltokstest.WithTokenTTL(time.Second))
	box := newBox(t)
	partner := saltoconn.PartnerClient{ClientID: "doorsync", ClientSecret: "secret", IdentityURL: fake.URL, APIURL: fake.URL}
	if _, _, err := st.PutOrg(ctx, store.Org{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	first := saltoconn.New(saltoconn.Options{Store: st, Secrets: box, Partner: partner, Egress: allowFake(fake)})
	connectWithCode(t, first, fake, "acme")

	other, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	second := saltoconn.New(saltoconn.Options{Store: other, Secrets: box, Partner: partner, Egress: allowFake(fake)})

	const perManager, goroutines, minRefreshes = 300, 4, 4
	fake.ResetRequests()
	var wg sync.WaitGroup
	errs := make(chan error, 2*goroutines)
	for _, m := range []*saltoconn.Manager{first, second} {
		for range goroutines {
			wg.Go(func() {
				// Each goroutine makes its share of the calls, and goes on
				// until the token has been renewed several times.
				for i := 0; i < perManager/goroutines || fake.Requests()["POST /connect/token"] < minRefreshes; i++ {
					c, err := m.Client(ctx, "acme")
					if err == nil {
						_, err = c.ListSites(ctx)
					}
					if err != nil {
						errs <- err
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, _ := first.Status(ctx, "acme"); !got.Connected || got.LastError != "" {
		t.Errorf("status after the calls = %+v", got)
	}
}

func newBox(t *testing.T) *secrets.Box {
	t.Helper()
	key, err := secrets.ParseKey(secrets.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// connectWithCode runs the authorization-code flow for org: the fake's
// identity server approves at once.
func connectWithCode(t *testing.T, m *saltoconn.Manager, fake *saltokstest.Server, org string) {
	t.Helper()
	ctx := context.Background()
	target, err := m.AuthorizeURL(ctx, org, "http://127.0.0.1/callback", false)
	if err != nil {
		t.Fatal(err)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(target.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Query().Get("code") == "" {
		t.Fatalf("the identity server answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, _, err := m.CompleteAuthorization(ctx, back.Query().Get("code"), back.Query().Get("state"), target.Nonce); err != nil {
		t.Fatal(err)
	}
}

// demoFake is a fake Salto KS seeded with the demo seed, closed with the
// test.
func demoFake(t *testing.T, opts ...saltokstest.Option) *saltokstest.Server {
	t.Helper()
	fake := saltokstest.NewServer(opts...)
	t.Cleanup(fake.Close)
	if err := fake.SeedJSON(saltokstest.DemoSeed); err != nil {
		t.Fatal(err)
	}
	return fake
}

// allowFake is an allow-list naming the fake alone.
func allowFake(fake *saltokstest.Server) *egress.Policy {
	return egress.MustParse("test", []string{fake.URL})
}
