package activities_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"doorsync/access"
	"doorsync/activities"
	"doorsync/connectors/nexudus"
	"doorsync/connectors/nexudus/nexudustest"
	"doorsync/contract"
	"doorsync/internal/entity"
	"doorsync/internal/guestkey"
	"doorsync/internal/testenv"
	"doorsync/internal/write"
	"doorsync/store"
	"doorsync/worker"
)

// The sync with the real pieces: the Nexudus connector against the fake
// Nexudus (its demo space), the API's writer and the store's sync state.
// A backfill writes the space with its sources; a coworker removed from
// the platform is deleted by the next full run.
func TestPlatformSyncWithNexudus(t *testing.T) {
	ctx := context.Background()
	fake := nexudustest.NewServer()
	t.Cleanup(fake.Close)
	if err := fake.LoadFile("../connectors/nexudus/nexudustest/testdata/demo-seed.json"); err != nil {
		t.Fatal(err)
	}
	fake.SetLimits(nexudustest.Limits{})
	st, _ := testenv.NewStore(t)
	if _, _, err := st.PutOrg(ctx, store.Org{ID: org, Name: "Acme", Settings: store.OrgSettings{TimeZone: "Europe/London",
		ReconcileInterval: 15 * time.Minute, RemovalGuard: store.RemovalGuard{MaxFraction: 0.5, MinCount: 3}, NoAccessPolicy: "keep"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutPlatformConnection(ctx, store.PlatformConnection{OrgID: org, Platform: "nexudus", ConfigEnc: "sealed"}); err != nil {
		t.Fatal(err)
	}
	conn := nexudus.New(nexudus.Config{Username: "doorsync@demo.example", Password: "demo", BaseURL: fake.URL})
	acts := &activities.Activities{Store: st, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		Guests: guestkey.New([]byte("test guest key")),
		Platform: &activities.PlatformSync{Platforms: fakePlatforms{conn}, Writer: &write.Writer{Store: st}, States: st,
			Refused: func(err error) bool { var inv *entity.Invalid; return errors.As(err, &inv) }}}
	c, queue := testenv.Temporal(t).Client(t), testenv.TaskQueue(t)
	testenv.StartWorker(t, c, queue, func(r sdkworker.Registry) { worker.Register(r, acts) })
	run := func() contract.PlatformSyncResult {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		wr, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "platform-sync-nexudus:" + testenv.UniqueName(), TaskQueue: queue},
			contract.PlatformSyncWorkflow, contract.PlatformSyncInput{OrgID: org, Full: true, Trigger: contract.PlatformTriggerManual})
		if err != nil {
			t.Fatal(err)
		}
		var res contract.PlatformSyncResult
		if err := wr.Get(ctx, &res); err != nil {
			t.Fatal(err)
		}
		return res
	}

	res := run()
	if res.Failed != 0 || res.Written == 0 || len(res.Held) != 0 {
		t.Fatalf("backfill: %+v", res)
	}
	members, _ := st.CountPlatformEntities(ctx, org, "nexudus", access.KindMember)
	if members != 3 {
		t.Fatalf("members from nexudus: %d, want the demo's 3", members)
	}
	sync, err := st.PlatformSyncState(ctx, org)
	if err != nil || sync.LastSyncAt == nil || sync.LastError != "" || sync.Counts["member"] != 3 {
		t.Fatalf("sync state: %+v, %v", sync, err)
	}

	fake.Remove(nexudustest.Coworkers, 703)
	res = run()
	if res.Deleted == 0 || len(res.Held) != 0 {
		t.Fatalf("after a coworker left: %+v", res)
	}
	if n, _ := st.CountPlatformEntities(ctx, org, "nexudus", access.KindMember); n != 2 {
		t.Fatalf("members from nexudus after one left: %d, want 2", n)
	}
}
