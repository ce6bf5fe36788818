package saltoks_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"doorsync/saltoks"
	"doorsync/saltoks/saltokstest"
)

// Demo seed ids used by the tests.
const (
	london          = "5a170001-0000-4000-8000-000000000001"
	newYork         = "5a170002-0000-4000-8000-000000000002"
	adaSiteUserID   = "5e0e0001-0001-4000-8000-000000000001"
	adaUserID       = "9a0e0001-0001-4000-8000-000000000001"
	londonMembers   = "6a000001-0001-4000-8000-000000000001"
	londonMeeting   = "6a000001-0001-4000-8000-000000000002"
	londonFrontDoor = "10c40001-0001-4000-8000-000000000001"
	demoSecret      = "secret"
	demoPassword    = "pw"
)

// tokenLog records what OnToken receives.
type tokenLog struct {
	mu     sync.Mutex
	tokens []*oauth2.Token
	fail   error
}

func (l *tokenLog) onToken(_ context.Context, t *oauth2.Token) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return l.fail
	}
	l.tokens = append(l.tokens, t)
	return nil
}

func (l *tokenLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.tokens)
}

func (l *tokenLog) setFail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fail = err
}

// env is a fake seeded with the demo seed and a logged-in client.
type env struct {
	fake   *saltokstest.Server
	cfg    saltoks.Config
	client *saltoks.Client
	tokens *tokenLog
}

// newEnv starts the fake and logs in with the password grant. tweak may
// adjust the config before the client is built.
func newEnv(t testing.TB, tweak func(*saltoks.Config), opts ...saltokstest.Option) *env {
	t.Helper()
	fake := saltokstest.NewServer(opts...)
	t.Cleanup(fake.Close)
	if err := fake.SeedJSON(saltokstest.DemoSeed); err != nil {
		t.Fatalf("seeding: %v", err)
	}
	e := &env{fake: fake, tokens: &tokenLog{}}
	e.cfg = saltoks.Config{
		IdentityURL: fake.URL, APIURL: fake.URL, ClientID: "doorsync", ClientSecret: demoSecret,
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
		OnToken:    e.tokens.onToken,
	}
	if tweak != nil {
		tweak(&e.cfg)
	}
	tok, err := saltoks.PasswordToken(context.Background(), e.cfg, "integration@example.com", demoPassword)
	if err != nil {
		t.Fatalf("PasswordToken: %v", err)
	}
	e.client = saltoks.New(e.cfg, tok)
	return e
}

// newUser creates a platform user on a site directly in the fake.
func (e *env) newUser(t testing.TB, site, email string) saltokstest.SeedUser {
	t.Helper()
	u, err := e.fake.CreateUserDirect(site, saltokstest.SeedUser{Email: email, FirstName: "F", LastName: "L"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// validToken is a token that needs no refresh, for stub servers.
func validToken() *oauth2.Token {
	return &oauth2.Token{AccessToken: "stub", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}
}
