package workflows

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"doorsync/access"
	"doorsync/contract"
)

func funcName(fn any) uintptr { return reflect.ValueOf(fn).Pointer() }

func TestDefinitionsUseContractNames(t *testing.T) {
	defs := Definitions()
	names := make([]string, 0, len(defs))
	byName := map[string]any{}
	for _, d := range defs {
		names = append(names, d.Name)
		byName[d.Name] = d.Fn
	}
	assert.Equal(t, []string{
		contract.MembershipWorkflow, contract.BookingWorkflow, contract.DayPassWorkflow, contract.AccessWorkflow, contract.ReconcileWorkflow,
		contract.OrgDeleteWorkflow, contract.PlatformSyncWorkflow,
	}, names)
	for _, kind := range access.LifecycleKinds {
		fn, ok := byName[contract.LifecycleWorkflowType(kind)]
		if assert.True(t, ok, "kind %s has a registered workflow", kind) {
			assert.Equal(t, funcName(Lifecycle), funcName(fn), "kind %s runs Lifecycle", kind)
		}
	}
	assert.Equal(t, funcName(Access), funcName(byName[contract.AccessWorkflow]))
}

// Every workflow names its versioning behavior: a versioned worker refuses
// to register one that does not (D42).
func TestDefinitionsNameTheirVersioningBehavior(t *testing.T) {
	for _, d := range Definitions() {
		assert.NotEqual(t, workflow.VersioningBehaviorUnspecified, d.Versioning, d.Name)
	}
}

// Lifecycle is registered under three names; continuing as new must keep
// the name it runs under.
func TestLifecycleContinuesAsNewUnderItsOwnName(t *testing.T) {
	for _, kind := range access.LifecycleKinds {
		t.Run(string(kind), func(t *testing.T) {
			var ts testsuite.WorkflowTestSuite
			env := ts.NewTestWorkflowEnvironment()
			for _, d := range Definitions() {
				env.RegisterWorkflowWithOptions(d.Fn, workflow.RegisterOptions{Name: d.Name})
			}
			registerActivityStubs(env)
			env.OnActivity(contract.LoadLifecycleActivity, mock.Anything, mock.Anything).Return(
				func(_ context.Context, in contract.LoadLifecycleInput) (contract.LoadLifecycleResult, error) {
					return contract.LoadLifecycleResult{Exists: true, NextChange: in.At.Add(time.Hour)}, nil
				})
			env.SetContinueAsNewSuggested(true)

			in := contract.LifecycleInput{OrgID: "org1", Kind: kind, EntityID: "e1", KeepsTime: true}
			env.ExecuteWorkflow(contract.LifecycleWorkflowType(kind), in)

			var next contract.LifecycleInput
			can, err := continueAsNew(env.GetWorkflowError(), &next)
			require.NoError(t, err)
			assert.Equal(t, contract.LifecycleWorkflowType(kind), can.WorkflowType.Name)
			assert.Equal(t, in.Kind, next.Kind)
			assert.Equal(t, in.EntityID, next.EntityID)
			assert.True(t, next.KeepsTime)
		})
	}
}

func TestUnion(t *testing.T) {
	assert.Nil(t, union(nil, nil))
	assert.Equal(t, []string{"a", "b", "c"}, union([]string{"c", "a"}, []string{"b", "a", "c"}))
	assert.Equal(t, []string{"a", "b"}, union([]string{"b", "a", "b"}, nil))
}

func TestLater(t *testing.T) {
	assert.Equal(t, t0, later(time.Time{}, t0))
	assert.Equal(t, at(time.Hour), later(at(time.Hour), t0))
	assert.Equal(t, at(time.Hour), later(t0, at(time.Hour)))
}
