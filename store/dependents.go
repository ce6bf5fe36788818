package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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
// whose access depends on it, as "kind:id" targets: one query per kind
// that has access.DependencyPaths, generated from them at init (see
// dependentQuery). TestDependentsMatchTheDeclaration checks them against
// access.Dependents on real data, for every kind.
var dependentQueries = func() map[access.Kind]string {
	out := map[access.Kind]string{}
	for _, k := range access.SpaceKinds {
		if paths := access.DependencyPaths(k); len(paths) > 0 {
			out[k] = dependentQuery(paths)
		}
	}
	return out
}()

// dependentQuery is the union of one select per chain of references the
// paths follow (paths that differ only in their lifecycle kind share one,
// with "kind in"): the lifecycle entities e in org $1 whose chain ends at
// the entity $2, joined through the entities on the way. A single
// reference is a plain lookup of its column, e.g. for a team:
//
//	select kind || ':' || id from entities where org_id = $1 and team_id = $2 and kind in ('membership', 'day_pass')
func dependentQuery(paths []access.Path) string {
	type chain struct {
		path  access.Path // of the first lifecycle kind
		kinds []access.Kind
	}
	var chains []*chain
	same := func(a, b access.Path) bool {
		return len(a) == len(b) && a[0].Field == b[0].Field && slices.EqualFunc(a[1:], b[1:],
			func(x, y access.Reference) bool { return x.From == y.From && x.Field == y.Field })
	}
	for _, p := range paths {
		i := slices.IndexFunc(chains, func(c *chain) bool { return same(c.path, p) })
		if i < 0 {
			chains = append(chains, &chain{path: p})
			i = len(chains) - 1
		}
		chains[i].kinds = append(chains[i].kinds, p.Source())
	}
	selects := make([]string, len(chains))
	for i, c := range chains {
		if len(c.path) == 1 {
			selects[i] = `select kind || ':' || id from entities where org_id = $1 and ` + c.path[0].Field + ` = $2 and ` +
				sqlKindIs("kind", c.kinds)
			continue
		}
		var b strings.Builder
		b.WriteString(`select e.kind || ':' || e.id from entities e`)
		prev := "e"
		for n, r := range c.path[:len(c.path)-1] {
			j := fmt.Sprintf("j%d", n+1)
			fmt.Fprintf(&b, "\n\t\tjoin entities %s on %s.org_id = %s.org_id and %s.kind = %s and %s.id = %s.%s",
				j, j, prev, j, sqlKind(r.To), j, prev, r.Field)
			prev = j
		}
		fmt.Fprintf(&b, "\n\t\twhere e.org_id = $1 and %s.%s = $2 and %s", prev, c.path[len(c.path)-1].Field, sqlKindIs("e.kind", c.kinds))
		selects[i] = b.String()
	}
	return strings.Join(selects, "\n\t\tunion ")
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
// day passes (what references the team: dependentQueries), and the access
// workflows of its members (and their co-members) who hold access: a
// team-wide grant's lifecycle workflow may not run (it runs only while
// something is scheduled) and so may not remember whom it reached, and a
// deleted team reaches no one.
func teamPokes(ctx context.Context, tx pgx.Tx, orgID, id, reason string) ([]Poke, error) {
	pokes, err := lifecyclePokes(ctx, tx, dependentQueries[access.KindTeam], reason, orgID, id)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, teamHoldersQuery, orgID, id)
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

// teamHoldersQuery finds the person keys of the members of team $2 and of
// their co-members who hold access.
var teamHoldersQuery = `select ` + sqlMemberKeyPrefix + ` || m.id from entities m
		where m.org_id = $1 and m.kind = ` + sqlMember + ` and (m.` + memberTeamColumn + ` = $2 or m.` + memberPrimaryColumn + ` in (
			select t.id from entities t where t.org_id = $1 and t.kind = ` + sqlMember + ` and t.` + memberTeamColumn + ` = $2))
		and exists (select 1 from applied_access a where a.org_id = m.org_id and a.person = ` + sqlMemberKeyPrefix + ` || m.id)
		order by m.id`

// memberPokes pokes the member and their co-members (whose access is the
// member's), wherever the member's team, card or primary member changed,
// as stored now.
func memberPokes(ctx context.Context, tx pgx.Tx, orgID, id, reason string) ([]Poke, error) {
	var team, primary string
	err := tx.QueryRow(ctx, `select coalesce(`+memberTeamColumn+`, ''), coalesce(`+memberPrimaryColumn+`, '') from entities
		where org_id = $1 and kind = `+sqlMember+` and id = $2`, cachedPlan, orgID, id).Scan(&team, &primary)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("store: member %s: %w", id, err)
	}
	return memberChange{orgID: orgID, id: id, team: team, primary: primary, reason: reason}.pokes(ctx, tx)
}

// memberChange is a change of member id, now of team and primary member:
// whom it pokes.
type memberChange struct {
	orgID, id, team, primary, reason string
	// sourcesOfTeams, when set, also pokes the lifecycles of the sources
	// that may grant the member, through its own id or these teams (a new
	// member, or one whose team or primary member changed).
	sourcesOfTeams []string
}

// pokes are the member's and its co-members' access pokes and the
// sources' lifecycle pokes, found in one statement (memberChangeQuery).
// The member's own poke is left out when it provably has nothing to do:
// a new member whom nothing grants anything yet and who has nothing
// applied (an import's member lines, before their memberships). Whatever
// grants them access later pokes them itself.
func (c memberChange) pokes(ctx context.Context, tx pgx.Tx) ([]Poke, error) {
	var (
		coMembers, sources []string
		concerned          bool
	)
	err := tx.QueryRow(ctx, memberChangeQuery, cachedPlan, c.orgID, c.id, c.team, memberPersonKey(c.id),
		c.sourcesOfTeams != nil, c.sourcesOfTeams).Scan(&coMembers, &concerned, &sources)
	if err != nil {
		return nil, fmt.Errorf("store: whom a change of member %s reaches: %w", c.id, err)
	}
	var pokes []Poke
	if concerned || c.primary != "" {
		pokes = append(pokes, Poke{Kind: PokeAccess, Target: memberPersonKey(c.id), Reason: c.reason})
	}
	for _, m := range coMembers {
		pokes = append(pokes, Poke{Kind: PokeAccess, Target: memberPersonKey(m), Reason: c.reason})
	}
	for _, t := range sources {
		pokes = append(pokes, Poke{Kind: PokeLifecycle, Target: t, Reason: "member " + c.id + " changed"})
	}
	return pokes, nil
}

// memberChangeQuery finds, for member $2 of org $1, of team $3 (person
// key $4): its co-members (those whose primary member it is); whether the
// change concerns it, that is, it has something applied, a Salto KS user
// or a recorded problem, or a source may grant it access (one that names
// it or, naming no member, its team: memberGranted); and, when $5, the
// sources that may grant it through its id or the teams $6
// (memberSources). Both are derived from access's declaration, so a new
// source is covered once it is declared there.
var memberChangeQuery = `select
	array(select id from entities where org_id = $1 and kind = ` + sqlMember + ` and ` + memberPrimaryColumn + ` = $2),
	` + memberGranted("$1", "$2", "$3") + `
		or exists (select 1 from applied_access where org_id = $1 and person = $4)
		or exists (select 1 from salto_identities where org_id = $1 and person = $4)
		or exists (select 1 from person_status where org_id = $1 and person = $4 and last_error <> ''),
	case when $5 then array(` + memberSources("$1", "$2", "$6") + `) else '{}' end`

// memberGranted is the condition that a source in the org may grant the
// member, of the team (org, member and team are placeholders such as
// "$1") access: one that names the member, or one that names the team and
// no member (access's holder rule: a named
// member wins). One exists per column of access.LifecycleReferences to a
// member and to a team, with the kinds that reference through it, e.g.
//
//	exists (select 1 from entities where org_id = $1 and team_id = $3
//		and kind in ('membership', 'day_pass') and coalesce(member_id, '') = '')
//
// (entities_team_grants_idx serves the team's).
func memberGranted(org, member, team string) string {
	memberRefs := access.LifecycleReferences(access.KindMember)
	memberColumns := distinct(fieldsOf(memberRefs)...)
	var parts []string
	for _, g := range byColumn(memberRefs) {
		parts = append(parts, `exists (select 1 from entities where org_id = `+org+` and `+g.column+` = `+member+`
			and `+sqlKindIs("kind", g.kinds)+`)`)
	}
	for _, g := range byColumn(access.LifecycleReferences(access.KindTeam)) {
		noMember := ""
		for _, c := range memberColumns {
			noMember += ` and coalesce(` + c + `, '') = ''`
		}
		parts = append(parts, `exists (select 1 from entities where org_id = `+org+` and `+g.column+` = `+team+`
			and `+sqlKindIs("kind", g.kinds)+noMember+`)`)
	}
	return strings.Join(parts, "\n\t\tor ")
}

// memberSources lists, as lifecycle targets, the sources in the org that
// may grant the member, of the teams (placeholders, as for memberGranted):
// the same sources as memberGranted.
func memberSources(org, member, teams string) string {
	memberRefs := access.LifecycleReferences(access.KindMember)
	memberColumns := distinct(fieldsOf(memberRefs)...)
	var parts []string
	for _, g := range byColumn(memberRefs) {
		parts = append(parts, `select kind || ':' || id from entities where org_id = `+org+` and `+g.column+` = `+member+`
			and `+sqlKindIs("kind", g.kinds))
	}
	for _, g := range byColumn(access.LifecycleReferences(access.KindTeam)) {
		noMember := ""
		for _, c := range memberColumns {
			noMember += ` and coalesce(` + c + `, '') = ''`
		}
		parts = append(parts, `select kind || ':' || id from entities where org_id = `+org+` and `+g.column+` = any(`+teams+`)
			and `+sqlKindIs("kind", g.kinds)+noMember)
	}
	return strings.Join(parts, "\n\t\tunion ")
}
