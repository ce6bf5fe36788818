package testenv_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"

	"doorsync/internal/searchattr"
	"doorsync/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestDevServerRegistersSearchAttributesAndSurvivesRestart(t *testing.T) {
	srv := testenv.NewDevServer(t)
	c := srv.Client(t)
	ctx := context.Background()
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: srv.Namespace})
	if err != nil {
		t.Fatal(err)
	}
	for _, sa := range searchattr.Names {
		if got := resp.GetCustomAttributes()[sa]; got != enums.INDEXED_VALUE_TYPE_KEYWORD {
			t.Errorf("search attribute %s = %v, want Keyword", sa, got)
		}
	}

	srv.Stop()
	if _, err := c.CheckHealth(ctx, nil); err == nil {
		t.Fatal("server answered health check while stopped")
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("restart: %v", err)
	}
	// The client reconnects with backoff (at most 10 s between attempts).
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := c.CheckHealth(ctx, nil)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("health after restart: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestNewDatabaseIsFreshAndMigrated(t *testing.T) {
	a, b := testenv.NewDatabase(t), testenv.NewDatabase(t)
	if a == b {
		t.Fatalf("two calls returned the same database %s", a)
	}
}
