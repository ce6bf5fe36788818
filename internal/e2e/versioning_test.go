package e2e_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"doorsync/access"
	"doorsync/contract"
)

// With DOORSYNC_WORKER_DEPLOYMENT the worker is a version of a Temporal
// worker deployment and makes itself current; every workflow runs on it,
// auto-upgrading, and a deploy (another build's worker made current)
// takes over the runs under way: a membership shortened after the deploy
// ends on the new build (D42).
func TestWorkflowsAutoUpgradeToTheCurrentDeploymentVersion(t *testing.T) {
	token := randomToken()
	s := newStack(t, stackOptions{orgSettings: map[string]any{"reconcile_interval": "24h"}, deployment: "doorsync-" + token})
	s.build = "build-a-" + token // the stack's first worker ran the test binary's build; this deploy is build a
	s.deploy()
	s.put("/members/m1", member("m1", "m1@example.com"))
	s.put("/memberships/ms1", map[string]any{"plan_id": "hot", "member_id": "m1",
		"starts_at": rfc(time.Now().Add(-time.Hour)), "ends_at": rfc(time.Now().Add(time.Hour))})
	s.waitIn(gMembers, "m1@example.com")
	s.waitTimer(access.KindMembership, "ms1") // its first task completed
	access1, lifecycle1 := contract.AccessWorkflowID(s.org, "member:m1"), contract.LifecycleWorkflowID(s.org, access.KindMembership, "ms1")
	s.runsOn(s.version(), access1, lifecycle1)
	if ids := s.buildIDs(access1); !slices.Equal(ids, []string{"versioned:" + s.build}) {
		t.Errorf("BuildIds of %s = %q, want only the versioned build (the relay sets none for versioned workers)", access1, ids)
	}

	s.build = "build-b-" + token
	s.deploy()
	s.put("/memberships/ms1", map[string]any{"plan_id": "hot", "member_id": "m1",
		"starts_at": rfc(time.Now().Add(-time.Hour)), "ends_at": rfc(time.Now().Add(2 * time.Second))})
	s.waitOut(gMembers, "m1@example.com")
	s.runsOn(s.version(), access1, lifecycle1)
}

// deploy replaces the worker by one of s.build, made current.
func (s *stack) deploy() {
	s.t.Helper()
	s.stopWorker()
	s.startWorker()
	d, err := s.temporal.WorkerDeploymentClient().GetHandle(s.deployment).Describe(s.ctx, client.WorkerDeploymentDescribeOptions{})
	if err != nil {
		s.t.Fatal(err)
	}
	if cur := d.Info.RoutingConfig.CurrentVersion; cur == nil || *cur != s.version() {
		s.t.Fatalf("current version = %v, want %v", cur, s.version())
	}
}

func (s *stack) version() sdkworker.WorkerDeploymentVersion {
	return sdkworker.WorkerDeploymentVersion{DeploymentName: s.deployment, BuildID: s.build}
}

// runsOn checks that each workflow auto-upgrades and last completed a task
// on v.
func (s *stack) runsOn(v sdkworker.WorkerDeploymentVersion, workflowIDs ...string) {
	s.t.Helper()
	for _, id := range workflowIDs {
		s.eventually(30*time.Second, id+" runs on "+v.BuildID, func() bool {
			desc, err := s.temporal.DescribeWorkflowExecution(s.ctx, id, "")
			if err != nil {
				return false
			}
			info := desc.GetWorkflowExecutionInfo().GetVersioningInfo()
			return info.GetBehavior() == enumspb.VERSIONING_BEHAVIOR_AUTO_UPGRADE &&
				info.GetDeploymentVersion().GetDeploymentName() == v.DeploymentName && info.GetDeploymentVersion().GetBuildId() == v.BuildID
		})
	}
}

// buildIDs is a workflow's BuildIds search attribute.
func (s *stack) buildIDs(workflowID string) []string {
	s.t.Helper()
	desc, err := s.temporal.DescribeWorkflowExecution(s.ctx, workflowID, "")
	if err != nil {
		s.t.Fatal(err)
	}
	var ids []string
	if p := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["BuildIds"]; p != nil {
		if err := json.Unmarshal(p.GetData(), &ids); err != nil {
			s.t.Fatal(err)
		}
	}
	return ids
}
