// Package snapshot builds the access engine's input from the store: the
// whole org, or only what one person or one entity can be reached through.
// Scoped snapshots must give the same answer for their person or entity as
// the whole org does; the tests hold them to it.
package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"doorsync/access"
	"doorsync/store"
)

// Loader reads snapshots from a store.
type Loader struct{ Store *store.Store }

// Org loads everything of an org.
func (l Loader) Org(ctx context.Context, orgID string) (access.Snapshot, error) {
	s, err := l.base(ctx, orgID)
	if err != nil {
		return s, err
	}
	rows, err := l.Store.OrgEntities(ctx, orgID)
	if err != nil {
		return s, err
	}
	return s, l.add(ctx, &s, rows)
}

// Person loads what can grant to one person.
func (l Loader) Person(ctx context.Context, orgID string, p access.PersonRef) (access.Snapshot, error) {
	b, err := l.Store.ReadOrgBase(ctx, orgID)
	if err != nil {
		return access.Snapshot{}, err
	}
	return l.PersonIn(ctx, b, p)
}

// PersonIn is Person on an org's base already read.
func (l Loader) PersonIn(ctx context.Context, b store.OrgBase, p access.PersonRef) (access.Snapshot, error) {
	s, err := snapshotOf(b)
	if err != nil {
		return s, err
	}
	orgID := b.Org.ID
	var rows []store.Entity
	switch p.Kind {
	case access.PersonMember:
		rows, err = l.memberRows(ctx, orgID, p.ID)
	case access.PersonGuest:
		rows, err = l.Store.BookingsNaming(ctx, orgID, p.ID)
	default:
		return s, fmt.Errorf("snapshot: unknown person kind %q", p.Kind)
	}
	if err != nil {
		return s, err
	}
	return s, l.add(ctx, &s, rows)
}

// memberRows loads the member, their primary member (a co-member gets the
// primary's grants) and everything naming either of them or their teams.
func (l Loader) memberRows(ctx context.Context, orgID, memberID string) ([]store.Entity, error) {
	ids, teams := []string{memberID}, []string{}
	for i := 0; i < len(ids) && i < 2; i++ {
		m, err := l.member(ctx, orgID, ids[i])
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		if m.TeamID != "" {
			teams = append(teams, m.TeamID)
		}
		if m.PrimaryMemberID != "" && i == 0 {
			ids = append(ids, m.PrimaryMemberID)
		}
	}
	return l.Store.MemberEntities(ctx, orgID, ids, teams)
}

func (l Loader) member(ctx context.Context, orgID, id string) (access.Member, error) {
	e, err := l.Store.GetEntity(ctx, orgID, access.KindMember, id)
	if err != nil {
		return access.Member{}, err
	}
	var m access.Member
	return m, json.Unmarshal(e.Body, &m)
}

// Entity loads one lifecycle entity with whoever it can reach. A deleted
// entity gives a snapshot without it.
func (l Loader) Entity(ctx context.Context, orgID string, kind access.Kind, id string) (access.Snapshot, error) {
	e, err := l.Store.GetEntity(ctx, orgID, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return l.base(ctx, orgID)
	}
	if err != nil {
		return access.Snapshot{}, err
	}
	return l.EntityAs(ctx, e)
}

// EntityAs is Entity with e standing for the stored entity: what the
// snapshot would be once e is written.
func (l Loader) EntityAs(ctx context.Context, e store.Entity) (access.Snapshot, error) {
	_, after, err := l.Versions(ctx, nil, e)
	return after, err
}

// Versions is EntityAs for two versions of one entity read at once: the
// snapshot with before standing for the entity (the zero Snapshot when
// before is nil) and the one with after. The org's settings, mappings, static entities and the persons either
// version names are read once.
func (l Loader) Versions(ctx context.Context, before *store.Entity, after store.Entity) (access.Snapshot, access.Snapshot, error) {
	versions := []store.Entity{after}
	if before != nil {
		versions = append(versions, *before)
	}
	b, err := l.Store.ReadOrgBase(ctx, after.OrgID)
	if err != nil {
		return access.Snapshot{}, access.Snapshot{}, err
	}
	people, err := l.holders(ctx, after.OrgID, versions)
	if err != nil {
		return access.Snapshot{}, access.Snapshot{}, err
	}
	var snaps [2]access.Snapshot
	for i, e := range versions {
		if snaps[i], err = snapshotOf(b); err == nil {
			err = l.add(ctx, &snaps[i], append([]store.Entity{e}, people...))
		}
		if err != nil {
			return access.Snapshot{}, access.Snapshot{}, err
		}
	}
	return snaps[1], snaps[0], nil
}

// holders reads the members the versions of a lifecycle entity name (and
// their co-members), or, naming none, their teams' members: the holder
// references access declares for the entity's kind (a named member wins,
// as the engine's holder rule says).
func (l Loader) holders(ctx context.Context, orgID string, versions []store.Entity) ([]store.Entity, error) {
	var members, teams []string
	for _, e := range versions {
		var fields map[string]any
		if err := json.Unmarshal(e.Body, &fields); err != nil {
			return nil, err
		}
		named := referenced(fields, e.Kind, access.KindMember)
		members = append(members, named...)
		if len(named) == 0 {
			teams = append(teams, referenced(fields, e.Kind, access.KindTeam)...)
		}
	}
	var people []store.Entity
	if len(members) > 0 {
		rows, err := l.Store.MembersAndCoMembers(ctx, orgID, members)
		if err != nil {
			return nil, err
		}
		people = rows
	}
	if len(teams) > 0 {
		rows, err := l.Store.TeamMembers(ctx, orgID, teams)
		if err != nil {
			return nil, err
		}
		people = append(people, rows...)
	}
	return people, nil
}

// referenced returns the ids a body of kind names through its declared
// references to kind to (access.ReferencesOf).
func referenced(fields map[string]any, kind, to access.Kind) []string {
	var ids []string
	for _, r := range access.ReferencesOf(kind) {
		if id, _ := fields[r.Field].(string); r.To == to && id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// base is the org's settings, mappings and small tables.
func (l Loader) base(ctx context.Context, orgID string) (access.Snapshot, error) {
	b, err := l.Store.ReadOrgBase(ctx, orgID)
	if err != nil {
		return access.Snapshot{}, err
	}
	return snapshotOf(b)
}

// snapshotOf is a new snapshot holding an org's base (read once, in one
// statement, for every snapshot built from it).
func snapshotOf(b store.OrgBase) (access.Snapshot, error) {
	s := access.NewSnapshot(EngineOrg(b.Org))
	addMappings(&s, b.Mappings)
	return s, decodeInto(&s, b.Static)
}

// EngineOrg is the part of an org's settings the engine uses.
func EngineOrg(o store.Org) access.Org {
	before, after := o.Settings.BookingBufferBefore, o.Settings.BookingBufferAfter
	return access.Org{ID: o.ID, Name: o.Name, TimeZone: o.Settings.TimeZone,
		BookingBufferBefore: &before, BookingBufferAfter: &after}
}

func addMappings(s *access.Snapshot, mappings []store.Mapping) {
	byKind := map[string]map[string][]access.GroupRef{
		"plans": s.Mappings.Plans, "locations": s.Mappings.Locations, "floors": s.Mappings.Floors,
		"resources": s.Mappings.Resources, "day-passes": s.Mappings.DayPasses,
	}
	for _, m := range mappings {
		target := byKind[m.Kind]
		for _, g := range m.Groups {
			target[m.RefID] = append(target[m.RefID], access.GroupRef{SiteID: g.SiteID, GroupID: g.GroupID})
		}
	}
}

// add decodes rows into s and attaches the uses of its day passes.
func (l Loader) add(ctx context.Context, s *access.Snapshot, rows []store.Entity) error {
	if err := decodeInto(s, rows); err != nil {
		return err
	}
	if len(s.DayPasses) == 0 {
		return nil
	}
	ids := make([]string, 0, len(s.DayPasses))
	for id := range s.DayPasses {
		ids = append(ids, id)
	}
	uses, err := l.Store.DayPassUses(ctx, s.Org.ID, ids)
	if err != nil {
		return err
	}
	for _, u := range uses {
		dp := s.DayPasses[u.DayPassID]
		date, err := access.ParseDateOrTime(u.UsedOn)
		if err != nil {
			return fmt.Errorf("snapshot: day pass %s use %s: %w", u.DayPassID, u.UseID, err)
		}
		dp.Uses = append(dp.Uses, access.DayPassUse{UseID: u.UseID, Date: date})
		s.DayPasses[u.DayPassID] = dp
	}
	return nil
}

// decodeInto decodes each stored body into its map in s.
func decodeInto(s *access.Snapshot, rows []store.Entity) error {
	for _, e := range rows {
		if err := decodeOne(s, e); err != nil {
			return fmt.Errorf("snapshot: %s %s: %w", e.Kind, e.ID, err)
		}
	}
	return nil
}

func decodeOne(s *access.Snapshot, e store.Entity) error { return s.Put(e.Kind, e.ID, e.Body) }
