package saltoks_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"doorsync/saltoks"
	"doorsync/saltoks/saltokstest"
)

func TestSites(t *testing.T) {
	e := newEnv(t, nil)
	sites, err := e.client.ListSites(ctx(t))
	if err != nil || len(sites) != 2 {
		t.Fatalf("ListSites: %v %v", sites, err)
	}
	s, err := e.client.GetSite(ctx(t), london)
	if err != nil {
		t.Fatal(err)
	}
	want := saltoks.Site{ID: london, Name: "London", SiteUID: s.SiteUID, TimeZone: "Europe/London", Seats: 500, ActiveUsers: 1}
	if *s != want || s.SiteUID == "" {
		t.Errorf("GetSite = %+v, want %+v", *s, want)
	}
	var se *saltoks.Error
	if _, err := e.client.GetSite(ctx(t), s.SiteUID); !errors.As(err, &se) || se.Status != 400 || se.Code != saltoks.CodeBadRequest {
		t.Errorf("GetSite by site UID: %v, want 400 1100", err)
	}
}

func TestListUsersPagesAndFilters(t *testing.T) {
	e := newEnv(t, nil, saltokstest.WithPageSize(2))
	for i := range 6 {
		e.newUser(t, london, fmt.Sprintf("member%d@example.com", i))
	}
	e.fake.ResetRequests()
	all, err := e.client.ListUsers(ctx(t), london, saltoks.ListOptions{})
	if err != nil || len(all) != 7 {
		t.Fatalf("ListUsers: %d users, %v", len(all), err)
	}
	if n := e.fake.Requests()["GET /v1.2/sites/{site_id}/users"]; n != 4 {
		t.Errorf("%d page requests for 7 users at 2 a page, want 4", n)
	}
	if all[0].ID != adaSiteUserID || all[0].UserID != adaUserID || all[0].Email != "ada@example.com" || !all[0].Subscribed() {
		t.Errorf("first user %+v", all[0])
	}

	tests := []struct {
		name string
		opts saltoks.ListOptions
		want []string // e-mails, in order
	}{
		{"eq on user/email", saltoks.ListOptions{Filter: saltoks.FilterEq("user/email", "member3@example.com")}, []string{"member3@example.com"}},
		{"eq ignores case", saltoks.ListOptions{Filter: saltoks.FilterEq("user/email", "MEMBER3@example.com")}, []string{"member3@example.com"}},
		{"contains and eq", saltoks.ListOptions{Filter: "contains(user/email,'member') and subscription_state eq 'subscribed'", OrderBy: "user/email desc", Top: 2},
			[]string{"member5@example.com", "member4@example.com", "member3@example.com", "member2@example.com", "member1@example.com", "member0@example.com"}},
		{"skip", saltoks.ListOptions{OrderBy: "user/email", Skip: 5}, []string{"member4@example.com", "member5@example.com"}},
		{"no match", saltoks.ListOptions{Filter: saltoks.FilterEq("user/email", "o'brien@example.com")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			users, err := e.client.ListUsers(ctx(t), london, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range users {
				got = append(got, u.Email)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUsersPageResumesFromALink(t *testing.T) {
	e := newEnv(t, nil, saltokstest.WithPageSize(3))
	for i := range 4 {
		e.newUser(t, london, fmt.Sprintf("p%d@example.com", i))
	}
	first, err := e.client.UsersPage(ctx(t), london, saltoks.ListOptions{InlineCount: true}, "")
	if err != nil || len(first.Items) != 3 || first.NextPageLink == "" || first.Count == nil || *first.Count != 5 {
		t.Fatalf("first page %+v, %v", first, err)
	}
	// Another client (another process) can continue from the link.
	other := saltoks.New(e.cfg, e.client.Token())
	second, err := other.UsersPage(ctx(t), london, saltoks.ListOptions{}, first.NextPageLink)
	if err != nil || len(second.Items) != 2 || second.NextPageLink != "" {
		t.Fatalf("second page %+v, %v", second, err)
	}
}

func TestFindUserByEmail(t *testing.T) {
	e := newEnv(t, nil)
	u, err := e.client.FindUserByEmail(ctx(t), london, "Ada@Example.com")
	if err != nil || u.ID != adaSiteUserID || u.UserID != adaUserID {
		t.Fatalf("FindUserByEmail: %+v %v", u, err)
	}
	if _, err := e.client.FindUserByEmail(ctx(t), london, "nobody@example.com"); !saltoks.IsNotFound(err) {
		t.Errorf("unknown e-mail: %v, want not found", err)
	}
}

func TestGetUserTakesTheSiteUserID(t *testing.T) {
	e := newEnv(t, nil)
	if u, err := e.client.GetUser(ctx(t), london, adaSiteUserID); err != nil || u.UserID != adaUserID {
		t.Errorf("GetUser(site-user id): %+v %v", u, err)
	}
	var se *saltoks.Error
	if _, err := e.client.GetUser(ctx(t), london, adaUserID); !errors.As(err, &se) || se.Status != 404 || se.Code != saltoks.CodeNotFound {
		t.Errorf("GetUser(platform id): %v, want 404 2202", err)
	}
	if _, err := e.client.GetUser(ctx(t), london, ""); err == nil {
		t.Error("GetUser with an empty id succeeded")
	}
}

func TestCreateUser(t *testing.T) {
	e := newEnv(t, nil)
	res, err := e.client.CreateUser(ctx(t), london, saltoks.NewUser{FirstName: "Grace", LastName: "Hopper", Email: "grace@example.com"})
	if err != nil || res.Adopted || res.User.ID == "" || res.User.UserID == "" || res.User.ID == res.User.UserID || !res.User.HasProfile {
		t.Fatalf("CreateUser: %+v %v", res, err)
	}
	if emails := e.fake.Emails(); len(emails) != 1 || emails[0].To != "grace@example.com" || emails[0].Kind != "invitation" {
		t.Errorf("emails %+v", emails)
	}

	again, err := e.client.CreateUser(ctx(t), london, saltoks.NewUser{FirstName: "Grace", Email: "GRACE@example.com"})
	if err != nil || !again.Adopted || again.User.ID != res.User.ID {
		t.Fatalf("creating the same e-mail again: %+v %v, want the existing user adopted", again, err)
	}
	if n := len(e.fake.SiteUsers(london)); n != 2 {
		t.Errorf("%d users on the site, want 2 (no duplicate)", n)
	}
	if n := len(e.fake.Emails()); n != 1 {
		t.Errorf("%d e-mails, want 1 (no second invitation)", n)
	}

	managed, err := e.client.CreateUser(ctx(t), london, saltoks.NewUser{FirstName: "Tag", LastName: "Only", TagID: "7a900001-0001-4000-8000-000000000002"})
	if err != nil || managed.User.HasProfile || managed.User.TagNumber != "04A1B2C4" {
		t.Fatalf("managed user: %+v %v", managed, err)
	}
	if n := len(e.fake.Emails()); n != 1 {
		t.Errorf("a user without e-mail got an invitation")
	}

	var se *saltoks.Error
	if _, err := e.client.CreateUser(ctx(t), london, saltoks.NewUser{LastName: "Nameless"}); !errors.As(err, &se) || se.Status != 400 || se.Code != saltoks.CodeValidation {
		t.Errorf("missing first name: %v, want 400 1101", err)
	}
}

// TestCreateUserLosingARaceAdopts makes the pre-create lookup miss, as when
// another process creates the same e-mail in between: the create then fails
// as a duplicate and the existing user must be adopted.
func TestCreateUserLosingARaceAdopts(t *testing.T) {
	fake := saltokstest.New()
	if err := fake.SeedJSON(saltokstest.DemoSeed); err != nil {
		t.Fatal(err)
	}
	var hidden atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/users") && hidden.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"items":[],"next_page_link":null,"count":null}`)
			return
		}
		fake.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	cfg := saltoks.Config{IdentityURL: hs.URL, APIURL: hs.URL, ClientID: "doorsync", ClientSecret: demoSecret}
	tok, err := saltoks.PasswordToken(ctx(t), cfg, "integration@example.com", demoPassword)
	if err != nil {
		t.Fatal(err)
	}
	res, err := saltoks.New(cfg, tok).CreateUser(ctx(t), london, saltoks.NewUser{FirstName: "Ada", Email: "ada@example.com"})
	if err != nil || !res.Adopted || res.User.ID != adaSiteUserID {
		t.Fatalf("CreateUser: %+v %v, want Ada adopted", res, err)
	}
	if got := fake.Requests()["POST /v1.2/sites/{site_id}/users"]; got != 1 {
		t.Errorf("%d creates, want 1", got)
	}
}

func TestCreateUserOnAFullSiteIsSuspended(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.fake.SetSeats(london, 1); err != nil { // Ada holds the only seat
		t.Fatal(err)
	}
	res, err := e.client.CreateUser(ctx(t), london, saltoks.NewUser{FirstName: "Late", Email: "late@example.com"})
	var se *saltoks.SuspendedError
	if !errors.Is(err, saltoks.ErrSuspended) || !errors.As(err, &se) {
		t.Fatalf("err %v, want ErrSuspended", err)
	}
	if res == nil || res.User.ID == "" || res.User.SubscriptionState != saltoks.SubscriptionSuspended || se.SiteUserID != res.User.ID || se.UserID != res.User.UserID {
		t.Errorf("result %+v, error %+v", res, se)
	}
	if saltoks.IsRetryable(err) {
		t.Error("a suspended user is not a retryable failure")
	}

	// Suspending Ada frees the seat; subscribing the newcomer then works.
	if err := e.client.SetSubscription(ctx(t), london, adaSiteUserID, saltoks.SubscriptionSuspended); err != nil {
		t.Fatal(err)
	}
	if err := e.client.SetSubscription(ctx(t), london, res.User.ID, saltoks.SubscriptionSubscribed); err != nil {
		t.Fatal(err)
	}
	var ae *saltoks.Error
	if err := e.client.SetSubscription(ctx(t), london, adaSiteUserID, saltoks.SubscriptionSubscribed); !errors.As(err, &ae) || ae.Status != 400 {
		t.Errorf("subscribing on a full site: %v, want 400", err)
	}
	if err := e.client.SetSubscription(ctx(t), london, adaSiteUserID, "paused"); err == nil {
		t.Error("SetSubscription accepted an unknown state")
	}
}

func TestPatchUser(t *testing.T) {
	e := newEnv(t, nil)
	const tagID = "7a900001-0001-4000-8000-000000000001"
	yes, tag, none := true, tagID, ""
	u, err := e.client.PatchUser(ctx(t), london, adaSiteUserID, saltoks.UserPatch{TagID: &tag, Blocked: &yes})
	if err != nil || u.TagID != tagID || u.TagNumber != "04A1B2C3" || !u.Blocked {
		t.Fatalf("PatchUser: %+v %v", u, err)
	}
	tagged, err := e.client.FindTagByNumber(ctx(t), london, "04a1b2c3")
	if err != nil || tagged.UserID != adaUserID {
		t.Errorf("FindTagByNumber: %+v %v", tagged, err)
	}
	u, err = e.client.PatchUser(ctx(t), london, adaSiteUserID, saltoks.UserPatch{TagID: &none})
	if err != nil || u.TagID != "" || !u.Blocked {
		t.Errorf("clearing the tag: %+v %v (blocked must stay)", u, err)
	}
	bogus := "00000000-0000-4000-8000-000000000000"
	if _, err := e.client.PatchUser(ctx(t), london, adaSiteUserID, saltoks.UserPatch{TagID: &bogus}); !saltoks.IsNotFound(err) {
		t.Errorf("unknown tag: %v, want not found", err)
	}
}

func TestDeleteUser(t *testing.T) {
	e := newEnv(t, nil)
	u := e.newUser(t, london, "leaving@example.com")
	if err := e.client.DeleteUser(ctx(t), london, u.SiteUserID); err != nil {
		t.Fatal(err)
	}
	if err := e.client.DeleteUser(ctx(t), london, u.SiteUserID); !saltoks.IsNotFound(err) {
		t.Errorf("deleting again: %v, want not found", err)
	}
}

func TestLocksAndTags(t *testing.T) {
	e := newEnv(t, nil)
	locks, err := e.client.ListLocks(ctx(t), london)
	if err != nil || len(locks) != 3 || locks[0].ID != londonFrontDoor || locks[0].Name != "Front door" || !locks[0].Online {
		t.Errorf("ListLocks: %+v %v", locks, err)
	}
	tags, err := e.client.ListTags(ctx(t), london, saltoks.ListOptions{})
	if err != nil || len(tags) != 3 || tags[0].TagNumber != "04A1B2C3" || tags[0].UserID != "" {
		t.Errorf("ListTags: %+v %v", tags, err)
	}
	if _, err := e.client.FindTagByNumber(ctx(t), london, "99999999"); !saltoks.IsNotFound(err) {
		t.Errorf("unknown tag number: %v", err)
	}
}
