package activities_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"testing"
	"time"

	"doorsync/access"
	"doorsync/activities"
	"doorsync/internal/egress"
	"doorsync/internal/guestkey"
	"doorsync/internal/saltoconn"
	"doorsync/internal/secrets"
	"doorsync/internal/testenv"
	"doorsync/internal/write"
	"doorsync/saltoks/saltokstest"
	"doorsync/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const (
	org       = "acme"
	london    = "5a170001-0000-4000-8000-000000000001"
	groupA    = "6a000001-0001-4000-8000-000000000001"
	groupB    = "6a000001-0001-4000-8000-000000000002"
	tagNumber = "04A1B2C3"
	tagID     = "7a900001-0001-4000-8000-000000000001"
)

const seed = `{"clients":[{"client_id":"doorsync","client_secret":"secret","users":[{"username":"sys@example.com","password":"pw"}]}],
 "sites":[{"id":"` + london + `","name":"London","time_zone":"Europe/London","seats":50,
   "tags":[{"id":"` + tagID + `","tag_number":"` + tagNumber + `"}],
   "users":[{"site_user_id":"5e0e0001-0001-4000-8000-000000000001","user_id":"9a0e0001-0001-4000-8000-000000000001",
             "email":"staff@example.com","first_name":"Staff","last_name":"Member"}],
   "access_groups":[{"id":"` + groupA + `","name":"Members","user_ids":["9a0e0001-0001-4000-8000-000000000001"]},
                    {"id":"` + groupB + `","name":"Room"}]}]}`

// env is a store with an org connected to a fake Salto KS, and the
// activities over them.
type env struct {
	t    testing.TB
	ctx  context.Context
	st   *store.Store
	fake *saltokstest.Server
	acts *activities.Activities
}

// writer returns the writes' owner on e's store.
func (e *env) writer() *write.Writer { return &write.Writer{Store: e.st} }

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvSeed(t, seed)
}

// newEnvSeed is newEnv with the fake seeded from seedJSON (its London site
// as the base seed's, and anything else).
func newEnvSeed(t testing.TB, seedJSON string) *env {
	t.Helper()
	st, _ := testenv.NewStore(t)
	return newEnvOn(t, seedJSON, st)
}

// newEnvOn is newEnvSeed on the store st.
func newEnvOn(t testing.TB, seedJSON string, st *store.Store) *env {
	t.Helper()
	ctx := context.Background()
	fake := saltokstest.NewServer()
	t.Cleanup(fake.Close)
	if err := fake.SeedJSON([]byte(seedJSON)); err != nil {
		t.Fatal(err)
	}
	key, _ := secrets.ParseKey(secrets.NewKey())
	box, _ := secrets.New(key)
	mgr := saltoconn.New(saltoconn.Options{Store: st, Secrets: box, Egress: egress.MustParse("test", []string{fake.URL})})
	if _, _, err := st.PutOrg(ctx, store.Org{ID: org, Name: "Acme", Settings: store.OrgSettings{TimeZone: "Europe/London",
		BookingBufferBefore: 15 * time.Minute, BookingBufferAfter: 15 * time.Minute, ReconcileInterval: 15 * time.Minute,
		RemovalGuard: store.RemovalGuard{MaxFraction: 0.2, MinCount: 10}, NoAccessPolicy: "keep"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := mgr.ConnectPassword(ctx, org, saltoconn.PasswordConnection{ClientID: "doorsync", ClientSecret: "secret",
		Username: "sys@example.com", Password: "pw", IdentityURL: fake.URL, APIURL: fake.URL}); err != nil {
		t.Fatal(err)
	}
	acts := &activities.Activities{Store: st, Salto: mgr, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Guests: guestkey.New([]byte("test guest key"))}
	e := &env{t: t, ctx: ctx, st: st, fake: fake, acts: acts}
	e.put("location", "loc1", access.Location{ID: "loc1", Name: "London", TimeZone: "Europe/London", SaltoSiteID: london})
	e.put("plan", "hot", access.MembershipPlan{ID: "hot", Name: "Hot desk"})
	e.mapTo("plans", "hot", groupA)
	return e
}

func (e *env) put(kind access.Kind, id string, v any) {
	e.t.Helper()
	body, _ := json.Marshal(v)
	var emails []string
	switch x := v.(type) {
	case access.Member:
		emails = []string{access.NormalizeEmail(x.Email)}
	case access.Booking:
		if x.Booker != nil {
			emails = append(emails, access.NormalizeEmail(x.Booker.Email))
		}
		for _, g := range x.Guests {
			emails = append(emails, access.NormalizeEmail(g.Email))
		}
	}
	if _, err := e.writer().Entity(e.ctx, store.EntityWrite{OrgID: org, Kind: kind, ID: id, Body: body, Emails: emails}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) mapTo(kind, ref string, groups ...string) {
	e.t.Helper()
	m := store.Mapping{Kind: kind, RefID: ref}
	for _, g := range groups {
		m.Groups = append(m.Groups, store.GroupRef{SiteID: london, GroupID: g})
	}
	if _, _, err := e.writer().Mapping(e.ctx, org, m); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) member(id, email string, cards ...string) {
	e.put("member", id, access.Member{ID: id, Email: email, FirstName: "First", LastName: id, AccessCards: cards})
}

func (e *env) membership(id, member, plan string, from time.Time, until *time.Time) {
	m := access.Membership{ID: id, MemberID: member, PlanID: plan, StartsAt: access.At(from)}
	if until != nil {
		end := access.At(*until)
		m.EndsAt = &end
	}
	e.put("membership", id, m)
}

// fault makes the fake misbehave as f says.
func (e *env) fault(f saltokstest.Fault) {
	e.t.Helper()
	if err := e.fake.AddFault(f); err != nil {
		e.t.Fatal(err)
	}
}

// userID is the platform user id the fake knows for email ("" if none).
func (e *env) userID(email string) string {
	for _, u := range e.fake.SiteUsers(london) {
		if u.Email == email {
			return u.UserID
		}
	}
	return ""
}

func (e *env) inGroup(group, email string) bool {
	uid := e.userID(email)
	for _, m := range e.fake.GroupMembers(london, group) {
		if uid != "" && m == uid {
			return true
		}
	}
	return false
}

func (e *env) audit(person string) []store.AuditEntry {
	e.t.Helper()
	rows, err := e.st.Audit(e.ctx, org, store.AuditFilter{Person: person, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return rows
}

func actions(entries []store.AuditEntry) []string {
	var out []string
	for i := len(entries) - 1; i >= 0; i-- { // oldest first
		out = append(out, entries[i].Action)
	}
	return out
}
