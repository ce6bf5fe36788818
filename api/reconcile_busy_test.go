package api_test

import (
	"context"
	"sync"
	"testing"

	"doorsync/api"
	"doorsync/store"
)

// TestReconcileWhileOneRunsIsAConflict: a manual run while another run of
// the org (manual or scheduled) runs answers 409 problem+json naming the
// running one and starts nothing; a dry run still goes ahead, another org
// is not held up, and once the run has finished a new one starts.
func TestReconcileWhileOneRunsIsAConflict(t *testing.T) {
	a, f := newReconcileAPI(t)
	key, keyB := a.createOrg("a"), a.createOrg("b")
	first := a.must(202, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": false}).JSON(t)["run_id"]

	r := a.must(409, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": false})
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if got := r.JSON(t)["run_id"]; got != first {
		t.Fatalf("409 names run %v, want the running %v: %s", got, first, r.Body)
	}
	if n := len(f.recorded()); n != 1 {
		t.Fatalf("%d runs started, want the first only", n)
	}
	a.must(200, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": true})
	a.must(202, "POST", "/v1/orgs/b/reconcile", keyB, map[string]any{"dry_run": false})

	a.exec(`update reconcile_runs set status = 'completed', finished_at = now() where id = $1`, first)
	if err := a.Store.StartRun(context.Background(), store.ReconcileRun{ID: "reconcile:a:scheduled-1", OrgID: "a", Trigger: "schedule"}); err != nil {
		t.Fatal(err)
	}
	if got := a.must(409, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": false}).JSON(t)["run_id"]; got != "reconcile:a:scheduled-1" {
		t.Fatalf("409 names run %v, want the scheduled one", got)
	}
	a.exec(`update reconcile_runs set status = 'failed', finished_at = now() where id = 'reconcile:a:scheduled-1'`)
	a.must(202, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": false})
}

// TestConcurrentReconcilesStartOneRun: of 8 manual runs asked at once,
// one starts and the others answer 409 naming it.
func TestConcurrentReconcilesStartOneRun(t *testing.T) {
	a, f := newReconcileAPI(t)
	key := a.createOrg("a")
	var wg sync.WaitGroup
	codes := make(chan int, 8)
	for range 8 {
		wg.Go(func() { codes <- a.do("POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": false}).Status })
	}
	wg.Wait()
	close(codes)
	got := map[int]int{}
	for c := range codes {
		got[c]++
	}
	if got[202] != 1 || got[409] != 7 || len(f.recorded()) != 1 {
		t.Fatalf("answers %v and %d runs started, want one 202, seven 409 and one run", got, len(f.recorded()))
	}
}

// checkingReconciler also says which runs' workflows still run.
type checkingReconciler struct {
	*fakeReconciler
	gone map[string]bool
}

func (c *checkingReconciler) RunActive(_ context.Context, _, runID, _ string) (bool, error) {
	return !c.gone[runID], nil
}

// TestARunWhoseWorkflowIsGoneDoesNotBlock: a run recorded as running more
// than a minute ago whose workflow Temporal does not run (its starter died
// before starting it) is recorded as failed and a new run starts; a recent
// one, or one whose workflow runs, still answers 409.
func TestARunWhoseWorkflowIsGoneDoesNotBlock(t *testing.T) {
	f := &checkingReconciler{fakeReconciler: &fakeReconciler{}, gone: map[string]bool{"run_dead": true, "run_young": true}}
	a := newTestAPI(t, func(d *api.Deps) { f.st = d.Store; d.Reconciler = f })
	key := a.createOrg("a")
	start := func(id, age string) {
		a.exec(`insert into reconcile_runs (id, org_id, trigger, started_at) values ($1, 'a', 'manual', now() - $2::interval)`, id, age)
	}
	start("run_alive", "1 hour")
	if got := a.must(409, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": false}).JSON(t)["run_id"]; got != "run_alive" {
		t.Fatalf("409 names %v, want run_alive (its workflow runs)", got)
	}
	a.exec(`update reconcile_runs set status = 'completed' where id = 'run_alive'`)
	start("run_young", "10 seconds")
	if got := a.must(409, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": false}).JSON(t)["run_id"]; got != "run_young" {
		t.Fatalf("409 names %v, want run_young (it may be starting)", got)
	}
	a.exec(`update reconcile_runs set status = 'completed' where id = 'run_young'`)
	start("run_dead", "5 minutes")
	a.must(202, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": false})
	if st := a.query(`select status, error from reconcile_runs where id = 'run_dead'`); st[0][0] != "failed" || st[0][1] == "" {
		t.Fatalf("the dead run is %v, want failed with a reason", st)
	}
}
