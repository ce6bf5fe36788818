package workflows

import (
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// Definition is one workflow registration: the stable workflow type name,
// the function that runs it, and its versioning behavior. The worker
// registers each with workflow.RegisterOptions{Name: d.Name,
// VersioningBehavior: d.Versioning}.
type Definition struct {
	Name string
	Fn   any
	// Versioning says which build of the worker deployment runs a
	// started workflow's later tasks (docs/architecture.md, D42).
	Versioning workflow.VersioningBehavior
}

// Definitions lists every workflow this package defines, by contract name.
// Lifecycle appears once per lifecycle kind.
//
// Every workflow auto-upgrades: its next task runs on the deployment's
// current build, so a deploy reaches runs already under way, and no old
// build has to stay up to drain them (lifecycles and access runs live for
// days or months; a pinned deletion or reconciliation would wait forever
// for a build that is gone). What keeps that safe is the rule the
// workflows already follow: a change of commands is gated by an input
// flag or workflow.GetVersion, and the recorded histories in testdata
// replay against every build (D7, D37, D42).
func Definitions() []Definition {
	const auto = workflow.VersioningBehaviorAutoUpgrade
	return []Definition{
		{Name: contract.MembershipWorkflow, Fn: Lifecycle, Versioning: auto},
		{Name: contract.BookingWorkflow, Fn: Lifecycle, Versioning: auto},
		{Name: contract.DayPassWorkflow, Fn: Lifecycle, Versioning: auto},
		{Name: contract.AccessWorkflow, Fn: Access, Versioning: auto},
		{Name: contract.ReconcileWorkflow, Fn: Reconcile, Versioning: auto},
		{Name: contract.OrgDeleteWorkflow, Fn: OrgDelete, Versioning: auto},
	}
}
