package activities_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"doorsync/access"
	"doorsync/activities"
	"doorsync/connectors"
	"doorsync/connectors/nexudus"
	"doorsync/connectors/nexudus/nexudustest"
	"doorsync/connectors/officernd"
	"doorsync/connectors/officernd/officerndtest"
	"doorsync/contract"
	"doorsync/internal/entity"
	"doorsync/internal/guestkey"
	"doorsync/internal/testenv"
	"doorsync/internal/write"
	"doorsync/store"
	"doorsync/worker"
)

// realSync runs the sync with the real pieces but the platform: conn (a
// real connector against a platform fake), the API's writer and the
// store's sync state, on a fresh database and the dev server.
type realSync struct {
	t        *testing.T
	ctx      context.Context
	st       *store.Store
	platform string
	temporal client.Client
	queue    string
}

func newRealSync(t *testing.T, conn connectors.Connector) *realSync {
	t.Helper()
	ctx := context.Background()
	st, _ := testenv.NewStore(t)
	if _, _, err := st.PutOrg(ctx, store.Org{ID: org, Name: "Acme", Settings: store.OrgSettings{TimeZone: "Europe/London",
		ReconcileInterval: 15 * time.Minute, RemovalGuard: store.RemovalGuard{MaxFraction: 0.5, MinCount: 3}, NoAccessPolicy: "keep"}}); err != nil {
		t.Fatal(err)
	}
	platform := string(conn.Platform())
	if err := st.PutPlatformConnection(ctx, store.PlatformConnection{OrgID: org, Platform: platform, ConfigEnc: "sealed"}); err != nil {
		t.Fatal(err)
	}
	acts := &activities.Activities{Store: st, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		Guests: guestkey.New([]byte("test guest key")),
		Platform: &activities.PlatformSync{Platforms: fakePlatforms{conn}, Writer: &write.Writer{Store: st}, States: st,
			Refused: entity.IsInvalid}}
	r := &realSync{t: t, ctx: ctx, st: st, platform: platform, temporal: testenv.Temporal(t).Client(t), queue: testenv.TaskQueue(t)}
	testenv.StartWorker(t, r.temporal, r.queue, func(reg sdkworker.Registry) { worker.Register(reg, acts) })
	return r
}

func (r *realSync) run(in contract.PlatformSyncInput) contract.PlatformSyncResult {
	r.t.Helper()
	in.OrgID = org
	ctx, cancel := context.WithTimeout(r.ctx, time.Minute)
	defer cancel()
	wr, err := r.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "platform-sync-real:" + testenv.UniqueName(), TaskQueue: r.queue},
		contract.PlatformSyncWorkflow, in)
	if err != nil {
		r.t.Fatal(err)
	}
	var res contract.PlatformSyncResult
	if err := wr.Get(ctx, &res); err != nil {
		r.t.Fatal(err)
	}
	return res
}

func (r *realSync) full() contract.PlatformSyncResult {
	return r.run(contract.PlatformSyncInput{Full: true, Trigger: contract.PlatformTriggerManual})
}

func (r *realSync) count(kind access.Kind) int {
	r.t.Helper()
	n, err := r.st.CountPlatformEntities(r.ctx, org, r.platform, kind)
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

func (r *realSync) state() store.PlatformSync {
	r.t.Helper()
	s, err := r.st.PlatformSyncState(r.ctx, org)
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

// Nexudus' demo space backfills with its sources and counts; a coworker
// removed from the platform is deleted by the next full run.
func TestPlatformSyncWithNexudus(t *testing.T) {
	fake := nexudustest.NewServer()
	t.Cleanup(fake.Close)
	if err := fake.LoadFile("../connectors/nexudus/nexudustest/testdata/demo-seed.json"); err != nil {
		t.Fatal(err)
	}
	fake.SetLimits(nexudustest.Limits{})
	r := newRealSync(t, nexudus.New(nexudus.Config{Username: "doorsync@demo.example", Password: "demo", BaseURL: fake.URL}))

	if res := r.full(); res.Failed != 0 || res.Written == 0 || len(res.Held) != 0 {
		t.Fatalf("backfill: %+v", res)
	}
	if s := r.state(); s.LastSyncAt == nil || s.LastError != "" || s.Counts["member"] != 3 || r.count(access.KindMember) != 3 {
		t.Fatalf("after the backfill: state %+v, %d members", s, r.count(access.KindMember))
	}
	fake.Remove(nexudustest.Coworkers, 703)
	if res := r.full(); res.Deleted == 0 || len(res.Held) != 0 || r.count(access.KindMember) != 2 {
		t.Fatalf("after a coworker left: %+v, %d members", res, r.count(access.KindMember))
	}
}

// OfficeRnD's demo space backfills; its memberships (a list the platform
// cannot filter by modification time) are read whole by every scheduled
// run, so one the platform removed is deleted by the next run; all of
// them gone at once is held instead.
func TestPlatformSyncWithOfficeRnD(t *testing.T) {
	fake := officerndtest.NewServer()
	t.Cleanup(fake.Close)
	fake.SeedDemo()
	r := newRealSync(t, officernd.New(officernd.Config{OrgSlug: fake.Slug(), ClientID: officerndtest.DefaultClientID,
		ClientSecret: officerndtest.DefaultClientSecret, BaseURL: fake.URL, IdentityURL: fake.URL}))

	if res := r.full(); res.Failed != 0 || res.Written == 0 || len(res.Held) != 0 {
		t.Fatalf("backfill: %+v", res)
	}
	memberships := r.count(access.KindMembership)
	if memberships != 3 || r.count(access.KindMember) != 3 || r.count(access.KindBooking) != 1 {
		t.Fatalf("after the backfill: %d memberships, %d members, %d bookings", memberships, r.count(access.KindMember), r.count(access.KindBooking))
	}
	ids, err := r.st.UnseenPlatformEntities(r.ctx, org, "no-run", r.platform, access.KindMembership)
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.Remove(officerndtest.Memberships, ids[0]); err != nil {
		t.Fatal(err)
	}
	if res := r.run(contract.PlatformSyncInput{Trigger: contract.PlatformTriggerSchedule}); res.Full || res.Deleted != 1 {
		t.Fatalf("the next scheduled run: %+v, want it incremental and the membership deleted", res)
	}
	for _, id := range ids[1:] {
		if err := fake.Remove(officerndtest.Memberships, id); err != nil {
			t.Fatal(err)
		}
	}
	if res := r.run(contract.PlatformSyncInput{Trigger: contract.PlatformTriggerSchedule}); res.Deleted != 0 || len(res.Held) != 1 {
		t.Fatalf("a run finding no membership left: %+v, want it held", res)
	}
	if s := r.state(); s.Held == "" || r.count(access.KindMembership) != 2 {
		t.Fatalf("held %q, %d memberships; want the hold recorded and both kept", s.Held, r.count(access.KindMembership))
	}
}
