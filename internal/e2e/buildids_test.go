package e2e_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"doorsync/contract"
	"doorsync/internal/buildid"
	"doorsync/internal/testenv"
)

// An access workflow starts with the BuildIds search attribute its first
// task gives it, so Temporal writes its visibility record once, not twice.
// The server counts the upserts of every workflow, the org's reconcile
// schedule's too, so the test allows a few: without the attribute there
// is one per access workflow.
func TestAccessWorkflowsStartWithTheirBuildIds(t *testing.T) {
	srv := testenv.NewDevServer(t)
	s := newStack(t, stackOptions{server: srv, orgSettings: map[string]any{"reconcile_interval": "24h"}})
	s.put("/members/m0", member("m0", "m0@example.com"))
	s.put("/memberships/ms0", map[string]any{"plan_id": "hot", "member_id": "m0", "starts_at": rfc(time.Now().Add(-time.Hour))})
	s.waitIn(gMembers, "m0@example.com")
	time.Sleep(time.Second) // the visibility queue catches up
	before := visibilityUpserts(t, srv)

	const n = 20
	for i := range n {
		id := fmt.Sprintf("m%d", i+1)
		s.put("/members/"+id, member(id, id+"@example.com"))
		s.put("/memberships/ms-"+id, map[string]any{"plan_id": "hot", "member_id": id, "starts_at": rfc(time.Now().Add(-time.Hour))})
	}
	for i := range n {
		s.waitIn(gMembers, fmt.Sprintf("m%d@example.com", i+1))
	}
	time.Sleep(time.Second)
	if upserts := visibilityUpserts(t, srv) - before; upserts > n/4 {
		t.Errorf("%d visibility upserts for %d started access workflows, want none of theirs", upserts, n)
	}
	desc, err := s.temporal.DescribeWorkflowExecution(s.ctx, contract.AccessWorkflowID(s.org, "member:m1"), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if p := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["BuildIds"]; p != nil {
		if err := json.Unmarshal(p.GetData(), &got); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(got, buildid.SearchAttribute()) {
		t.Errorf("BuildIds = %q, want %q", got, buildid.SearchAttribute())
	}
}

// visibilityUpserts is how many visibility upserts the server made.
func visibilityUpserts(t *testing.T, srv *testenv.DevServer) int {
	t.Helper()
	resp, err := http.Get(srv.MetricsURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	total := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "visibility_persistence_requests{") || !strings.Contains(line, `operation="UpsertWorkflowExecution"`) {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
		if err != nil {
			t.Fatalf("metric %q: %v", line, err)
		}
		total += int(v)
	}
	return total
}
