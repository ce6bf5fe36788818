package e2e_test

import (
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/worker"
)

// The worker runs as this build's version of the doorsync worker
// deployment, which it makes current: workflows the relay starts run on
// it, auto-upgrading (D40).
func TestWorkflowsRunOnTheCurrentDeploymentVersion(t *testing.T) {
	s := newStack(t, stackOptions{orgSettings: map[string]any{"reconcile_interval": "24h"}})
	s.put("/members/m1", member("m1", "m1@example.com"))
	s.put("/memberships/ms1", map[string]any{"plan_id": "hot", "member_id": "m1",
		"starts_at": rfc(time.Now().Add(-time.Hour)), "ends_at": rfc(time.Now().Add(time.Hour))})
	s.waitIn(gMembers, "m1@example.com")
	s.waitTimer(access.KindMembership, "ms1") // its first task completed

	d, err := s.temporal.WorkerDeploymentClient().GetHandle(worker.Deployment).Describe(s.ctx, client.WorkerDeploymentDescribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cur := d.Info.RoutingConfig.CurrentVersion; cur == nil || *cur != worker.Version() {
		t.Fatalf("current version = %v, want %v", cur, worker.Version())
	}
	for _, id := range []string{contract.AccessWorkflowID(s.org, "member:m1"), contract.LifecycleWorkflowID(s.org, access.KindMembership, "ms1")} {
		desc, err := s.temporal.DescribeWorkflowExecution(s.ctx, id, "")
		if err != nil {
			t.Fatal(err)
		}
		v := desc.GetWorkflowExecutionInfo().GetVersioningInfo()
		if v.GetBehavior() != enumspb.VERSIONING_BEHAVIOR_AUTO_UPGRADE ||
			v.GetDeploymentVersion().GetDeploymentName() != worker.Deployment || v.GetDeploymentVersion().GetBuildId() != worker.Version().BuildID {
			t.Errorf("%s: versioning info = %v, want auto-upgrade on %v", id, v, worker.Version())
		}
	}
}
