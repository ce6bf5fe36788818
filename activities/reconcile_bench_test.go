package activities_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"doorsync/access"
	"doorsync/activities"
	"doorsync/contract"
	"doorsync/internal/egress"
	"doorsync/internal/guestkey"
	"doorsync/internal/saltoconn"
	"doorsync/internal/secrets"
	"doorsync/internal/testenv"
	"doorsync/saltoks/saltokstest"
	"doorsync/store"
)

// bigOrg is an org of 10,000 people across 200 managed groups on 2 sites,
// in sync: every person's membership grants one group, and Salto KS has
// exactly those members.
type bigOrg struct {
	ctx    context.Context
	st     *store.Store
	fake   *saltokstest.Server
	acts   *activities.Activities
	people []bigPerson
	groups []access.GroupRef
}

type bigPerson struct {
	id, email, userID string
	group             access.GroupRef
}

const (
	bigPeople = 10000
	bigGroups = 200
	bigOrgID  = "big"
)

func newBigOrg(b *testing.B) *bigOrg {
	b.Helper()
	ctx := context.Background()
	st, url := testenv.NewStore(b)
	o := &bigOrg{ctx: ctx, st: st}
	o.layOut()
	o.seedFake(b)
	o.seedStore(b, url)
	key, _ := secrets.ParseKey(secrets.NewKey())
	box, _ := secrets.New(key)
	mgr := saltoconn.New(saltoconn.Options{Store: st, Secrets: box, Egress: egress.MustParse("test", []string{o.fake.URL})})
	if _, err := mgr.ConnectPassword(ctx, bigOrgID, saltoconn.PasswordConnection{ClientID: "doorsync", ClientSecret: "secret",
		Username: "sys@example.com", Password: "pw", IdentityURL: o.fake.URL, APIURL: o.fake.URL}); err != nil {
		b.Fatal(err)
	}
	o.acts = &activities.Activities{Store: st, Salto: mgr, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Guests: guestkey.New(key)}
	return o
}

func siteID(i int) string { return fmt.Sprintf("5a17000%d-0000-4000-8000-000000000000", i+1) }

// layOut lays out the people: person k is in group k mod 200; groups
// alternate between the two sites.
func (o *bigOrg) layOut() {
	for g := 0; g < bigGroups; g++ {
		o.groups = append(o.groups, access.GroupRef{SiteID: siteID(g % 2), GroupID: fmt.Sprintf("6a000000-0000-4000-8000-%012d", g)})
	}
	for k := 0; k < bigPeople; k++ {
		o.people = append(o.people, bigPerson{id: fmt.Sprintf("m%05d", k), email: fmt.Sprintf("m%05d@example.com", k),
			userID: fmt.Sprintf("9a000000-0000-4000-8000-%012d", k), group: o.groups[k%bigGroups]})
	}
}

func (o *bigOrg) seedFake(b *testing.B) {
	o.fake = saltokstest.NewServer()
	b.Cleanup(o.fake.Close)
	seed := saltokstest.Seed{Clients: []saltokstest.SeedClient{{ClientID: "doorsync", ClientSecret: "secret",
		Users: []saltokstest.SeedLogin{{Username: "sys@example.com", Password: "pw"}}}}}
	groups := map[access.GroupRef]*saltokstest.SeedGroup{}
	for s := 0; s < 2; s++ {
		seed.Sites = append(seed.Sites, saltokstest.SeedSite{ID: siteID(s), Name: fmt.Sprintf("Site %d", s), TimeZone: "Europe/London", Seats: 20000})
	}
	for i, g := range o.groups {
		site := &seed.Sites[i%2]
		site.AccessGroups = append(site.AccessGroups, saltokstest.SeedGroup{ID: g.GroupID, Name: "Group " + fmt.Sprint(i)})
	}
	for s := range seed.Sites {
		for i := range seed.Sites[s].AccessGroups {
			sg := &seed.Sites[s].AccessGroups[i]
			groups[access.GroupRef{SiteID: seed.Sites[s].ID, GroupID: sg.ID}] = sg
		}
	}
	for k, p := range o.people {
		site := &seed.Sites[k%bigGroups%2]
		site.Users = append(site.Users, saltokstest.SeedUser{SiteUserID: strings.Replace(p.userID, "9a", "5e", 1), UserID: p.userID,
			Email: p.email, FirstName: "P", LastName: p.id})
		groups[p.group].UserIDs = append(groups[p.group].UserIDs, p.userID)
	}
	if err := o.fake.Seed(seed); err != nil {
		b.Fatal(err)
	}
}

// seedStore writes the org, its mappings and the people in bulk (COPY), as
// if every membership had been applied already.
func (o *bigOrg) seedStore(b *testing.B, url string) {
	ctx := o.ctx
	if _, _, err := o.st.PutOrg(ctx, store.Org{ID: bigOrgID, Name: "Big", Settings: store.OrgSettings{TimeZone: "Europe/London",
		BookingBufferBefore: 15 * time.Minute, BookingBufferAfter: 15 * time.Minute, ReconcileInterval: 15 * time.Minute,
		RemovalGuard: store.RemovalGuard{MaxFraction: 0.2, MinCount: 10}, NoAccessPolicy: "keep"}}); err != nil {
		b.Fatal(err)
	}
	conn := testenv.Conn(b, url)
	var entities, identities, applied, mappings [][]any
	for s := 0; s < 2; s++ {
		loc := fmt.Sprintf("loc%d", s)
		entities = append(entities, entityRow("location", loc, access.Location{ID: loc, TimeZone: "Europe/London", SaltoSiteID: siteID(s)}, nil))
	}
	for i, g := range o.groups {
		plan := fmt.Sprintf("p%03d", i)
		entities = append(entities, entityRow("plan", plan, access.MembershipPlan{ID: plan}, nil))
		mappings = append(mappings, []any{bigOrgID, "plans", plan, g.SiteID, g.GroupID})
	}
	start := access.At(time.Now().Add(-24 * time.Hour))
	for k, p := range o.people {
		plan := fmt.Sprintf("p%03d", k%bigGroups)
		person := "member:" + p.id
		entities = append(entities,
			entityRow("member", p.id, access.Member{ID: p.id, Email: p.email, FirstName: "P", LastName: p.id}, []string{p.email}),
			entityRow("membership", "ms"+p.id, access.Membership{ID: "ms" + p.id, PlanID: plan, MemberID: p.id, StartsAt: start}, nil))
		identities = append(identities, []any{bigOrgID, person, p.group.SiteID, strings.Replace(p.userID, "9a", "5e", 1), p.userID, "subscribed", true})
		applied = append(applied, []any{bigOrgID, person, p.group.SiteID, p.group.GroupID, p.userID})
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"entities", []string{"org_id", "kind", "id", "body", "emails"}, entities},
		{"mappings", []string{"org_id", "kind", "ref_id", "site_id", "group_id"}, mappings},
		{"salto_identities", []string{"org_id", "person", "site_id", "site_user_id", "user_id", "subscription_state", "created_by_doorsync"}, identities},
		{"applied_access", []string{"org_id", "person", "site_id", "group_id", "user_id"}, applied},
	} {
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			b.Fatalf("copy %s: %v", c.table, err)
		}
	}
}

func entityRow(kind, id string, v any, emails []string) []any {
	body, _ := json.Marshal(v)
	if emails == nil {
		emails = []string{}
	}
	return []any{bigOrgID, kind, id, body, emails}
}

// minPages is the fewest member-list pages that read every group.
func (o *bigOrg) minPages(pageSize int) int {
	n := 0
	for _, g := range o.groups {
		members := len(o.fake.GroupMembers(g.SiteID, g.GroupID))
		n += max(1, (members+pageSize-1)/pageSize)
	}
	return n
}

func (o *bigOrg) reconcile(b *testing.B, run string) contract.ReconcileOrgResult {
	b.Helper()
	res, err := o.acts.ReconcileOrg(o.ctx, contract.ReconcileOrgInput{OrgID: bigOrgID, RunID: run, Trigger: "manual"})
	if err != nil {
		b.Fatal(err)
	}
	return res
}

const memberPagesRoute = "GET /v1.2/sites/{site_id}/access_groups/{group_id}/users"

// BenchmarkReconcileInSync: a run over an org in sync makes only list
// calls, one per page (ratio to the minimum 1.0). Target: ≤ 10 s.
func BenchmarkReconcileInSync(b *testing.B) {
	o := newBigOrg(b)
	minPages := o.minPages(saltokstest.DefaultPageSize)
	for i := 0; b.Loop(); i++ {
		o.fake.ResetRequests()
		start := time.Now()
		res := o.reconcile(b, fmt.Sprintf("sync-%d", i))
		elapsed := time.Since(start)
		reqs := o.fake.Requests()
		lists, other := reqs[memberPagesRoute], connectCalls(reqs)-reqs[memberPagesRoute]
		if res.Adds+res.Removes != 0 || other != 0 {
			b.Fatalf("in sync, the run found %d adds and %d removes and made %d other calls", res.Adds, res.Removes, other)
		}
		b.ReportMetric(elapsed.Seconds(), "run-s")
		b.ReportMetric(float64(lists)/float64(minPages), "list-ratio")
		b.Logf("in sync: %d groups, %d people, %d member pages (minimum %d), %v", bigGroups, bigPeople, lists, minPages, elapsed)
	}
}

// BenchmarkReconcileOnePercentDrift: with 1% drift injected by hand (50
// users added to groups, 50 members taken out), the writes equal the drift
// (ratio 1.0). Target: ≤ 20 s for the run.
func BenchmarkReconcileOnePercentDrift(b *testing.B) {
	o := newBigOrg(b)
	for i := 0; b.Loop(); i++ {
		drift := o.injectDrift(b, i)
		o.fake.ResetRequests()
		start := time.Now()
		res := o.reconcile(b, fmt.Sprintf("drift-%d", i))
		runTime := time.Since(start)
		repaired := o.applyPokes(b) // what the access workflows would do
		total := time.Since(start)
		writes := connectCalls(o.fake.Requests()) - o.fake.Requests()[memberPagesRoute] - getCalls(o.fake.Requests())
		b.ReportMetric(runTime.Seconds(), "run-s")
		b.ReportMetric(total.Seconds(), "repaired-s")
		b.ReportMetric(float64(writes)/float64(drift), "write-ratio")
		b.Logf("1%% drift (%d): run %v (found %d adds, %d removes), %d persons repaired by their access workflows, %d Salto KS writes, all repaired after %v",
			drift, runTime, res.Adds, res.Removes, repaired, writes, total)
	}
}

// injectDrift adds 50 strangers to groups and takes 50 members out, by
// hand in Salto KS. It returns the number of changes.
func (o *bigOrg) injectDrift(b *testing.B, round int) int {
	for i := 0; i < 50; i++ {
		g := o.groups[(i*7+round)%bigGroups]
		u, err := o.fake.CreateUserDirect(g.SiteID, saltokstest.SeedUser{Email: fmt.Sprintf("stranger%d-%d@example.com", round, i), FirstName: "S", LastName: "X"})
		if err != nil {
			b.Fatal(err)
		}
		o.fake.AddGroupMemberDirect(g.SiteID, g.GroupID, u.UserID)
		p := o.people[(i*197+round*13)%bigPeople]
		o.fake.RemoveGroupMemberDirect(p.group.SiteID, p.group.GroupID, p.userID)
	}
	return 100
}

// applyPokes runs ApplyAccess for every person the run poked, as their
// access workflows would, and clears the outbox.
func (o *bigOrg) applyPokes(b *testing.B) int {
	pokes, err := o.st.ClaimPokes(o.ctx, nil, 100000, time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	seen := map[string]bool{}
	var ids []int64
	for _, p := range pokes {
		ids = append(ids, p.ID)
		if p.Kind != store.PokeAccess || seen[p.Target] {
			continue
		}
		seen[p.Target] = true
		if _, err := o.acts.ApplyAccess(o.ctx, contract.ApplyAccessInput{OrgID: bigOrgID, Person: p.Target}); err != nil {
			b.Fatal(err)
		}
	}
	o.st.DeletePokes(o.ctx, ids)
	return len(seen)
}

func connectCalls(reqs map[string]int) int {
	n := 0
	for route, c := range reqs {
		if !strings.Contains(route, "/connect/") {
			n += c
		}
	}
	return n
}

func getCalls(reqs map[string]int) int {
	n := 0
	for route, c := range reqs {
		if strings.HasPrefix(route, "GET ") && route != memberPagesRoute && !strings.Contains(route, "/connect/") {
			n += c
		}
	}
	return n
}
