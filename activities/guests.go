package activities

import (
	"context"
	"fmt"
	"slices"

	"go.temporal.io/sdk/activity"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/internal/guestkey"
	"doorsync/store"
)

// Workflows know a guest only by their workflow key, a hash of their
// e-mail (internal/guestkey); the store knows them by e-mail. Activities
// translate at their edge: what they return to a workflow is a workflow
// key, what they read or write in the store a store key.

// workflowKeys are the workflow keys of store person keys. The way back
// from each guest's is remembered before it is handed to a workflow.
func (a *Activities) workflowKeys(ctx context.Context, orgID string, storeKeys []string) ([]string, error) {
	out := make([]string, len(storeKeys))
	var guests []store.GuestKey
	for i, k := range storeKeys {
		out[i] = a.Guests.WorkflowKey(k)
		if out[i] != k {
			guests = append(guests, store.GuestKey{OrgID: orgID, Key: out[i], Person: k})
		}
	}
	if err := a.Store.RememberGuestKeys(ctx, guests); err != nil {
		return nil, err
	}
	return out, nil
}

// personKeys are the store keys of persons.
func personKeys(persons []access.PersonRef) []string {
	out := make([]string, len(persons))
	for i, p := range persons {
		out[i] = p.Key()
	}
	return out
}

// heartbeatReport is report with its persons named by workflow key: heartbeat
// details are kept by Temporal.
func (a *Activities) heartbeatReport(ctx context.Context, orgID string, report []GroupReport) ([]GroupReport, error) {
	return mapReportPersons(report, func(keys []string) ([]string, error) { return a.workflowKeys(ctx, orgID, keys) })
}

// resumedReport is heartbeatReport undone.
func (a *Activities) resumedReport(ctx context.Context, orgID string, report []GroupReport) ([]GroupReport, error) {
	return mapReportPersons(report, func(keys []string) ([]string, error) { return a.storeKeys(ctx, orgID, keys) })
}

// mapReportPersons is a copy of report with each group's persons mapped by fn.
func mapReportPersons(report []GroupReport, fn func([]string) ([]string, error)) ([]GroupReport, error) {
	out := slices.Clone(report)
	for i := range out {
		for _, list := range []*[]ReportPerson{&out[i].Add, &out[i].Remove} {
			*list = slices.Clone(*list)
			keys := make([]string, len(*list))
			for j, p := range *list {
				keys[j] = p.Person
			}
			mapped, err := fn(keys)
			if err != nil {
				return nil, err
			}
			for j := range *list {
				(*list)[j].Person = mapped[j]
			}
		}
	}
	return out, nil
}

// storeKeys are the store keys of workflow person keys. A guest's e-mail
// key (from a run begun before guests were hashed) and a member's key are
// store keys already.
func (a *Activities) storeKeys(ctx context.Context, orgID string, keys []string) ([]string, error) {
	var hashed []string
	for _, k := range keys {
		if guestkey.IsHashedGuest(k) {
			hashed = append(hashed, k)
		}
	}
	if len(hashed) == 0 {
		return keys, nil
	}
	persons, err := a.Store.GuestPersons(ctx, orgID, hashed)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k
		if guestkey.IsHashedGuest(k) {
			if out[i] = persons[k]; out[i] == "" {
				return nil, fmt.Errorf("activities: guest %s of org %s is not known", k, orgID)
			}
		}
	}
	return out, nil
}

// superseded reports whether ctx is an activity of an access workflow
// that no longer is the person's (a run started before the person's
// workflow id changed: a guest then named by e-mail, or an org id with
// ":" before it was escaped). Pokes reach only the current workflow, so
// such a run hands its work over rather than apply beside it.
func superseded(ctx context.Context, orgID, workflowKey string) bool {
	if !activity.IsActivity(ctx) {
		return false
	}
	info := activity.GetInfo(ctx)
	return info.WorkflowType != nil && info.WorkflowType.Name == contract.AccessWorkflow &&
		info.WorkflowExecution.ID != contract.AccessWorkflowID(orgID, workflowKey)
}

// handOver pokes the person's current access workflow (through the
// outbox) with a superseded run's apply.
func (a *Activities) handOver(ctx context.Context, in contract.ApplyAccessInput, storeKey string) error {
	_, err := a.Store.QueuePokes(ctx, in.OrgID, []store.Poke{{Kind: store.PokeAccess, Target: storeKey, At: in.At,
		Reason: in.Cause}})
	return err
}
