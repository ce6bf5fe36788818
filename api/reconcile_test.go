package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"doorsync/api"
	"doorsync/contract"
	"doorsync/internal/write"
	"doorsync/store"
)

// fakeReconciler stands in for the Temporal-backed reconciler: it records
// every call and, for a run, does what the ReconcileWorkflow records in
// the store (the run, and for a dry run its report and outcome).
type fakeReconciler struct {
	st *store.Store

	mu    sync.Mutex
	calls []reconcileCall

	report   any    // the report a dry run stores
	applied  int    // summary.applied of a dry run
	fail     string // a dry run fails with this error
	startErr error  // Reconcile fails with this before anything runs
}

type reconcileCall struct {
	in   contract.ReconcileInput
	wait bool
}

func (f *fakeReconciler) Reconcile(ctx context.Context, in contract.ReconcileInput, wait bool) (contract.ReconcileOrgResult, error) {
	f.mu.Lock()
	f.calls = append(f.calls, reconcileCall{in, wait})
	f.mu.Unlock()
	if f.startErr != nil {
		return contract.ReconcileOrgResult{}, f.startErr
	}
	if in.HoldID != "" {
		return contract.ReconcileOrgResult{}, nil
	}
	if err := f.st.StartRun(ctx, store.ReconcileRun{ID: in.RunID, OrgID: in.OrgID, DryRun: in.DryRun, Trigger: in.Trigger}); err != nil {
		return contract.ReconcileOrgResult{}, err
	}
	if !wait {
		return contract.ReconcileOrgResult{}, nil
	}
	if f.fail != "" {
		if err := f.st.FinishRun(ctx, in.OrgID, in.RunID, map[string]int{"applied": 0}, f.fail); err != nil {
			return contract.ReconcileOrgResult{}, err
		}
		return contract.ReconcileOrgResult{}, errors.New("workflow execution error: " + f.fail)
	}
	if err := f.st.SaveRunReport(ctx, in.OrgID, in.RunID, f.report); err != nil {
		return contract.ReconcileOrgResult{}, err
	}
	res := contract.ReconcileOrgResult{Applied: f.applied}
	return res, f.st.FinishRun(ctx, in.OrgID, in.RunID, map[string]int{"applied": f.applied}, "")
}

func (f *fakeReconciler) recorded() []reconcileCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]reconcileCall(nil), f.calls...)
}

// newReconcileAPI is the API with a fake reconciler.
func newReconcileAPI(t *testing.T) (*testAPI, *fakeReconciler) {
	f := &fakeReconciler{}
	a := newTestAPI(t, func(d *api.Deps) {
		f.st = d.Store
		d.Reconciler = f
	})
	return a, f
}

// sampleReport is a report as activities.Report stores it: one group with drift,
// one held by the mass-removal guard.
const sampleReport = `{"groups":[
 {"site_id":"s1","group_id":"g1","members":3,"add":[{"salto_user_id":"","person":"member:m1"}],
  "remove":[{"salto_user_id":"u9"}],"held":false},
 {"site_id":"s1","group_id":"g2","members":40,"add":[],
  "remove":[{"salto_user_id":"u1","person":"member:m2"},{"salto_user_id":"u2"}],"held":true,"hold_id":"hold-1"}]}`

var runIDFormat = regexp.MustCompile(`^run_[0-9a-f]{16}$`)

// sameJSON fails unless got and want encode the same JSON value.
func sameJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	b, _ := json.Marshal(got)
	var g, w any
	json.Unmarshal(b, &g)
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %s\nwant %s", what, b, want)
	}
}

func TestDryRunAnswersTheStoredReport(t *testing.T) {
	a, f := newReconcileAPI(t)
	key := a.createOrg("a")
	f.report = json.RawMessage(sampleReport)

	body := a.must(200, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": true}).JSON(t)
	runID, _ := body["run_id"].(string)
	if !runIDFormat.MatchString(runID) {
		t.Fatalf("run_id = %q", runID)
	}
	if body["status"] != "completed" {
		t.Errorf("status = %v", body["status"])
	}
	sameJSON(t, "plan", body["plan"], sampleReport)
	sameJSON(t, "groups", map[string]any{"groups": body["groups"]}, sampleReport)

	calls := f.recorded()
	want := reconcileCall{contract.ReconcileInput{OrgID: "a", RunID: runID, DryRun: true, Trigger: "manual"}, true}
	if len(calls) != 1 || calls[0] != want {
		t.Fatalf("calls = %+v, want %+v", calls, want)
	}

	run := a.must(200, "GET", "/v1/orgs/a/reconcile/runs/"+runID, key, nil).JSON(t)
	if run["dry_run"] != true || run["trigger"] != "manual" || run["status"] != "completed" || run["finished_at"] == nil {
		t.Errorf("run = %v", run)
	}
	sameJSON(t, "held", run["held"], `[{"hold_id":"hold-1","site_id":"s1","group_id":"g2"}]`)
}

func TestReconcileStartsARunThatCanBeFollowed(t *testing.T) {
	a, f := newReconcileAPI(t)
	key := a.createOrg("a")

	body := a.must(202, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": false}).JSON(t)
	runID, _ := body["run_id"].(string)
	if !runIDFormat.MatchString(runID) || len(body) != 1 {
		t.Fatalf("body = %v", body)
	}
	calls := f.recorded()
	want := reconcileCall{contract.ReconcileInput{OrgID: "a", RunID: runID, Trigger: "manual"}, false}
	if len(calls) != 1 || calls[0] != want {
		t.Fatalf("calls = %+v, want %+v", calls, want)
	}

	run := a.must(200, "GET", "/v1/orgs/a/reconcile/runs/"+runID, key, nil).JSON(t)
	sameJSON(t, "running run", map[string]any{"run_id": run["run_id"], "status": run["status"],
		"finished_at": run["finished_at"], "dry_run": run["dry_run"], "trigger": run["trigger"], "plan": run["plan"],
		"applied": run["applied"], "held": run["held"], "summary": run["summary"], "error": run["error"]},
		`{"run_id":"`+runID+`","status":"running","finished_at":null,"dry_run":false,"trigger":"manual",
		  "plan":null,"applied":0,"held":[],"summary":null,"error":""}`)
	if run["started_at"] == nil {
		t.Error("no started_at")
	}

	// The workflow reports and finishes.
	ctx := context.Background()
	if err := a.Store.SaveRunReport(ctx, "a", runID, json.RawMessage(sampleReport)); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.FinishRun(ctx, "a", runID, map[string]int{"applied": 2, "held": 1}, ""); err != nil {
		t.Fatal(err)
	}
	run = a.must(200, "GET", "/v1/orgs/a/reconcile/runs/"+runID, key, nil).JSON(t)
	if run["status"] != "completed" || run["finished_at"] == nil || run["applied"] != float64(2) {
		t.Errorf("finished run = %v", run)
	}
	sameJSON(t, "plan", run["plan"], sampleReport)
	sameJSON(t, "held", run["held"], `[{"hold_id":"hold-1","site_id":"s1","group_id":"g2"}]`)
	sameJSON(t, "summary", run["summary"], `{"applied":2,"held":1}`)
}

func TestRunsOfAnotherOrgAreNotFound(t *testing.T) {
	a, _ := newReconcileAPI(t)
	keyA := a.createOrg("a")
	keyB := a.createOrg("b")
	runID := a.must(202, "POST", "/v1/orgs/a/reconcile", keyA, map[string]any{"dry_run": false}).JSON(t)["run_id"].(string)

	a.must(404, "GET", "/v1/orgs/b/reconcile/runs/"+runID, keyB, nil)
	a.must(404, "GET", "/v1/orgs/b/reconcile/runs/"+runID, adminToken, nil)
	a.must(404, "GET", "/v1/orgs/a/reconcile/runs/run_0000000000000000", keyA, nil)
	a.must(400, "GET", "/v1/orgs/a/reconcile/runs/bad%20id", keyA, nil)
	a.must(200, "GET", "/v1/orgs/a/reconcile/runs/"+runID, adminToken, nil)
}

func TestReconcileValidatesItsBody(t *testing.T) {
	a, f := newReconcileAPI(t)
	key := a.createOrg("a")

	r := a.must(400, "POST", "/v1/orgs/a/reconcile", key, "{}")
	if !strings.Contains(string(r.Body), `"field":"dry_run"`) {
		t.Errorf("400 does not name dry_run: %s", r.Body)
	}
	a.must(400, "POST", "/v1/orgs/a/reconcile", key, `{"dry_run":"yes"}`)
	a.must(400, "POST", "/v1/orgs/a/reconcile", key, `{"dry_run":true,"force":true}`)
	a.must(415, "POST", "/v1/orgs/a/reconcile", key, nil)
	a.must(404, "POST", "/v1/orgs/nope/reconcile", adminToken, map[string]any{"dry_run": true})
	if calls := f.recorded(); len(calls) != 0 {
		t.Errorf("invalid requests reconciled: %+v", calls)
	}
}

func TestReconcileWithoutAReconcilerIsUnavailable(t *testing.T) {
	a := newTestAPI(t)
	key := a.createOrg("a")
	r := a.must(503, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": true})
	if !strings.Contains(string(r.Body), "reconciliation is not available") ||
		r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("503 = %s %s", r.Header.Get("Content-Type"), r.Body)
	}
	a.must(503, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": false})
}

func TestDryRunFailures(t *testing.T) {
	a, f := newReconcileAPI(t)
	key := a.createOrg("a")

	f.fail = "activity error (type: ReconcileOrg, scheduledEventID: 5, startedEventID: 6, identity: 42@worker-host@): the org is not connected to Salto KS (type: NotConnected, retryable: false)"
	r := a.must(409, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": true})
	if !strings.Contains(string(r.Body), "the org is not connected to Salto KS") {
		t.Errorf("409 = %s", r.Body)
	}

	f.fail = "activity error (type: ReconcileOrg, scheduledEventID: 5, startedEventID: 6, identity: 42@worker-host@): saltoks: HTTP 500"
	r = a.must(502, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": true})
	if body := string(r.Body); !strings.Contains(body, "saltoks: HTTP 500") || strings.Contains(body, "worker-host") {
		t.Errorf("502 = %s", body)
	}

	f.fail, f.startErr = "", errors.New("temporal: connection refused to 10.0.0.7")
	r = a.must(503, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": false})
	if strings.Contains(string(r.Body), "10.0.0.7") {
		t.Errorf("503 leaks the cause: %s", r.Body)
	}
	if rows := a.query(`select status, error from reconcile_runs where dry_run = false`); len(rows) != 1 || rows[0][0] != "failed" {
		t.Errorf("a run that did not start is recorded as %v, want failed", rows)
	}
	a.must(503, "POST", "/v1/orgs/a/reconcile", key, map[string]any{"dry_run": true})
	if rows := a.query(`select status from reconcile_runs where status = 'running'`); len(rows) != 0 {
		t.Errorf("runs left running: %v", rows)
	}
}

// The groups a run could not reconcile are the run's problems, and the
// latest completed run's are shown on the mappings naming those groups.
func TestRunProblemsAreShownOnTheRunAndTheMappings(t *testing.T) {
	a, _ := newReconcileAPI(t)
	key := a.createOrg("a")
	ctx := context.Background()
	if _, _, err := (&write.Writer{Store: a.Store}).Mapping(ctx, "a", store.Mapping{Kind: "plans", RefID: "p1",
		Groups: []store.GroupRef{{SiteID: "s1", GroupID: "g1"}, {SiteID: "s1", GroupID: "g2"}}}); err != nil {
		t.Fatal(err)
	}
	const report = `{"groups":[
	 {"site_id":"s1","group_id":"g1","members":0,"add":[],"remove":[],"held":false,"problem":"Salto KS does not have this access group"},
	 {"site_id":"s1","group_id":"g2","members":2,"add":[],"remove":[{"salto_user_id":"u1"}],"held":false}]}`
	for _, run := range []struct{ id, report string }{{"run_old", sampleReport}, {"run_new", report}} {
		if err := a.Store.StartRun(ctx, store.ReconcileRun{ID: run.id, OrgID: "a", Trigger: "schedule"}); err != nil {
			t.Fatal(err)
		}
		if err := a.Store.SaveRunReport(ctx, "a", run.id, json.RawMessage(run.report)); err != nil {
			t.Fatal(err)
		}
		if err := a.Store.FinishRun(ctx, "a", run.id, map[string]int{"applied": 1}, ""); err != nil {
			t.Fatal(err)
		}
	}
	wantProblems := `[{"site_id":"s1","group_id":"g1","problem":"Salto KS does not have this access group"}]`

	run := a.must(200, "GET", "/v1/orgs/a/reconcile/runs/run_new", key, nil).JSON(t)
	sameJSON(t, "run problems", run["problems"], wantProblems)
	run = a.must(200, "GET", "/v1/orgs/a/reconcile/runs/run_old", key, nil).JSON(t)
	sameJSON(t, "problems of a run without any", run["problems"], `[]`)

	mappings := a.must(200, "GET", "/v1/orgs/a/mappings", key, nil).JSON(t)
	sameJSON(t, "mappings", mappings["data"], `[{"kind":"plans","id":"p1",
	  "access_groups":[{"site_id":"s1","group_id":"g1"},{"site_id":"s1","group_id":"g2"}],"problems":`+wantProblems+`}]`)
}
