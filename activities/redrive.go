package activities

import (
	"context"
	"sort"
	"time"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/store"
)

// RunningWorkflows lists the lifecycle workflows running for an org (by
// workflow id), from Temporal's visibility store.
type RunningWorkflows interface {
	RunningLifecycles(ctx context.Context, orgID string) (map[string]bool, error)
}

// redrive starts the lifecycle workflow of every entity whose access
// changes later (a lifecycle workflow runs only while something is
// scheduled) and has none running. It returns how many it started.
func (rc *reconcile) redrive(ctx context.Context, grants []access.Grant) (int, error) {
	if rc.a.Workflows == nil {
		return 0, nil
	}
	running, err := rc.a.Workflows.RunningLifecycles(ctx, rc.org.ID)
	if err != nil {
		return 0, err
	}
	var pokes []store.Poke
	for _, e := range scheduledEntities(grants, rc.at) {
		if !running[contract.LifecycleWorkflowID(rc.org.ID, e.kind, e.id)] {
			pokes = append(pokes, store.Poke{Kind: store.PokeLifecycle, Target: store.LifecycleTarget(e.kind, e.id), At: rc.at,
				Reason: "reconcile: lifecycle workflow missing"})
		}
	}
	if len(pokes) == 0 {
		return 0, nil
	}
	_, err = rc.a.Store.QueuePokes(ctx, rc.org.ID, pokes)
	return len(pokes), err
}

type entityRef struct {
	kind access.Kind
	id   string
}

// scheduledEntities are the source entities whose grants open or close
// after at, sorted by kind and id.
func scheduledEntities(grants []access.Grant, at time.Time) []entityRef {
	byEntity := map[entityRef][]access.Grant{}
	for _, g := range grants {
		e := entityRef{g.Reason.Kind, g.Reason.ID}
		byEntity[e] = append(byEntity[e], g)
	}
	var out []entityRef
	for e, gs := range byEntity {
		if !access.NextChange(gs, at).IsZero() {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].kind != out[j].kind {
			return out[i].kind < out[j].kind
		}
		return out[i].id < out[j].id
	})
	return out
}
