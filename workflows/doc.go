// Package workflows holds doorsync's deterministic Temporal workflows.
//
// Lifecycle (registered as MembershipWorkflow, BookingWorkflow and
// DayPassWorkflow) follows one source entity: it loads what the entity means
// now, pokes the access workflow of every person the entity reaches (or
// reached before the latest change), and sleeps until the entity's next
// change in access or until it is poked. Access is the single writer of one
// person's Salto KS state: it coalesces pokes into one ApplyAccess activity
// at a time.
//
// Workflows do no I/O: activities are invoked by their contract names, time
// comes from workflow.Now and workflow.NewTimer, and nothing ranges over a
// map. Both workflows continue as new when Temporal suggests it, after
// draining the pokes already received.
package workflows
