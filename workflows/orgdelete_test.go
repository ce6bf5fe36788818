package workflows

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// The deletion stops the org's workflows before it revokes and again
// before it removes the data; a failing step is retried, never skipped.
func TestOrgDeleteStopsRevokesStopsAndRemovesInOrder(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(OrgDelete, workflow.RegisterOptions{Name: contract.OrgDeleteWorkflow})
	var mu sync.Mutex
	var steps []string
	step := func(name string) {
		mu.Lock()
		defer mu.Unlock()
		steps = append(steps, name)
	}
	revokeAttempts := 0
	env.RegisterActivityWithOptions(func(_ context.Context, in contract.StopOrgWorkflowsInput) (contract.StopOrgWorkflowsResult, error) {
		if in.Except != "org-delete:acme" {
			t.Errorf("stop spares %q, want the deletion itself", in.Except)
		}
		step("stop")
		return contract.StopOrgWorkflowsResult{Stopped: 2}, nil
	}, activity.RegisterOptions{Name: contract.StopOrgWorkflowsActivity})
	env.RegisterActivityWithOptions(func(_ context.Context, in contract.RevokeOrgInput) (contract.RevokeOrgResult, error) {
		step("revoke")
		if revokeAttempts++; revokeAttempts == 1 {
			return contract.RevokeOrgResult{}, errors.New("salto ks unavailable")
		}
		return contract.RevokeOrgResult{Removed: 5}, nil
	}, activity.RegisterOptions{Name: contract.RevokeOrgActivity})
	env.RegisterActivityWithOptions(func(_ context.Context, in contract.DeleteOrgDataInput) error {
		step("delete")
		return nil
	}, activity.RegisterOptions{Name: contract.DeleteOrgDataActivity})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: contract.OrgDeleteWorkflowID("acme")})

	env.ExecuteWorkflow(contract.OrgDeleteWorkflow, contract.OrgDeleteInput{OrgID: "acme"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res contract.OrgDeleteResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Removed != 5 || res.Stopped != 4 {
		t.Fatalf("result = %+v, %v", res, err)
	}
	if want := []string{"stop", "revoke", "revoke", "stop", "delete"}; !reflect.DeepEqual(steps, want) {
		t.Fatalf("steps = %v, want %v", steps, want)
	}
}
