package contract

import "time"

// Reconciliation activity names.
const (
	ReconcileOrgActivity = "ReconcileOrg"
	ApplyHoldActivity    = "ApplyHold"
	FinishRunActivity    = "FinishReconcileRun"
)

// ReconcileInput starts a ReconcileWorkflow: a scheduled or on-demand run
// over every managed group of the org, or (HoldID set) the application of
// one approved hold.
type ReconcileInput struct {
	OrgID string `json:"org_id"`
	// RunID names the run; empty for scheduled runs, which take their
	// workflow run id.
	RunID   string `json:"run_id,omitempty"`
	DryRun  bool   `json:"dry_run,omitempty"`
	Trigger string `json:"trigger,omitempty"` // "schedule" or "manual"
	HoldID  string `json:"hold_id,omitempty"`
}

// ReconcileOrgInput runs one reconciliation pass.
type ReconcileOrgInput struct {
	OrgID   string    `json:"org_id"`
	RunID   string    `json:"run_id"`
	DryRun  bool      `json:"dry_run,omitempty"`
	Trigger string    `json:"trigger,omitempty"`
	At      time.Time `json:"at,omitempty"`
}

// ReconcileOrgResult summarises a pass; the full report is stored with the
// run (it can be large).
type ReconcileOrgResult struct {
	Groups  int `json:"groups"`
	Adds    int `json:"adds"`
	Removes int `json:"removes"`
	Held    int `json:"held"`
	Applied int `json:"applied"`
	// Restarted counts the lifecycle workflows found missing and started.
	Restarted int `json:"restarted"`
	// Problems are the groups the run could not (fully) reconcile: one that
	// Salto KS no longer has, one whose removals it refused. The run went on
	// with the others.
	Problems []GroupProblem `json:"problems,omitempty"`
}

// GroupProblem is why a reconciliation run could not reconcile a group.
type GroupProblem struct {
	SiteID  string `json:"site_id"`
	GroupID string `json:"group_id"`
	Problem string `json:"problem"`
}

// ApplyHoldInput applies an approved hold, re-checked against Salto KS and
// the org's data now.
type ApplyHoldInput struct {
	OrgID  string `json:"org_id"`
	HoldID string `json:"hold_id"`
}

// ApplyHoldResult counts the removals made.
type ApplyHoldResult struct {
	Removed int `json:"removed"`
}

// FinishRunInput records the end of a run.
type FinishRunInput struct {
	OrgID  string             `json:"org_id"`
	RunID  string             `json:"run_id"`
	Result ReconcileOrgResult `json:"result"`
	Error  string             `json:"error,omitempty"`
}
