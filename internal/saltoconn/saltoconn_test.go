package saltoconn_test

import (
	"context"
	"errors"
	"testing"

	"doorsync/internal/saltoconn"
	"doorsync/internal/testenv"
	"doorsync/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestClientIsCachedUntilTheConnectionChanges(t *testing.T) {
	ctx := context.Background()
	st, _ := testenv.NewStore(t)
	fake := demoFake(t)
	box := newBox(t)
	m := saltoconn.New(saltoconn.Options{Store: st, Secrets: box, Egress: allowFake(fake)})
	if _, _, err := st.PutOrg(ctx, store.Org{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}

	if _, err := m.Client(ctx, "acme"); !errors.Is(err, saltoconn.ErrNotConnected) {
		t.Fatalf("Client before connecting: %v, want ErrNotConnected", err)
	}
	conn := saltoconn.PasswordConnection{ClientID: "doorsync", ClientSecret: "secret",
		Username: "integration@example.com", Password: "pw", IdentityURL: fake.URL, APIURL: fake.URL}
	if n, err := m.ConnectPassword(ctx, "acme", conn); err != nil || n != 2 {
		t.Fatalf("ConnectPassword = %d, %v", n, err)
	}
	c1, err := m.Client(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if c2, _ := m.Client(ctx, "acme"); c2 != c1 {
		t.Error("a second Client call built a new client; want the cached one")
	}
	if _, err := m.ConnectPassword(ctx, "acme", conn); err != nil {
		t.Fatal(err)
	}
	c3, err := m.Client(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if c3 == c1 {
		t.Error("the connection changed but the cached client was kept")
	}
	if _, err := c3.ListSites(ctx); err != nil {
		t.Errorf("rebuilt client does not work: %v", err)
	}
}
