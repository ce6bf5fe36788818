package store

import (
	"context"
	"slices"

	"doorsync/access"
)

// SQLTeamGrantKinds exposes sqlTeamGrantKinds to the external tests.
var SQLTeamGrantKinds = sqlTeamGrantKinds

// DependentTargets returns the lifecycle targets ("kind:id") dependentPokes
// finds for a change of entity (kind, id), sorted: what a write of it pokes.
func (s *Store) DependentTargets(ctx context.Context, orgID string, kind access.Kind, id string) ([]string, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	pokes, err := dependentPokes(ctx, tx, orgID, kind, id)
	if err != nil {
		return nil, err
	}
	var targets []string
	for _, p := range pokes {
		if p.Kind == PokeLifecycle {
			targets = append(targets, p.Target)
		}
	}
	slices.Sort(targets)
	return slices.Compact(targets), nil
}
