package api_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// A member and a membership that names them, written at the same moment
// (two webhooks from the platform), always reach the member's access
// workflow: whichever write commits last sees the other, however the two
// transactions interleave. So do a member joining a team and a membership
// of the whole team.
func TestConcurrentMemberAndMembershipReachTheMember(t *testing.T) {
	start := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	t.Run("member's own", func(t *testing.T) {
		racePairs(t, nil, func(i int) (member, membership map[string]any) {
			return map[string]any{"email": fmt.Sprintf("m%d@example.com", i)},
				map[string]any{"plan_id": "p1", "member_id": fmt.Sprintf("m%d", i), "starts_at": start}
		})
	})
	t.Run("team's", func(t *testing.T) {
		racePairs(t, func(a *testAPI, key string, i int) {
			a.must(201, "PUT", fmt.Sprintf("/v1/orgs/acme/teams/t%d", i), key, map[string]any{"name": "Team"})
		}, func(i int) (member, membership map[string]any) {
			return map[string]any{"email": fmt.Sprintf("m%d@example.com", i), "team_id": fmt.Sprintf("t%d", i)},
				map[string]any{"plan_id": "p1", "team_id": fmt.Sprintf("t%d", i), "starts_at": start}
		})
	})
}

// racePairs writes, for each of a number of pairs, member m{i} and
// membership ms{i} at the same moment, and checks that every member's
// access workflow was poked.
func racePairs(t *testing.T, setUp func(a *testAPI, key string, i int), pair func(i int) (member, membership map[string]any)) {
	const pairs = 60
	a := newTestAPI(t)
	key := a.createOrg("acme")
	a.must(201, "PUT", "/v1/orgs/acme/plans/p1", key, map[string]any{"name": "Hot desk"})
	a.must(201, "PUT", "/v1/orgs/acme/mappings/plans/p1", key, map[string]any{
		"access_groups": []any{map[string]any{"site_id": siteLondon, "group_id": groupMembers}}})
	for i := range pairs {
		if setUp != nil {
			setUp(a, key, i)
		}
	}
	a.clearOutbox()

	var wg sync.WaitGroup
	statuses := make(chan int, 2*pairs)
	for i := range pairs {
		member, membership := pair(i)
		begin := make(chan struct{})
		put := func(path string, body map[string]any) {
			defer wg.Done()
			<-begin
			statuses <- a.do("PUT", "/v1/orgs/acme/"+path, key, body).Status
		}
		wg.Add(2)
		go put(fmt.Sprintf("members/m%d", i), member)
		go put(fmt.Sprintf("memberships/ms%d", i), membership)
		close(begin)
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != 201 {
			t.Fatalf("a write answered %d", s)
		}
	}
	queued := a.outbox()
	var missed []int
	for i := range pairs {
		if !slices.Contains(queued, fmt.Sprintf("access member:m%d", i)) {
			missed = append(missed, i)
		}
	}
	if len(missed) > 0 {
		t.Fatalf("%d of %d members were never poked (pairs %v)", len(missed), pairs, missed)
	}
}
