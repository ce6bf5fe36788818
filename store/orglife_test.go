package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"doorsync/internal/testenv"
	"doorsync/store"
)

// PruneOrg removes the org's runs finished before the cut-off and its
// expired OAuth states, and nothing else: running runs, recent runs, live
// states and other orgs' rows stay.
func TestPruneOrgKeepsWhatIsRecentOrRunning(t *testing.T) {
	ctx := context.Background()
	st, dbURL := testenv.NewStore(t)
	for _, org := range []string{"acme", "other"} {
		if _, _, err := st.PutOrg(ctx, store.Org{ID: org, Name: org}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	exec(t, dbURL, `insert into reconcile_runs (id, org_id, status, started_at, finished_at) values
		('old', 'acme', 'completed', $1, $1), ('old-failed', 'acme', 'failed', $1, $1),
		('recent', 'acme', 'completed', $2, $2), ('stuck', 'acme', 'running', $1, null),
		('other-old', 'other', 'completed', $1, $1)`, now.Add(-40*24*time.Hour), now.Add(-24*time.Hour))
	exec(t, dbURL, `insert into salto_oauth_states (state, org_id, verifier_enc, redirect_uri, expires_at) values
		('expired', 'acme', 'x', 'http://localhost/cb', $1), ('live', 'acme', 'x', 'http://localhost/cb', $2)`,
		now.Add(-time.Minute), now.Add(5*time.Minute))

	p, err := st.PruneOrg(ctx, "acme", now.Add(-30*24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Runs != 2 || p.OAuthStates != 1 {
		t.Errorf("pruned %+v, want 2 runs and 1 state", p)
	}
	for _, run := range []struct {
		org, id string
		kept    bool
	}{{"acme", "old", false}, {"acme", "old-failed", false}, {"acme", "recent", true}, {"acme", "stuck", true}, {"other", "other-old", true}} {
		_, err := st.GetRun(ctx, run.org, run.id)
		if kept := err == nil; kept != run.kept {
			t.Errorf("run %s kept = %v, want %v (%v)", run.id, kept, run.kept, err)
		}
	}
	if _, err := st.ConsumeOAuthState(ctx, "live"); err != nil {
		t.Errorf("the live state was pruned: %v", err)
	}
}

// Once an org's deletion began, the store refuses to record a grant or to
// change the org; the mark is idempotent and DeleteOrgData removes it.
func TestOrgDeletionRefusesGrantsAndChanges(t *testing.T) {
	ctx, st := newAcme(t)
	ap := store.AppliedGroup{Person: "member:m1", SiteID: "s", GroupID: "g", UserID: "u1"}
	audit := store.AuditEntry{Action: "add", Trigger: "realtime", Result: "ok"}
	if err := st.RecordApplied(ctx, "acme", ap, audit); err != nil {
		t.Fatal(err)
	}
	if gone, err := st.DeleteOrgData(ctx, "acme"); err != nil || gone {
		t.Fatalf("DeleteOrgData before the deletion began = %v, %v; want nothing deleted", gone, err)
	}
	var tripped *store.GuardTripped // acme has a zero guard: any removal trips it
	if _, err := st.BeginOrgDeletion(ctx, "acme", false); !errors.As(err, &tripped) || tripped.Removals != 1 {
		t.Fatalf("BeginOrgDeletion without force = %v, want the guard tripped by 1 removal", err)
	}
	if org, err := st.GetOrg(ctx, "acme"); err != nil || org.DeletingSince != nil {
		t.Fatalf("a refused deletion marked the org: %+v, %v", org, err)
	}
	org, err := st.BeginOrgDeletion(ctx, "acme", true)
	if err != nil || org.DeletingSince == nil {
		t.Fatalf("BeginOrgDeletion = %+v, %v", org, err)
	}
	again, err := st.BeginOrgDeletion(ctx, "acme", false)
	if err != nil || !again.DeletingSince.Equal(*org.DeletingSince) {
		t.Fatalf("repeated BeginOrgDeletion = %+v, %v", again, err)
	}
	ap.Person = "member:m2"
	before, _ := st.Audit(ctx, "acme", store.AuditFilter{Limit: 100})
	if err := st.RecordApplied(ctx, "acme", ap, audit); !errors.Is(err, store.ErrOrgDeleting) {
		t.Errorf("RecordApplied while deleting = %v, want ErrOrgDeleting", err)
	}
	applied, err := st.AppliedGroups(ctx, "acme", "member:m2")
	if err != nil || len(applied) != 0 {
		t.Errorf("applied to m2 after the refusal = %v, %v; want nothing written", applied, err)
	}
	if after, err := st.Audit(ctx, "acme", store.AuditFilter{Limit: 100}); err != nil || len(after) != len(before) {
		t.Errorf("audit entries after the refusal: %d, %v; want the %d before it (nothing written)", len(after), err, len(before))
	}
	if _, _, err := st.PutOrg(ctx, store.Org{ID: "acme", Name: "Back"}); !errors.Is(err, store.ErrOrgDeleting) {
		t.Errorf("PutOrg while deleting = %v, want ErrOrgDeleting", err)
	}
	conn := store.SaltoConnection{OrgID: "acme", Mode: "password", IdentityURL: "http://localhost", APIURL: "http://localhost",
		ClientID: "other-account", ClientSecretEnc: "x"}
	if err := st.PutSaltoConnection(ctx, conn); !errors.Is(err, store.ErrOrgDeleting) {
		t.Errorf("PutSaltoConnection while deleting = %v, want ErrOrgDeleting", err)
	}
	if gone, err := st.DeleteOrgData(ctx, "acme"); err != nil || !gone {
		t.Fatalf("DeleteOrgData = %v, %v", gone, err)
	}
	if _, err := st.GetOrg(ctx, "acme"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetOrg after deletion = %v", err)
	}
	if _, err := st.BeginOrgDeletion(ctx, "acme", false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("BeginOrgDeletion of a deleted org = %v, want ErrNotFound", err)
	}
}

func exec(t *testing.T, dbURL, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}
