package workflows

import (
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// Definition is one workflow registration: the stable workflow type name,
// the function that runs it, and the versioning behavior it has when the
// workers are versions of a Temporal worker deployment
// (DOORSYNC_WORKER_DEPLOYMENT; docs/architecture.md, D42).
type Definition struct {
	Name string
	Fn   any
	// Versioning says which build of the worker deployment runs a
	// started workflow's later tasks.
	Versioning workflow.VersioningBehavior
}

// Definitions lists every workflow this package defines, by contract name.
// Lifecycle appears once per lifecycle kind.
//
// Every type auto-upgrades: its next task runs on the deployment's current
// build, so a deploy reaches the runs already under way and no old build
// has to stay up to drain them. Access runs and lifecycles live for days
// or months, a platform sync continues as new for ever; a pinned
// reconciliation or org deletion would wait for a build a deploy stopped.
// What keeps auto-upgrade safe is the rule every workflow follows: a
// change of commands is gated by an input flag or workflow.GetVersion, and
// the recorded histories in testdata replay against every build (D7, D37).
func Definitions() []Definition {
	const auto = workflow.VersioningBehaviorAutoUpgrade
	return []Definition{
		{Name: contract.MembershipWorkflow, Fn: Lifecycle, Versioning: auto},
		{Name: contract.BookingWorkflow, Fn: Lifecycle, Versioning: auto},
		{Name: contract.DayPassWorkflow, Fn: Lifecycle, Versioning: auto},
		{Name: contract.AccessWorkflow, Fn: Access, Versioning: auto},
		{Name: contract.ReconcileWorkflow, Fn: Reconcile, Versioning: auto},
		{Name: contract.OrgDeleteWorkflow, Fn: OrgDelete, Versioning: auto},
		{Name: contract.PlatformSyncWorkflow, Fn: PlatformSync, Versioning: auto},
	}
}
