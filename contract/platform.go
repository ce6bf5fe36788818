package contract

import (
	"time"

	"doorsync/access"
)

// PlatformSyncWorkflow reads an org's platform (OfficeRnD, Nexudus) stream
// by stream, page by page, writes what it reads through the API's write
// path, and after a full read of a stream deletes what the platform no
// longer has (behind the mass-removal guard).
const PlatformSyncWorkflow = "PlatformSyncWorkflow"

// Platform sync activity names.
const (
	PlatformStreamsActivity    = "PlatformStreams"
	SyncPlatformPageActivity   = "SyncPlatformPage"
	SweepPlatformActivity      = "SweepPlatform"
	FinishPlatformSyncActivity = "FinishPlatformSync"
)

// Platform sync triggers.
const (
	PlatformTriggerConnect  = "connect"
	PlatformTriggerSchedule = "schedule"
	PlatformTriggerManual   = "manual"
)

// PlatformSyncWorkflowID names an org's backfill and on-demand sync run;
// scheduled runs get Temporal's schedule-derived IDs.
func PlatformSyncWorkflowID(orgID string) string { return "platform-sync:" + orgID }

// PlatformSyncScheduleID names an org's platform sync schedule.
func PlatformSyncScheduleID(orgID string) string { return "platform-sync:" + orgID }

// PlatformSyncInput starts a PlatformSyncWorkflow. Full reads every stream
// whole and sweeps each; otherwise the run reads incremental streams from
// their watermarks and is made full when the last full run is old enough
// (PlatformStreamsResult.Full). ApproveRemovals is an operator's approval
// of the deletions the mass-removal guard would hold (a platform that
// really dropped most of a kind). Resume is set only by continue-as-new.
type PlatformSyncInput struct {
	OrgID           string              `json:"org_id"`
	Full            bool                `json:"full,omitempty"`
	Trigger         string              `json:"trigger,omitempty"`
	ApproveRemovals bool                `json:"approve_removals,omitempty"`
	Resume          *PlatformSyncResume `json:"resume,omitempty"`
}

// PlatformSyncResume is where a run that continued as new goes on: the
// streams it read (as PlatformStreams answered them at its start), the
// stream and cursor it was at, and what it had done. Cursors are the
// platforms' opaque paging tokens, never personal data.
type PlatformSyncResume struct {
	RunID      string                `json:"run_id"`
	Plan       PlatformStreamsResult `json:"plan"`
	Stream     int                   `json:"stream"`
	Cursor     string                `json:"cursor,omitempty"`
	StreamFrom time.Time             `json:"stream_from"`
	Result     PlatformSyncResult    `json:"result"`
}

// PlatformSyncResult sums a run up.
type PlatformSyncResult struct {
	// StartedAt is the run's start (across continue-as-new): a full run
	// that finishes makes it the last full sync.
	StartedAt time.Time `json:"started_at"`
	Full      bool      `json:"full,omitempty"`
	Skipped   bool      `json:"skipped,omitempty"` // another run of the org was going on
	Pages     int       `json:"pages"`
	Calls     int       `json:"calls"`
	Written   int       `json:"written"`
	Stale     int       `json:"stale"`
	Failed    int       `json:"failed"`
	Deleted   int       `json:"deleted"`
	// Swept are the kinds the run swept; Held says which of them the
	// mass-removal guard held, and why (SweepPlatformResult.Held).
	Swept []access.Kind `json:"swept,omitempty"`
	Held  []string      `json:"held,omitempty"`
	// Watermarks are the instants each stream was read from start to end
	// (the next incremental read starts there, less an overlap).
	Watermarks map[string]time.Time `json:"watermarks,omitempty"`
}

// PlatformStreamsInput begins a run: it claims the org's sync (one run at
// a time: a scheduled run finds it taken and ends, any other run takes it
// over) and asks which streams to read.
type PlatformStreamsInput struct {
	OrgID   string `json:"org_id"`
	RunID   string `json:"run_id"`
	Full    bool   `json:"full,omitempty"`
	Trigger string `json:"trigger,omitempty"`
}

// PlatformStreamsResult is the run's plan. Busy: another run of the org
// holds the sync, and this one ends at once.
type PlatformStreamsResult struct {
	Busy     bool   `json:"busy,omitempty"`
	Platform string `json:"platform"`
	// Generation is the connection's at the run's start: every later
	// step stops once it changed (a reconnection, perhaps to another
	// account).
	Generation int64            `json:"generation,omitempty"`
	Full       bool             `json:"full,omitempty"`
	Streams    []PlatformStream `json:"streams"`
}

// PlatformStream is one stream as the run reads it: from Since (its
// watermark less the overlap) when set, else whole.
type PlatformStream struct {
	Name        string        `json:"name"`
	Kinds       []access.Kind `json:"kinds"`
	Incremental bool          `json:"incremental,omitempty"`
	Since       *time.Time    `json:"since,omitempty"`
}

// SyncPlatformPageInput reads and writes one page of a stream.
type SyncPlatformPageInput struct {
	OrgID      string     `json:"org_id"`
	RunID      string     `json:"run_id"`
	Generation int64      `json:"generation,omitempty"`
	Stream     string     `json:"stream"`
	Since      *time.Time `json:"since,omitempty"`
	Cursor     string     `json:"cursor,omitempty"`
}

// SyncPlatformPageResult says what the page did and where the next one
// starts ("" after the last).
type SyncPlatformPageResult struct {
	Written int    `json:"written"`
	Stale   int    `json:"stale"`
	Failed  int    `json:"failed"` // recorded in the store, never in history
	Deleted int    `json:"deleted"`
	Calls   int    `json:"calls"`
	Next    string `json:"next,omitempty"`
}

// SweepPlatformInput deletes what the org holds from the platform of the
// stream's kinds that run RunID did not see, behind the mass-removal
// guard (unless Approved: an operator approved the run's removals).
type SweepPlatformInput struct {
	OrgID      string        `json:"org_id"`
	RunID      string        `json:"run_id"`
	Generation int64         `json:"generation,omitempty"`
	Platform   string        `json:"platform"`
	Stream     string        `json:"stream"`
	Kinds      []access.Kind `json:"kinds"`
	Approved   bool          `json:"approved,omitempty"`
}

// SweepPlatformResult counts the deletions made; Held says, per kind the
// guard held, how many were missing of how many (counts only), each
// reason starting with its kind and ":".
type SweepPlatformResult struct {
	Deleted int      `json:"deleted"`
	Held    []string `json:"held,omitempty"`
}

// FinishPlatformSyncInput records a run's end: its result, or the error
// that ended it.
type FinishPlatformSyncInput struct {
	OrgID      string             `json:"org_id"`
	RunID      string             `json:"run_id"`
	Generation int64              `json:"generation,omitempty"`
	Platform   string             `json:"platform,omitempty"`
	Result     PlatformSyncResult `json:"result"`
	Error      string             `json:"error,omitempty"`
}

// PlatformThrottledError is the type of the ApplicationError
// SyncPlatformPage returns when the platform asked to wait; its
// NextRetryDelay is the platform's Retry-After, so the activity's retry
// waits it out and the page is read again.
const PlatformThrottledError = "PlatformThrottled"

// PlatformNotConnectedError is the type of the ApplicationError a platform
// sync activity returns when the org has no platform connection: not
// retried, the run ends.
const PlatformNotConnectedError = "PlatformNotConnected"

// PlatformSyncTakenError is the type of the ApplicationError a platform
// sync activity returns when another run of the org took the sync (this
// run's lease lapsed) or the connection changed since the run began: the
// run ends without recording anything.
const PlatformSyncTakenError = "PlatformSyncTaken"
