package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"doorsync/access"
)

// dependentPokes lists the pokes a change of entity (kind, id) calls for:
// the lifecycle workflows of the memberships, bookings and day passes it
// affects, and the access workflows of the members it affects directly.
// Desired access is always recomputed from scratch, so over-poking is safe;
// missing one is not.
func dependentPokes(ctx context.Context, tx pgx.Tx, orgID string, kind access.Kind, id string) ([]Poke, error) {
	reason := string(kind) + " " + id + " changed"
	switch {
	case kind.Lifecycle():
		return []Poke{{Kind: PokeLifecycle, Target: LifecycleTarget(kind, id), Reason: reason}}, nil
	case kind == access.KindMember:
		return memberPokes(ctx, tx, orgID, id, reason)
	case kind == access.KindTeam:
		return teamPokes(ctx, tx, orgID, id, reason)
	}
	sql, ok := dependentQueries[kind]
	if !ok {
		return nil, nil
	}
	return lifecyclePokes(ctx, tx, sql, reason, orgID, id)
}

// dependentQueries find, for a referenced entity, the lifecycle entities
// whose access depends on it, as "kind:id" targets.
var dependentQueries = map[access.Kind]string{
	access.KindPlan: `select kind || ':' || id from entities where org_id = $1 and plan_id = $2 and kind = ` + sqlMembership,
	access.KindTeam: `select kind || ':' || id from entities where org_id = $1 and team_id = $2 and kind in ` + sqlTeamGrantKinds,
	access.KindResource: `select kind || ':' || id from entities where org_id = $1 and resource_id = $2
		and kind in ` + sqlResourceGrantKinds,
	access.KindFloor: `select e.kind || ':' || e.id from entities e
		join entities r on r.org_id = e.org_id and r.kind = ` + sqlResource + ` and r.id = e.resource_id
		where e.org_id = $1 and r.floor_id = $2 and e.kind in ` + sqlResourceGrantKinds,
	// a location's site decides what its resources, the resources on its
	// floors and its day passes grant
	access.KindLocation: `select e.kind || ':' || e.id from entities e
		join entities r on r.org_id = e.org_id and r.kind = ` + sqlResource + ` and r.id = e.resource_id
		where e.org_id = $1 and r.location_id = $2 and e.kind in ` + sqlResourceGrantKinds + `
		union select e.kind || ':' || e.id from entities e
		join entities r on r.org_id = e.org_id and r.kind = ` + sqlResource + ` and r.id = e.resource_id
		join entities f on f.org_id = r.org_id and f.kind = ` + sqlFloor + ` and f.id = r.floor_id
		where e.org_id = $1 and f.location_id = $2 and e.kind = ` + sqlMembership + `
		union select kind || ':' || id from entities where org_id = $1 and location_id = $2 and kind = ` + sqlDayPass,
}

// dayPassMappingKind is the mapping kind of day passes, whose id is a
// location id or "*"; it names no entity.
const dayPassMappingKind = "day-passes"

// dayPassMappingQuery finds the day passes a day-pass mapping reaches: "*"
// reaches every day pass.
const dayPassMappingQuery = `select kind || ':' || id from entities where org_id = $1 and kind = ` + sqlDayPass + `
		and ($2 = '*' or location_id = $2)`

// mappingKinds maps a mapping kind to the entity kind its id names.
var mappingKinds = map[string]access.Kind{"plans": access.KindPlan, "locations": access.KindLocation,
	"floors": access.KindFloor, "resources": access.KindResource}

// mappingPokes lists the pokes a change of the mapping (kind, ref) calls
// for: those of a change of the entity it maps, or for a day-pass mapping,
// of the day passes it reaches.
func mappingPokes(ctx context.Context, tx pgx.Tx, orgID, kind, ref string) ([]Poke, error) {
	if kind == dayPassMappingKind {
		return lifecyclePokes(ctx, tx, dayPassMappingQuery, kind+" "+ref+" changed", orgID, ref)
	}
	return dependentPokes(ctx, tx, orgID, mappingKinds[kind], ref)
}

func lifecyclePokes(ctx context.Context, tx pgx.Tx, sql, reason string, args ...any) ([]Poke, error) {
	rows, err := tx.Query(ctx, sql, append([]any{cachedPlan}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: dependents: %w", err)
	}
	targets, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	pokes := make([]Poke, len(targets))
	for i, t := range targets {
		pokes[i] = Poke{Kind: PokeLifecycle, Target: t, Reason: reason}
	}
	return pokes, nil
}

// teamPokes pokes the lifecycle workflows of the team's memberships and
// day passes, and the access workflows of its members (and their
// co-members) who hold access: a
// team-wide grant's lifecycle workflow may not run (it runs only while
// something is scheduled) and so may not remember whom it reached, and a
// deleted team reaches no one.
func teamPokes(ctx context.Context, tx pgx.Tx, orgID, id, reason string) ([]Poke, error) {
	pokes, err := lifecyclePokes(ctx, tx, dependentQueries[access.KindTeam], reason, orgID, id)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `select `+sqlMemberKeyPrefix+` || m.id from entities m
		where m.org_id = $1 and m.kind = `+sqlMember+` and (m.team_id = $2 or m.primary_member_id in (
			select t.id from entities t where t.org_id = $1 and t.kind = `+sqlMember+` and t.team_id = $2))
		and exists (select 1 from applied_access a where a.org_id = m.org_id and a.person = `+sqlMemberKeyPrefix+` || m.id)
		order by m.id`, orgID, id)
	if err != nil {
		return nil, fmt.Errorf("store: team %s members: %w", id, err)
	}
	holders, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	for _, p := range holders {
		pokes = append(pokes, Poke{Kind: PokeAccess, Target: p, Reason: reason})
	}
	return pokes, nil
}

// memberPokes pokes the member and their co-members (whose access is the
// member's), wherever the member's team, card or primary member changed.
// The member's own poke is left out when it provably has nothing to do: a
// new member whom nothing grants anything yet and who has nothing applied
// (an import's member lines, before their memberships). Whatever grants
// them access later pokes them itself.
func memberPokes(ctx context.Context, tx pgx.Tx, orgID, id, reason string) ([]Poke, error) {
	rows, err := tx.Query(ctx, `select id from entities where org_id = $1 and kind = `+sqlMember+` and primary_member_id = $2`,
		cachedPlan, orgID, id)
	if err != nil {
		return nil, fmt.Errorf("store: co-members: %w", err)
	}
	coMembers, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var pokes []Poke
	concerned, err := memberConcerned(ctx, tx, orgID, id)
	if err != nil {
		return nil, err
	}
	if concerned {
		pokes = append(pokes, Poke{Kind: PokeAccess, Target: memberPersonKey(id), Reason: reason})
	}
	for _, m := range coMembers {
		pokes = append(pokes, Poke{Kind: PokeAccess, Target: memberPersonKey(m), Reason: reason})
	}
	return pokes, nil
}

// memberConcerned says whether a change of member id can change what
// doorsync does for them: they have something applied, a Salto KS user or
// a recorded problem, or something may grant them access (an entity naming
// them, a primary member, or a membership or day pass of their whole team).
// The engine's grant sources for a member are exactly these; a new source
// must be added here.
func memberConcerned(ctx context.Context, tx pgx.Tx, orgID, id string) (bool, error) {
	var team, primary string
	err := tx.QueryRow(ctx, `select coalesce(team_id, ''), coalesce(primary_member_id, '') from entities
		where org_id = $1 and kind = `+sqlMember+` and id = $2`, cachedPlan, orgID, id).Scan(&team, &primary)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("store: member %s: %w", id, err)
	}
	if primary != "" {
		return true, nil
	}
	var granted, recorded bool
	err = tx.QueryRow(ctx, `select
		exists (select 1 from entities where org_id = $1 and member_id = $2
			and kind in `+sqlLifecycleKinds+`)
		or exists (select 1 from entities where org_id = $1 and team_id = $3
			and kind in `+sqlTeamGrantKinds+` and coalesce(member_id, '') = '')`,
		cachedPlan, orgID, id, team).Scan(&granted)
	if err != nil || granted {
		return granted, wrapConcerned(id, err)
	}
	err = tx.QueryRow(ctx, `select
		exists (select 1 from applied_access where org_id = $1 and person = $2)
		or exists (select 1 from salto_identities where org_id = $1 and person = $2)
		or exists (select 1 from person_status where org_id = $1 and person = $2 and last_error <> '')`,
		orgID, memberPersonKey(id)).Scan(&recorded)
	return recorded, wrapConcerned(id, err)
}

func wrapConcerned(id string, err error) error {
	if err != nil {
		return fmt.Errorf("store: member %s concerned: %w", id, err)
	}
	return nil
}
