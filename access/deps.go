package access

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// The dependency model: which references each kind has, and from them,
// which lifecycle entities and persons a change of an entity affects. It
// is declared once, in references below; everything else derives from it:
// sourcesUsing, Dependents and AffectedPersons here, and in store the SQL
// that finds dependents, the kind lists and columns of its member and team
// queries and the holder fields its reach locks read (store/dependents.go,
// store/reachlocks.go), checked against Dependents on real data by store's
// TestDependentsMatchTheDeclaration. The one restatement is typed, on the
// hot path of every access workflow, and held to it by a test: which
// sources reach a member (reach.sources, TestPropertyReachFollowsTheDeclaration).
//
// A reference to a member names a person: a change of a member is
// followed to that person and their co-members (AffectedPersons, the
// store's member pokes), never through the sources naming them, so no
// dependency path passes through a member. Every other referenced kind
// (location, floor, resource, plan, team) is a dependency: a change of
// one may change the grants of every lifecycle entity that reaches it
// along references (DependencyPaths). Over-naming is safe (desired access
// is recomputed from scratch); missing one is not.

// Reference is one declared reference: an entity of kind From names an
// entity of kind To in Field, the JSON field of its stored canonical body
// (also the entities table's generated column of that name).
type Reference struct {
	From  Kind
	Field string
	To    Kind
	// ReadBy, when set, lists the only lifecycle kinds whose grants read
	// this reference of an entity they reach along other references; the
	// others' dependency paths do not continue through it. Nil: all do.
	ReadBy []Kind
}

func (r Reference) String() string { return fmt.Sprintf("%s.%s->%s", r.From, r.Field, r.To) }

// references is the one declaration. Each Field must be a string field of
// From's engine struct with that JSON name (checked at init), and a
// generated column of the entities table (store's
// TestEveryReferenceHasAColumn).
var references = []Reference{
	ref(KindFloor, "location_id", KindLocation),
	ref(KindResource, "location_id", KindLocation),
	// a booking's grants use its resource's location, not its floor
	ref(KindResource, "floor_id", KindFloor, KindMembership),
	ref(KindMember, "team_id", KindTeam),
	ref(KindMember, "primary_member_id", KindMember),
	ref(KindMembership, "plan_id", KindPlan),
	ref(KindMembership, "member_id", KindMember),
	ref(KindMembership, "team_id", KindTeam),
	ref(KindMembership, "resource_id", KindResource),
	ref(KindBooking, "resource_id", KindResource),
	ref(KindBooking, "member_id", KindMember),
	ref(KindDayPass, "member_id", KindMember),
	ref(KindDayPass, "team_id", KindTeam),
	ref(KindDayPass, "location_id", KindLocation),
}

// ref declares a reference, read by readBy only when given.
func ref(from Kind, field string, to Kind, readBy ...Kind) Reference {
	return Reference{From: from, Field: field, To: to, ReadBy: readBy}
}

// personKind is the kind whose entities are persons: dependency paths stop
// at it (see above).
const personKind = KindMember

// References returns every declared reference, in declaration order.
func References() []Reference {
	out := slices.Clone(references)
	for i := range out {
		out[i].ReadBy = slices.Clone(out[i].ReadBy)
	}
	return out
}

// ReferencesOf returns the references of kind k, in declaration order.
func ReferencesOf(k Kind) []Reference {
	out := slices.Clone(referencesByKind[k])
	for i := range out {
		out[i].ReadBy = slices.Clone(out[i].ReadBy)
	}
	return out
}

// referencesByKind are the declared references grouped by the kind that
// makes them, once (a write's snapshot reads them for every entity).
var referencesByKind = func() map[Kind][]Reference {
	m := map[Kind][]Reference{}
	for _, r := range references {
		m[r.From] = append(m[r.From], r)
	}
	return m
}()

// LifecycleReferences returns the references of lifecycle kinds to kind to,
// in LifecycleKinds order (e.g. to KindTeam: membership.team_id and
// day_pass.team_id, what a whole team may hold).
func LifecycleReferences(to Kind) []Reference {
	var out []Reference
	for _, k := range LifecycleKinds {
		for _, r := range ReferencesOf(k) {
			if r.To == to {
				out = append(out, r)
			}
		}
	}
	return out
}

// LifecycleReferrers returns the lifecycle kinds that reference kind to
// directly, in LifecycleKinds order: to KindTeam, the kinds a whole team
// may hold; to KindResource, the kinds that name a resource.
func LifecycleReferrers(to Kind) []Kind {
	var out []Kind
	for _, r := range LifecycleReferences(to) {
		if !slices.Contains(out, r.From) {
			out = append(out, r.From)
		}
	}
	return out
}

// Path is a chain of references from a lifecycle kind (its Source) to a
// kind its entities depend on (its Target): path[i].To is path[i+1].From.
type Path []Reference

// Source is the lifecycle kind the path starts at.
func (p Path) Source() Kind { return p[0].From }

// Target is the kind the path ends at.
func (p Path) Target() Kind { return p[len(p)-1].To }

func (p Path) String() string {
	parts := []string{string(p.Source())}
	for _, r := range p {
		parts = append(parts, r.Field)
	}
	return strings.Join(parts, ".") + "->" + string(p.Target())
}

// paths are every dependency path, derived once from references: from each
// lifecycle kind along references, stopping at persons and at lifecycle
// kinds. Sorted by target, then source (LifecycleKinds order), then length.
var paths = derivePaths()

func derivePaths() []Path {
	var out []Path
	var walk func(p Path)
	walk = func(p Path) {
		if len(p) > len(references) {
			panic("access: the references form a cycle through " + p.String())
		}
		out = append(out, p)
		if t := p.Target(); t != personKind && !t.Lifecycle() {
			for _, r := range ReferencesOf(t) {
				if r.ReadBy == nil || slices.Contains(r.ReadBy, p.Source()) {
					walk(append(slices.Clip(p), r))
				}
			}
		}
	}
	for _, k := range LifecycleKinds {
		for _, r := range ReferencesOf(k) {
			walk(Path{r})
		}
	}
	out = slices.DeleteFunc(out, func(p Path) bool { return p.Target() == personKind || p.Target().Lifecycle() })
	slices.SortStableFunc(out, func(a, b Path) int {
		return cmp.Or(cmp.Compare(kindOrder(a.Target()), kindOrder(b.Target())),
			cmp.Compare(kindOrder(a.Source()), kindOrder(b.Source())), cmp.Compare(len(a), len(b)))
	})
	return out
}

// kindOrder orders kinds as SpaceKinds lists them.
func kindOrder(k Kind) int { return slices.Index(SpaceKinds, k) }

// DependencyPaths returns the paths along which lifecycle entities depend
// on kind k (e.g. to KindLocation: membership.resource_id.location_id,
// membership.resource_id.floor_id.location_id, ..., day_pass.location_id):
// a change of an entity of kind k may change the grants of every lifecycle
// entity that reaches it along one. Empty for persons, lifecycle kinds and
// kinds nothing references.
func DependencyPaths(k Kind) []Path {
	var out []Path
	for _, p := range paths {
		if p.Target() == k {
			out = append(out, slices.Clone(p))
		}
	}
	return out
}

// EntityRef names an entity: its kind and id.
type EntityRef struct {
	Kind Kind   `json:"kind"`
	ID   string `json:"id"`
}

// Dependents returns the lifecycle entities whose workflows a change of
// entity (kind, id) must reach, sorted by kind (LifecycleKinds order) and
// id, whatever their windows, mappings or cancellation:
//   - a lifecycle entity: itself, when it is in s;
//   - a member: none (the member is a person: see AffectedPersons);
//   - the org: every lifecycle entity;
//   - any other kind: every lifecycle entity that reaches it along one of
//     DependencyPaths(kind); location AllLocations (the day-pass mapping of
//     every location) also every day pass.
func Dependents(s Snapshot, kind Kind, id string) []EntityRef {
	src := sourcesUsing(&s, kind, id)
	var out []EntityRef
	for _, k := range LifecycleKinds {
		for _, id := range src[k] {
			out = append(out, EntityRef{Kind: k, ID: id})
		}
	}
	return out
}

// sources lists source entity ids (sorted) by lifecycle kind.
type sources map[Kind][]string

// sourcesUsing returns the source entities an entity change can affect:
// Dependents, by kind.
func sourcesUsing(s *Snapshot, kind Kind, id string) sources {
	src := sources{}
	switch {
	case kind.Lifecycle():
		if s.entityMap(kind).MapIndex(reflect.ValueOf(id)).IsValid() {
			src[kind] = []string{id}
		}
		return src
	case kind == KindOrg:
		for _, k := range LifecycleKinds {
			src[k] = sortedKeys(s.entityMap(k))
		}
		return src
	case id == "":
		return src
	}
	for _, p := range DependencyPaths(kind) {
		m := s.entityMap(p.Source())
		for it := m.MapRange(); it.Next(); {
			if s.follow(it.Value(), p) == id {
				src[p.Source()] = append(src[p.Source()], it.Key().String())
			}
		}
	}
	if kind == KindLocation && id == AllLocations {
		src[KindDayPass] = sortedKeys(s.entityMap(KindDayPass))
	}
	for k, ids := range src {
		slices.Sort(ids)
		src[k] = slices.Compact(ids)
	}
	return src
}

// follow returns the id entity (an engine struct of p.Source()) reaches
// along p: "" when a reference on the way is empty or names no entity.
func (s *Snapshot) follow(entity reflect.Value, p Path) string {
	for i, r := range p {
		ref := entity.Field(referenceFields[fieldOf{r.From, r.Field}]).String()
		if ref == "" || i == len(p)-1 {
			return ref
		}
		entity = s.entityMap(r.To).MapIndex(reflect.ValueOf(ref))
		if !entity.IsValid() {
			return ""
		}
	}
	return ""
}

// entityMap returns s's map of the entities of kind k; the zero Value for
// KindOrg.
func (s *Snapshot) entityMap(k Kind) reflect.Value {
	switch k {
	case KindLocation:
		return reflect.ValueOf(s.Locations)
	case KindFloor:
		return reflect.ValueOf(s.Floors)
	case KindResource:
		return reflect.ValueOf(s.Resources)
	case KindPlan:
		return reflect.ValueOf(s.Plans)
	case KindTeam:
		return reflect.ValueOf(s.Teams)
	case KindMember:
		return reflect.ValueOf(s.Members)
	case KindMembership:
		return reflect.ValueOf(s.Memberships)
	case KindBooking:
		return reflect.ValueOf(s.Bookings)
	case KindDayPass:
		return reflect.ValueOf(s.DayPasses)
	}
	return reflect.Value{}
}

// sortedKeys returns the keys of a map[string]T, sorted.
func sortedKeys(m reflect.Value) []string {
	ids := make([]string, 0, m.Len())
	for it := m.MapRange(); it.Next(); {
		ids = append(ids, it.Key().String())
	}
	slices.Sort(ids)
	return ids
}

// referenceFields are the struct field indexes of the references: the
// string field of From's engine struct whose JSON name is Field. A
// declared reference without one panics here, at init.
var referenceFields = func() map[fieldOf]int {
	out := map[fieldOf]int{}
	var s Snapshot
	for _, r := range references {
		m := s.entityMap(r.From)
		if !m.IsValid() || m.Type().Elem().Kind() != reflect.Struct {
			panic("access: reference " + r.String() + " is of a kind with no entities")
		}
		out[fieldOf{r.From, r.Field}] = jsonField(m.Type().Elem(), r)
	}
	return out
}()

// fieldOf is a field of a kind's entities.
type fieldOf struct {
	kind  Kind
	field string
}

// jsonField returns the index of t's string field whose JSON name is
// r.Field.
func jsonField(t reflect.Type, r Reference) int {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == r.Field && f.Type.Kind() == reflect.String {
			return i
		}
	}
	panic("access: reference " + r.String() + ": " + t.Name() + " has no string field " + r.Field)
}
