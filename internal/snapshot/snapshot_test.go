package snapshot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"doorsync/access"
	"doorsync/internal/snapshot"
	"doorsync/internal/testenv"
	"doorsync/internal/write"
	"doorsync/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestScopedSnapshotsAgreeWithTheWholeOrg builds a varied org (teams,
// co-members, team memberships, desks on floors, bookings with guests, day
// passes with uses) and checks that every person's and every entity's
// grants from a scoped snapshot equal those from the whole org.
func TestScopedSnapshotsAgreeWithTheWholeOrg(t *testing.T) {
	ctx, st, w := newWorld(t)
	loader := snapshot.Loader{Store: st}

	full, err := loader.Org(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	all := access.Grants(full)
	if len(all) < 30 {
		t.Fatalf("only %d grants: the fixture does not exercise the rules", len(all))
	}
	persons := map[access.PersonRef]bool{}
	for _, g := range all {
		persons[g.Person] = true
	}
	for id := range full.Members {
		persons[access.MemberRef(id)] = true
	}
	for p := range persons {
		scoped, err := loader.Person(ctx, "acme", p)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := access.GrantsForPerson(scoped, p), access.GrantsForPerson(full, p); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: scoped grants differ\n got %v\nwant %v", p, got, want)
		}
	}
	for _, kind := range []access.Kind{"membership", "booking", "day_pass"} {
		for _, id := range w.ids[kind] {
			scoped, err := loader.Entity(ctx, "acme", kind, id)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := access.GrantsForEntity(scoped, kind, id), access.GrantsForEntity(full, kind, id); !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: scoped grants differ\n got %v\nwant %v", kind, id, got, want)
			}
			if got, want := access.AffectedPersons(scoped, kind, id), access.AffectedPersons(full, kind, id); !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: affected persons %v, want %v", kind, id, got, want)
			}
		}
	}
}

// TestVersionsAgreeWithEachVersionAlone reads two versions of every
// lifecycle entity at once (as stored, and with another entity's body of
// its kind) and checks that each snapshot gives the grants EntityAs gives
// that version alone.
func TestVersionsAgreeWithEachVersionAlone(t *testing.T) {
	ctx, st, w := newWorld(t)
	loader := snapshot.Loader{Store: st}
	compared := 0
	for _, kind := range access.LifecycleKinds {
		ids := w.ids[kind]
		for i, id := range ids {
			stored, err := st.GetEntity(ctx, "acme", kind, id)
			if err != nil {
				t.Fatal(err)
			}
			other, err := st.GetEntity(ctx, "acme", kind, ids[(i+1)%len(ids)])
			if err != nil {
				t.Fatal(err)
			}
			next := stored
			next.Body = relabel(t, other.Body, id)
			before, after, err := loader.Versions(ctx, &stored, next)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range []struct {
				name string
				snap access.Snapshot
				e    store.Entity
			}{{"before", before, stored}, {"after", after, next}} {
				alone, err := loader.EntityAs(ctx, v.e)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := access.GrantsForEntity(v.snap, kind, id), access.GrantsForEntity(alone, kind, id); !reflect.DeepEqual(got, want) {
					t.Errorf("%s %s %s: grants differ\n got %v\nwant %v", kind, id, v.name, got, want)
				}
			}
			compared++
		}
	}
	if compared < 6 {
		t.Fatalf("compared %d entities: the fixture does not exercise Versions", compared)
	}
}

// relabel returns body with its "id" set to id.
func relabel(t *testing.T, body []byte, id string) []byte {
	t.Helper()
	var fields map[string]any
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Fatal(err)
	}
	fields["id"] = id
	out, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// newWorld is a fresh database holding the varied org of writer.space.
func newWorld(t *testing.T) (context.Context, *store.Store, *writer) {
	t.Helper()
	ctx := context.Background()
	st, _ := testenv.NewStore(t)
	w := &writer{t: t, ctx: ctx, st: st}
	w.org()
	w.space()
	return ctx, st, w
}

type writer struct {
	t   *testing.T
	ctx context.Context
	st  *store.Store
	ids map[access.Kind][]string
}

// writer returns the writes' owner on w's store.
func (w *writer) writer() *write.Writer { return &write.Writer{Store: w.st} }

func (w *writer) org() {
	if _, _, err := w.st.PutOrg(w.ctx, store.Org{ID: "acme", Name: "Acme", Settings: store.OrgSettings{TimeZone: "Europe/London",
		BookingBufferBefore: 15 * time.Minute, BookingBufferAfter: 15 * time.Minute}}); err != nil {
		w.t.Fatal(err)
	}
	w.ids = map[access.Kind][]string{}
}

func (w *writer) put(kind access.Kind, id string, v any, emails ...string) {
	w.t.Helper()
	body, _ := json.Marshal(v)
	if _, err := w.writer().Entity(w.ctx, store.EntityWrite{OrgID: "acme", Kind: kind, ID: id, Body: body, Emails: emails}); err != nil {
		w.t.Fatal(err)
	}
	w.ids[kind] = append(w.ids[kind], id)
}

func (w *writer) mapping(kind, ref string, groups ...string) {
	m := store.Mapping{Kind: kind, RefID: ref}
	for _, g := range groups {
		m.Groups = append(m.Groups, store.GroupRef{SiteID: "site-" + strings.Split(g, "-")[0], GroupID: g})
	}
	if _, _, err := w.writer().Mapping(w.ctx, "acme", m); err != nil {
		w.t.Fatal(err)
	}
}

func (w *writer) space() {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	w.put("location", "lon", access.Location{ID: "lon", TimeZone: "Europe/London", SaltoSiteID: "site-lon"})
	w.put("location", "nyc", access.Location{ID: "nyc", TimeZone: "America/New_York", SaltoSiteID: "site-nyc"})
	w.put("floor", "f1", access.Floor{ID: "f1", LocationID: "lon"})
	w.put("resource", "desk1", access.Resource{ID: "desk1", Kind: "assignable", LocationID: "lon", FloorID: "f1"})
	w.put("resource", "room1", access.Resource{ID: "room1", Kind: "bookable", LocationID: "nyc"})
	for _, p := range []string{"hot", "office"} {
		w.put("plan", p, access.MembershipPlan{ID: p})
	}
	w.put("team", "t1", access.Team{ID: "t1"})
	w.put("team", "t2", access.Team{ID: "t2"})
	w.mapping("plans", "hot", "lon-members")
	w.mapping("plans", "office", "lon-office", "nyc-members")
	w.mapping("locations", "lon", "lon-front")
	w.mapping("floors", "f1", "lon-floor1")
	w.mapping("resources", "desk1", "lon-desk1")
	w.mapping("resources", "room1", "nyc-room1")
	w.mapping("day-passes", "lon", "lon-daypass")
	w.mapping("day-passes", "*", "nyc-daypass")

	for i := 1; i <= 12; i++ {
		id := fmt.Sprintf("m%d", i)
		m := access.Member{ID: id, Email: id + "@example.com", TeamID: []string{"", "t1", "t2"}[i%3]}
		if i%5 == 0 {
			m.PrimaryMemberID = fmt.Sprintf("m%d", i-1)
		}
		w.put("member", id, m, m.Email)
	}
	day := access.OnDate(2026, 11, 20)
	end := access.OnDate(2026, 12, 31)
	w.put("membership", "ms1", access.Membership{ID: "ms1", PlanID: "hot", MemberID: "m1", StartsAt: day})
	w.put("membership", "ms2", access.Membership{ID: "ms2", PlanID: "office", TeamID: "t1", StartsAt: access.At(now), EndsAt: &end})
	w.put("membership", "ms3", access.Membership{ID: "ms3", PlanID: "hot", MemberID: "m4", ResourceID: "desk1", StartsAt: day})
	w.put("membership", "ms4", access.Membership{ID: "ms4", PlanID: "office", TeamID: "t2", StartsAt: day})
	w.put("membership", "ms5", access.Membership{ID: "ms5", PlanID: "missing-plan", MemberID: "m9", StartsAt: day})
	w.put("booking", "b1", access.Booking{ID: "b1", ResourceID: "room1", MemberID: "m3", StartsAt: now, EndsAt: now.Add(time.Hour),
		Guests: []access.Contact{{Email: "g1@example.com"}, {Email: "m2@example.com"}}}, "g1@example.com", "m2@example.com")
	w.put("booking", "b2", access.Booking{ID: "b2", ResourceID: "room1", Booker: &access.Contact{Email: "ext@example.com"},
		StartsAt: now.Add(24 * time.Hour), EndsAt: now.Add(26 * time.Hour), Guests: []access.Contact{{Email: "g1@example.com"}}},
		"ext@example.com", "g1@example.com")
	w.put("day_pass", "dp1", access.DayPass{ID: "dp1", MemberID: "m7", LocationID: "lon", Passes: 2, ValidFrom: day, ValidUntil: end})
	w.put("day_pass", "dp2", access.DayPass{ID: "dp2", TeamID: "t2", LocationID: "nyc", Passes: 1, ValidFrom: day, ValidUntil: end})
	for _, use := range []struct{ pass, id, on string }{{"dp1", "u1", "2026-11-21"}, {"dp2", "u2", "2026-11-22"}} {
		if _, _, err := w.writer().UseDayPass(w.ctx, "acme", store.DayPassUse{DayPassID: use.pass, UseID: use.id, UsedOn: use.on}); err != nil {
			w.t.Fatal(err)
		}
	}
}
