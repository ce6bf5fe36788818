package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"doorsync/contract"
	"doorsync/internal/saltoconn"
	"doorsync/store"
)

// reconcileBody is the body of POST …/reconcile; dry_run is required.
type reconcileBody struct {
	DryRun *bool `json:"dry_run"`
}

// dryRunView answers a dry run: the report's groups at the top level (the
// "plan" itself, as API.md has it) plus the run id, the run's status and
// the same report under "plan", as GET …/reconcile/runs/{run_id} answers it.
type dryRunView struct {
	RunID  string          `json:"run_id"`
	Status string          `json:"status"`
	Groups json.RawMessage `json:"groups"`
	Report json.RawMessage `json:"plan"`
}

// runView is a run as GET …/reconcile/runs/{run_id} answers it.
type runView struct {
	RunID      string          `json:"run_id"`
	Status     string          `json:"status"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at"`
	DryRun     bool            `json:"dry_run"`
	Trigger    string          `json:"trigger"`
	Report     json.RawMessage `json:"plan"`    // null until reported
	Applied    int             `json:"applied"` // summary.applied
	Held       []heldGroup     `json:"held"`
	// Problems are the report's groups the run could not (fully) reconcile.
	Problems []contract.GroupProblem `json:"problems"`
	Summary  json.RawMessage         `json:"summary"` // null until finished
	Error    string                  `json:"error"`
}

// heldGroup is a group of a run's report that the mass-removal guard held.
type heldGroup struct {
	HoldID  string `json:"hold_id"`
	SiteID  string `json:"site_id"`
	GroupID string `json:"group_id"`
}

// storedReport is the part of a stored report (activities.Report) the API
// reads.
type storedReport struct {
	Groups []struct {
		SiteID  string `json:"site_id"`
		GroupID string `json:"group_id"`
		Held    bool   `json:"held"`
		HoldID  string `json:"hold_id"`
		Problem string `json:"problem"`
	} `json:"groups"`
}

// errNoReconciler answers when this process cannot start workflows.
var errNoReconciler = httpError(http.StatusServiceUnavailable, "reconciliation is not available")

// errNotConnected is how a run failing for want of a connection answers.
var errNotConnected = httpError(http.StatusConflict, "the org is not connected to Salto KS")

// reconcile reports (dry_run true: waits and answers the report, 200) or starts
// (dry_run false: 202 with the run id) a reconciliation of the org. The run
// is recorded before its workflow starts, so its id is found at once.
func (h *handlers) reconcile(w http.ResponseWriter, r *http.Request) error {
	var body reconcileBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if body.DryRun == nil {
		v := &validationError{}
		v.add("dry_run", "is required (true or false)")
		return v
	}
	if h.reconciler == nil {
		return errNoReconciler
	}
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	if _, err := h.store.GetOrg(ctx, orgID); err != nil {
		return err
	}
	in := contract.ReconcileInput{OrgID: orgID, RunID: newRunID(), DryRun: *body.DryRun, Trigger: "manual"}
	if err := h.startRun(ctx, in); err != nil {
		return err
	}
	_, err := h.reconciler.Reconcile(ctx, in, in.DryRun)
	if !in.DryRun {
		if err != nil {
			return h.notRun(r, in, err)
		}
		writeJSON(w, http.StatusAccepted, map[string]string{"run_id": in.RunID})
		return nil
	}
	run, gerr := h.store.GetRun(ctx, orgID, in.RunID)
	if gerr != nil {
		return fmt.Errorf("api: dry run %s: %v", in.RunID, gerr) //nolint:errorlint // %v: never a 404
	}
	if err != nil || run.Status == "failed" {
		return h.dryRunFailed(r, in, run, err)
	}
	report := run.Report
	if len(report) == 0 {
		return fmt.Errorf("api: dry run %s finished (%s) without a report", in.RunID, run.Status)
	}
	var groups struct {
		Groups json.RawMessage `json:"groups"`
	}
	if err := json.Unmarshal(report, &groups); err != nil {
		return fmt.Errorf("api: dry run %s: report: %w", in.RunID, err)
	}
	if len(groups.Groups) == 0 || string(groups.Groups) == "null" {
		groups.Groups = json.RawMessage("[]")
	}
	writeJSON(w, http.StatusOK, dryRunView{RunID: in.RunID, Status: run.Status, Groups: groups.Groups, Report: report})
	return nil
}

// staleRunAge is how old a running run whose workflow Temporal does not
// run must be to count as one that never finished (its starter died
// between recording it and starting its workflow), not one starting now.
const staleRunAge = time.Minute

// startRun records the run. One that changes Salto KS is refused with a
// *store.RunInProgress (409, naming it) while another runs for the org;
// a running run whose workflow is gone is first recorded as failed.
func (h *handlers) startRun(ctx context.Context, in contract.ReconcileInput) error {
	run := store.ReconcileRun{ID: in.RunID, OrgID: in.OrgID, DryRun: in.DryRun, Trigger: in.Trigger}
	if in.DryRun {
		return h.store.StartRun(ctx, run)
	}
	err := h.store.StartRunAlone(ctx, run)
	var busy *store.RunInProgress
	if errors.As(err, &busy) && h.clearStaleRun(ctx, busy.Run) {
		err = h.store.StartRunAlone(ctx, run)
	}
	return err
}

// clearStaleRun records a running run as failed when Temporal no longer
// runs its workflow, and says whether it did.
func (h *handlers) clearStaleRun(ctx context.Context, run store.ReconcileRun) bool {
	checker, ok := h.reconciler.(RunChecker)
	if !ok || h.now().Sub(run.StartedAt) < staleRunAge {
		return false
	}
	active, err := checker.RunActive(ctx, run.OrgID, run.ID, run.Trigger)
	if err == nil && !active {
		err = h.store.FinishRun(ctx, run.OrgID, run.ID, nil, "its workflow is no longer running")
		if err == nil {
			return true
		}
	}
	if err != nil {
		h.log.WarnContext(ctx, "could not check whether a running reconciliation still runs", "org", run.OrgID, "run_id", run.ID, "err", err)
	}
	return false
}

// dryRunFailed answers a dry run that failed: 409 when the org is not
// connected to Salto KS, 502 with the run's error when the run failed, 503
// when the run could not be run at all (its record is marked failed).
func (h *handlers) dryRunFailed(r *http.Request, in contract.ReconcileInput, run store.ReconcileRun, err error) error {
	msg := run.Error
	if msg == "" && err != nil {
		msg = err.Error()
	}
	switch {
	case errors.Is(err, saltoconn.ErrNotConnected), notConnected(msg):
		return errNotConnected
	case run.Status == "failed":
		return httpError(http.StatusBadGateway, "the reconciliation failed: "+failureDetail(msg))
	}
	return h.notRun(r, in, err)
}

// notRun records a run whose workflow did not start (or did not finish,
// for a dry run) as failed, logs why and answers 503. A workflow that did
// start after all records its own outcome over this one.
func (h *handlers) notRun(r *http.Request, in contract.ReconcileInput, err error) error {
	ctx := context.WithoutCancel(r.Context())
	if ferr := h.store.FinishRun(ctx, in.OrgID, in.RunID, nil, "the reconciliation could not be run"); ferr != nil {
		h.log.ErrorContext(ctx, "recording a run that did not run", "run_id", in.RunID, "err", ferr)
	}
	h.log.ErrorContext(ctx, "reconciliation did not run", "org", in.OrgID, "run_id", in.RunID, "err", err)
	return httpError(http.StatusServiceUnavailable, "the reconciliation could not be run; try again")
}

// notConnected says whether a run's error is the missing connection.
func notConnected(msg string) bool {
	return strings.Contains(msg, "not connected") || strings.Contains(msg, "NotConnected")
}

// failureDetail drops Temporal's "activity error (type: …, identity: …): "
// wrapper (it names hosts) from a run's error.
func failureDetail(msg string) string {
	if rest, ok := strings.CutPrefix(msg, "activity error ("); ok {
		if _, after, found := strings.Cut(rest, "): "); found {
			return after
		}
	}
	return msg
}

// getRun answers one run of the org; another org's run is 404.
func (h *handlers) getRun(w http.ResponseWriter, r *http.Request) error {
	run, err := h.store.GetRun(r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "run_id"))
	if err != nil {
		return err
	}
	v := runView{RunID: run.ID, Status: run.Status, StartedAt: run.StartedAt, FinishedAt: run.FinishedAt,
		DryRun: run.DryRun, Trigger: run.Trigger, Report: run.Report, Held: []heldGroup{}, Problems: []contract.GroupProblem{},
		Summary: run.Summary, Error: run.Error}
	if len(run.Summary) > 0 {
		var s struct {
			Applied int `json:"applied"`
		}
		if err := json.Unmarshal(run.Summary, &s); err != nil {
			return fmt.Errorf("api: run %s: summary: %w", run.ID, err)
		}
		v.Applied = s.Applied
	}
	if len(run.Report) > 0 {
		var p storedReport
		if err := json.Unmarshal(run.Report, &p); err != nil {
			return fmt.Errorf("api: run %s: report: %w", run.ID, err)
		}
		for _, g := range p.Groups {
			if g.Held {
				v.Held = append(v.Held, heldGroup{HoldID: g.HoldID, SiteID: g.SiteID, GroupID: g.GroupID})
			}
			if g.Problem != "" {
				v.Problems = append(v.Problems, contract.GroupProblem{SiteID: g.SiteID, GroupID: g.GroupID, Problem: g.Problem})
			}
		}
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// newRunID names a manual run: "run_" and 16 hex digits.
func newRunID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "run_" + hex.EncodeToString(b)
}
