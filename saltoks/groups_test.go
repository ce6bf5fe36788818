package saltoks_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"doorsync/saltoks"
	"doorsync/saltoks/saltokstest"
)

func TestAccessGroups(t *testing.T) {
	e := newEnv(t, nil)
	groups, err := e.client.ListAccessGroups(ctx(t), london, saltoks.ListOptions{})
	if err != nil || len(groups) != 3 || groups[0] != (saltoks.AccessGroup{ID: londonMembers, Name: "London Members"}) {
		t.Fatalf("ListAccessGroups: %+v %v", groups, err)
	}
	filtered, err := e.client.ListAccessGroups(ctx(t), london, saltoks.ListOptions{Filter: saltoks.FilterEq("customer_reference", "London Meeting Room 1")})
	if err != nil || len(filtered) != 1 || filtered[0].ID != londonMeeting {
		t.Errorf("filtered: %+v %v", filtered, err)
	}
	g, err := e.client.GetAccessGroup(ctx(t), london, londonMeeting)
	if err != nil || g.Name != "London Meeting Room 1" {
		t.Errorf("GetAccessGroup: %+v %v", g, err)
	}
	if _, err := e.client.GetAccessGroup(ctx(t), london, "00000000-0000-4000-8000-000000000000"); !saltoks.IsNotFound(err) {
		t.Errorf("unknown group: %v", err)
	}
}

func TestGroupMembersAcrossPages(t *testing.T) {
	e := newEnv(t, nil, saltokstest.WithPageSize(2))
	want := []string{adaUserID}
	for i := range 6 {
		u := e.newUser(t, london, fmt.Sprintf("m%d@example.com", i))
		if err := e.client.AddGroupMember(ctx(t), london, londonMembers, u.UserID); err != nil {
			t.Fatal(err)
		}
		want = append(want, u.UserID)
	}
	e.fake.ResetRequests()
	members, err := e.client.ListGroupMembers(ctx(t), london, londonMembers)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range members {
		got = append(got, m.UserID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("members %v, want %v", got, want)
	}
	if members[0].Email != "ada@example.com" || members[0].FirstName != "Ada" {
		t.Errorf("first member %+v", members[0])
	}
	if n := e.fake.Requests()["GET /v1.2/sites/{site_id}/access_groups/{group_id}/users"]; n != 4 {
		t.Errorf("%d page requests for 7 members at 2 a page, want 4", n)
	}

	// Page by page, as a reconciliation that heartbeats the link would.
	var paged []string
	link := ""
	for {
		page, err := e.client.GroupMembersPage(ctx(t), london, londonMembers, link)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Items {
			paged = append(paged, m.UserID)
		}
		if link = page.NextPageLink; link == "" {
			break
		}
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged members %v, want %v", paged, want)
	}
}

func TestGroupMembershipUsesPlatformIDs(t *testing.T) {
	e := newEnv(t, nil)
	u := e.newUser(t, london, "bob@example.com")
	tests := []struct {
		name     string
		id       string
		wantNotF bool
	}{
		{"site-user id is refused", u.SiteUserID, true},
		{"unknown id is refused", "00000000-0000-4000-8000-000000000000", true},
		{"platform id joins", u.UserID, false},
		{"joining twice is fine", u.UserID, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.client.AddGroupMember(ctx(t), london, londonMeeting, tt.id)
			if tt.wantNotF != saltoks.IsNotFound(err) || (!tt.wantNotF && err != nil) {
				t.Errorf("AddGroupMember(%s): %v", tt.id, err)
			}
		})
	}
	if got := e.fake.GroupMembers(london, londonMeeting); !slices.Equal(got, []string{adaUserID, u.UserID}) {
		t.Errorf("members %v", got)
	}
	if err := e.client.RemoveGroupMember(ctx(t), london, londonMeeting, u.UserID); err != nil {
		t.Fatal(err)
	}
	if err := e.client.RemoveGroupMember(ctx(t), london, londonMeeting, u.UserID); !saltoks.IsNotFound(err) {
		t.Errorf("removing a non-member: %v, want not found", err)
	}
}

func TestMembersAddedByHandAreListed(t *testing.T) {
	e := newEnv(t, nil)
	u := e.newUser(t, newYork, "walkin@example.com")
	const nyMembers = "6a000002-0002-4000-8000-000000000001"
	if err := e.fake.AddGroupMemberDirect(newYork, nyMembers, u.UserID); err != nil {
		t.Fatal(err)
	}
	members, err := e.client.ListGroupMembers(ctx(t), newYork, nyMembers)
	if err != nil || len(members) != 2 || members[1].UserID != u.UserID {
		t.Errorf("members %+v %v", members, err)
	}
}

func TestConsistencyWindowAfterCreate(t *testing.T) {
	e := newEnv(t, nil, saltokstest.WithProvisioningDelay(time.Minute))
	res, err := e.client.CreateUser(ctx(t), london, saltoks.NewUser{FirstName: "Fresh", Email: "fresh@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	err = e.client.AddGroupMember(ctx(t), london, londonMembers, res.User.UserID)
	if !saltoks.IsNotFound(err) || saltoks.IsRetryable(err) {
		t.Fatalf("add during the window: %v, want 404 (the caller decides to retry)", err)
	}
	e.fake.Advance(time.Minute)
	if err := e.client.AddGroupMember(ctx(t), london, londonMembers, res.User.UserID); err != nil {
		t.Errorf("add after the window: %v", err)
	}
}
