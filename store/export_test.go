package store

import (
	"context"
	"slices"

	"doorsync/access"
)

// SQLKinds exposes sqlKinds.
func SQLKinds(kinds []access.Kind) string { return sqlKinds(kinds) }

// TeamQueries are the queries that look sources up by team, which
// entities_team_grants_idx serves.
var TeamQueries = map[string]string{
	"dependents of a team": dependentQueries[access.KindTeam],
	"member change":        memberChangeQuery,
	"member entities":      memberEntitiesQuery,
}

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
