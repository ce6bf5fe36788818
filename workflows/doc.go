// Package workflows holds doorsync's deterministic Temporal workflows.
//
// Lifecycle (registered as MembershipWorkflow, BookingWorkflow and
// DayPassWorkflow) follows one source entity: it loads what the entity means
// now, pokes the access workflow of every person the entity reaches (or
// reached before the latest change) whom the change's write did not poke
// already, and sleeps until the entity's next change in access or until it
// is poked; with nothing scheduled it returns. Access is the single writer
// of one person's Salto KS state: it coalesces pokes into one ApplyAccess
// activity at a time and sleeps until the next poke or the person's next
// access change.
//
// Workflows do no I/O: activities are invoked by their contract names, time
// comes from workflow.Now and workflow.NewTimer, and nothing ranges over a
// map. Both workflows continue as new when Temporal suggests it, once no
// poke is pending (pokes already received are applied first).
package workflows
