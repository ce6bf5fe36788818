package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"doorsync/access"
)

// The loads below give the engine what it needs and no more: the small
// tables whole (locations, floors, resources, plans, teams) and of the
// large ones (members, memberships, bookings, day passes) only the rows a
// person or an entity can be reached through.

// staticKinds are loaded whole for any evaluation: the space kinds that
// are neither persons nor grant access themselves (what an operator
// configures).
var staticKinds = slices.DeleteFunc(slices.Clone(access.SpaceKinds), func(k access.Kind) bool {
	return k == access.KindMember || k.Lifecycle()
})

// OrgEntities returns every entity of org.
func (s *Store) OrgEntities(ctx context.Context, orgID string) ([]Entity, error) {
	return s.queryEntities(ctx, `select `+entityColumns+` from entities where org_id = $1`, orgID)
}

// MemberEntities returns the members with the given ids, and the
// memberships, bookings and day passes that name any of them, or (with no
// member) any of teams.
func (s *Store) MemberEntities(ctx context.Context, orgID string, memberIDs, teams []string) ([]Entity, error) {
	return s.queryEntities(ctx, memberEntitiesQuery, orgID, memberIDs, teams)
}

// memberEntitiesQuery finds members $2 and the sources that may reach them:
// by access's declaration, those whose references to a member name one of
// $2, or, naming no member, whose references to a team name one of $3.
var memberEntitiesQuery = func() string {
	memberRefs := access.LifecycleReferences(access.KindMember)
	noMember := ""
	for _, c := range distinct(fieldsOf(memberRefs)...) {
		noMember += " and " + c + " is null"
	}
	conds := []string{`(kind = ` + sqlMember + ` and id = any($2))`}
	for _, g := range byColumn(memberRefs) {
		conds = append(conds, `(`+sqlKindIs("kind", g.kinds)+` and `+g.column+` = any($2))`)
	}
	for _, g := range byColumn(access.LifecycleReferences(access.KindTeam)) {
		conds = append(conds, `(`+sqlKindIs("kind", g.kinds)+noMember+` and `+g.column+` = any($3))`)
	}
	return `select ` + entityColumns + ` from entities
		where org_id = $1 and (
			` + strings.Join(conds, "\n\t\t\tor ") + `)`
}()

// BookingsNaming returns the bookings whose booker or guests include email.
func (s *Store) BookingsNaming(ctx context.Context, orgID, email string) ([]Entity, error) {
	return s.queryEntities(ctx, `select `+entityColumns+` from entities
		where org_id = $1 and kind = `+sqlBooking+` and emails @> array[$2]`, orgID, email)
}

// TeamMembers returns the members of the teams and their co-members.
func (s *Store) TeamMembers(ctx context.Context, orgID string, teams []string) ([]Entity, error) {
	return s.queryEntities(ctx, `select `+entityColumns+` from entities
		where org_id = $1 and kind = `+sqlMember+` and (team_id = any($2) or primary_member_id in (
			select id from entities where org_id = $1 and kind = `+sqlMember+` and team_id = any($2)))`, orgID, teams)
}

// MembersAndCoMembers returns the members with the given ids and their
// co-members.
func (s *Store) MembersAndCoMembers(ctx context.Context, orgID string, ids []string) ([]Entity, error) {
	return s.queryEntities(ctx, `select `+entityColumns+` from entities
		where org_id = $1 and kind = `+sqlMember+` and (id = any($2) or primary_member_id = any($2))`, orgID, ids)
}

// LifecycleEntityIDs returns the ids of org's memberships, bookings and
// day passes, as "kind:id".
func (s *Store) LifecycleEntityIDs(ctx context.Context, orgID string) ([]string, error) {
	rows, err := s.db.Query(ctx, `select kind || ':' || id from entities where org_id = $1
		and kind in `+sqlLifecycleKinds+` order by kind, id`, cachedPlan, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: lifecycle entities: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (s *Store) queryEntities(ctx context.Context, sql string, args ...any) ([]Entity, error) {
	rows, err := s.db.Query(ctx, sql, append([]any{cachedPlan}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: load entities: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entity, error) {
		var e Entity
		err := r.Scan(&e.OrgID, &e.Kind, &e.ID, &e.Body, &e.Version, &e.UpdatedAt, &e.Source, &e.SourceID)
		return e, err
	})
}
