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
	s, err := l.base(ctx, orgID)
	if err != nil {
		return s, err
	}
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
	orgID := e.OrgID
	s, err := l.base(ctx, orgID)
	if err != nil {
		return s, err
	}
	var refs struct {
		MemberID string `json:"member_id"`
		TeamID   string `json:"team_id"`
	}
	if err := json.Unmarshal(e.Body, &refs); err != nil {
		return s, err
	}
	rows := []store.Entity{e}
	var people []store.Entity
	switch {
	case refs.MemberID != "":
		people, err = l.Store.MembersAndCoMembers(ctx, orgID, []string{refs.MemberID})
	case refs.TeamID != "":
		people, err = l.Store.TeamMembers(ctx, orgID, []string{refs.TeamID})
	}
	if err != nil {
		return s, err
	}
	return s, l.add(ctx, &s, append(rows, people...))
}

// base is the org's settings, mappings and small tables.
func (l Loader) base(ctx context.Context, orgID string) (access.Snapshot, error) {
	org, err := l.Store.GetOrg(ctx, orgID)
	if err != nil {
		return access.Snapshot{}, err
	}
	s := access.NewSnapshot(EngineOrg(org))
	mappings, err := l.Store.Mappings(ctx, orgID)
	if err != nil {
		return s, err
	}
	addMappings(&s, mappings)
	static, err := l.Store.StaticEntities(ctx, orgID)
	if err != nil {
		return s, err
	}
	return s, decodeInto(&s, static)
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

func decodeOne(s *access.Snapshot, e store.Entity) error {
	switch e.Kind {
	case access.KindLocation:
		return put(s.Locations, e)
	case access.KindFloor:
		return put(s.Floors, e)
	case access.KindResource:
		return put(s.Resources, e)
	case access.KindPlan:
		return put(s.Plans, e)
	case access.KindTeam:
		return put(s.Teams, e)
	case access.KindMember:
		return put(s.Members, e)
	case access.KindMembership:
		return put(s.Memberships, e)
	case access.KindBooking:
		return put(s.Bookings, e)
	case access.KindDayPass:
		return put(s.DayPasses, e)
	}
	return fmt.Errorf("unknown kind %q", e.Kind)
}

func put[T any](m map[string]T, e store.Entity) error {
	var v T
	if err := json.Unmarshal(e.Body, &v); err != nil {
		return err
	}
	m[e.ID] = v
	return nil
}
