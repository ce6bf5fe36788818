package e2e_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/serviceerror"

	"doorsync/access"
	"doorsync/contract"
)

// Deleting an org removes its members from the Salto KS groups doorsync
// put them in (a user added by hand stays), stops its workflows and its
// reconcile schedule, and removes every row it owned; the org is then
// unknown and its key no longer works.
func TestDeleteOrgRevokesStopsAndRemoves(t *testing.T) {
	s := newStack(t, stackOptions{})
	emails := s.activeMembers(3)
	s.put("/members/m9", member("m9", "m9@example.com"))
	s.put("/memberships/ms9", map[string]any{"plan_id": "hot", "member_id": "m9",
		"starts_at": rfc(time.Now().Add(-time.Hour)), "ends_at": rfc(time.Now().Add(24 * time.Hour))})
	s.waitIn(gMembers, "m9@example.com")
	emails = append(emails, "m9@example.com")
	lifecycle := contract.LifecycleWorkflowID(s.org, access.KindMembership, "ms9")
	accessWF := contract.AccessWorkflowID(s.org, "member:m1")
	s.eventually(10*time.Second, "the org's workflows running", func() bool {
		return s.workflowRunning(lifecycle) && s.workflowRunning(accessWF)
	})
	if !s.scheduleExists() {
		t.Fatal("the org has no reconcile schedule to begin with")
	}
	if n := s.orgRows(); n == 0 {
		t.Fatal("the org owns no rows to begin with")
	}

	s.call(202, "DELETE", s.orgPath(), adminToken, nil)
	s.waitDeleted()

	for _, e := range emails {
		if s.inGroup(gMembers, e) {
			t.Errorf("%s is still in the group after the org was deleted", e)
		}
	}
	if !slices.Contains(s.fake.GroupMembers(london, gMembers), staffUser) {
		t.Error("deleting the org removed a user doorsync never added")
	}
	for _, id := range []string{lifecycle, accessWF} {
		if s.workflowRunning(id) {
			t.Errorf("workflow %s still runs", id)
		}
	}
	if s.scheduleExists() {
		t.Error("the org's reconcile schedule is still there")
	}
	if n := s.orgRows(); n != 0 {
		t.Errorf("%d rows of the org are left", n)
	}
	s.call(401, "GET", s.orgPath(), s.key, nil)
}

// The deletion goes behind the org's mass-removal guard: without force,
// one that would remove 12 members from a group is refused and changes
// nothing; with ?force=true it goes.
func TestDeleteOrgBehindTheGuard(t *testing.T) {
	s := newStack(t, stackOptions{})
	emails := s.activeMembers(12)

	status, raw := s.do("DELETE", s.orgPath(), adminToken, nil)
	if status != 409 || !strings.Contains(string(raw), "force=true") {
		t.Fatalf("DELETE without force = %d %s, want 409 naming force", status, raw)
	}
	s.put("/members/m1", member("m1", "m1@example.com", map[string]any{"first_name": "Still"})) // writes go on
	for _, e := range emails {
		if !s.inGroup(gMembers, e) {
			t.Fatalf("%s was removed by a refused deletion", e)
		}
	}

	s.call(202, "DELETE", s.orgPath()+"?force=true", adminToken, nil)
	s.waitDeleted()
	for _, e := range emails {
		if s.inGroup(gMembers, e) {
			t.Errorf("%s is still in the group after a forced deletion", e)
		}
	}
	if n := s.orgRows(); n != 0 {
		t.Errorf("%d rows of the org are left", n)
	}
}

// waitDeleted waits until the org is gone (404) and its deletion workflow
// has completed.
func (s *stack) waitDeleted() {
	s.t.Helper()
	s.eventually(90*time.Second, "org "+s.org+" deleted", func() bool {
		status, _ := s.do("GET", s.orgPath(), adminToken, nil)
		return status == 404 && !s.workflowRunning(contract.OrgDeleteWorkflowID(s.org))
	})
}

func (s *stack) scheduleExists() bool {
	s.t.Helper()
	_, err := s.temporal.ScheduleClient().GetHandle(s.ctx, contract.ReconcileScheduleID(s.org)).Describe(s.ctx)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return false
	}
	if err != nil {
		s.t.Fatalf("describe schedule: %v", err)
	}
	return true
}

// orgRows counts the rows of the org in every table with an org_id column,
// and its orgs row.
func (s *stack) orgRows() int {
	s.t.Helper()
	conn, err := pgx.Connect(s.ctx, s.dbURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(s.ctx)
	rows, _ := conn.Query(s.ctx, `select table_name from information_schema.columns
		where table_schema = current_schema() and column_name = 'org_id'`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) < 10 {
		s.t.Fatalf("tables with org_id: %v, %v", tables, err)
	}
	total := 0
	for _, table := range append(tables, "orgs") {
		col := "org_id"
		if table == "orgs" {
			col = "id"
		}
		var n int
		q := "select count(*) from " + pgx.Identifier{table}.Sanitize() + " where " + col + " = $1"
		if err := conn.QueryRow(s.ctx, q, s.org).Scan(&n); err != nil {
			s.t.Fatal(err)
		}
		if n > 0 {
			s.t.Logf("%s: %d rows of %s", table, n, s.org)
		}
		total += n
	}
	return total
}
