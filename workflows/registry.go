package workflows

import "doorsync/contract"

// Definition is one workflow registration: the stable workflow type name
// and the function that runs it. The worker registers each with
// workflow.RegisterOptions{Name: d.Name}.
type Definition struct {
	Name string
	Fn   any
}

// Definitions lists every workflow this package defines, by contract name.
// Lifecycle appears once per lifecycle kind.
func Definitions() []Definition {
	return []Definition{
		{Name: contract.MembershipWorkflow, Fn: Lifecycle},
		{Name: contract.BookingWorkflow, Fn: Lifecycle},
		{Name: contract.DayPassWorkflow, Fn: Lifecycle},
		{Name: contract.AccessWorkflow, Fn: Access},
		{Name: contract.ReconcileWorkflow, Fn: Reconcile},
		{Name: contract.OrgDeleteWorkflow, Fn: OrgDelete},
		{Name: contract.PlatformSyncWorkflow, Fn: PlatformSync},
	}
}
