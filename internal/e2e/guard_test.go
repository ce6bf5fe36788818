package e2e_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"doorsync/contract"
)

// A feed that drops every membership of an org while the worker is down
// (the data changed below the API, as a bad migration or a platform bug
// would, so the next reconciliation sees the drop first) leads to a held
// group and zero removals until an operator approves, even once the
// real-time path catches up; approval applies it.
func TestFeedDropIsHeldUntilApproved(t *testing.T) {
	s := newStack(t, stackOptions{orgSettings: map[string]any{"protected_salto_users": []string{"staff@example.com"}}})
	emails, res := s.dropFeed(12)
	if res.Held != 1 || res.Removes != 12 || res.Applied != 0 {
		t.Fatalf("pass = %+v, want one held group with 12 removals and nothing applied", res)
	}
	s.startWorker()
	s.reconcile() // a second run (now through Temporal) keeps holding
	time.Sleep(time.Second)
	for _, e := range emails {
		if !s.inGroup(gMembers, e) {
			t.Fatalf("%s was removed although the group is held", e)
		}
	}
	holds := s.call(200, "GET", s.orgPath()+"/holds", s.key, nil)["data"].([]any)
	if len(holds) != 1 {
		t.Fatalf("holds = %v", holds)
	}
	hold := holds[0].(map[string]any)
	if hold["group_id"] != gMembers || len(hold["remove"].([]any)) != 12 {
		t.Fatalf("hold = %v", hold)
	}
	audit := s.call(200, "GET", s.orgPath()+"/audit?group_id="+gMembers, s.key, nil)
	if !strings.Contains(mustJSON(audit), `"result":"held"`) {
		t.Fatalf("the hold is not in the audit log: %v", audit)
	}

	s.call(202, "POST", s.orgPath()+"/holds/"+hold["id"].(string)+"/approve", s.key, nil)
	for _, e := range emails {
		s.waitOut(gMembers, e)
	}
	if !slices.Contains(s.fake.GroupMembers(london, gMembers), staffUser) {
		t.Fatal("approval removed a protected user")
	}
}

// A real-time feed that ends memberships one by one is stopped by the guard
// once a group's removals within the reconcile interval reach the minimum
// count (10 by default, more than 20% of the group): the rest are held.
func TestRealtimeGuardStopsAMassRevocation(t *testing.T) {
	s := newStack(t, stackOptions{})
	emails := s.activeMembers(12)
	for i := range emails {
		s.del("/memberships/ms" + itoa(i+1))
	}
	var in int
	var holds []any
	s.eventually(90*time.Second, "nine removed and three held", func() bool {
		in = 0
		for _, e := range emails {
			if s.inGroup(gMembers, e) {
				in++
			}
		}
		holds, _ = s.call(200, "GET", s.orgPath()+"/holds", s.key, nil)["data"].([]any)
		if in != 3 || len(holds) != 1 {
			return false
		}
		return len(holds[0].(map[string]any)["remove"].([]any)) == 3
	}, func() string { return fmt.Sprintf("%d still in the group, holds %s", in, mustJSON(holds)) })
	time.Sleep(2 * time.Second) // settle: nothing more may change
	in = 0
	for _, e := range emails {
		if s.inGroup(gMembers, e) {
			in++
		}
	}
	if in != 3 {
		t.Fatalf("%d members left, want the 3 held", in)
	}
	hold := s.call(200, "GET", s.orgPath()+"/holds", s.key, nil)["data"].([]any)[0].(map[string]any)
	s.call(204, "POST", s.orgPath()+"/holds/"+hold["id"].(string)+"/reject", s.key, nil)
}

func itoa(i int) string { return strconv.Itoa(i) }

// dropFeed gives n members an active membership on plan "hot", then, with
// the worker down, deletes every membership below the API (as a bad
// migration or a platform bug would) and runs the scheduled
// reconciliation's pass and its end as the worker would. The worker stays
// stopped; it returns the members' e-mails and the pass's result.
func (s *stack) dropFeed(n int) ([]string, contract.ReconcileOrgResult) {
	s.t.Helper()
	emails := s.activeMembers(n)
	s.stopWorker()
	s.sql(`delete from entities where org_id = $1 and kind = 'membership'`, s.org)
	res, err := s.acts.ReconcileOrg(s.ctx, contract.ReconcileOrgInput{OrgID: s.org, RunID: "feed-drop", Trigger: "schedule"})
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.acts.FinishRun(s.ctx, contract.FinishRunInput{OrgID: s.org, RunID: "feed-drop", Result: res}); err != nil {
		s.t.Fatal(err)
	}
	return emails, res
}
