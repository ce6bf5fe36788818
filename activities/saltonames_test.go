package activities_test

import (
	"testing"
	"time"

	"doorsync/contract"
	"doorsync/store"
)

// A reconciliation run refreshes the names of the sites and of the groups
// on the managed groups' sites, which explain reads.
func TestReconcileRefreshesSaltoNames(t *testing.T) {
	e := newEnv(t)
	e.acts.Workflows = noneRunning{}
	e.put("plan", "hot", map[string]string{"id": "hot", "name": "Hot"})
	e.mapTo("plans", "hot", groupA)
	if err := e.st.RememberSaltoNames(e.ctx, org, []store.SaltoName{{SiteID: london, GroupID: groupA, Name: "stale"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.acts.ReconcileOrg(e.ctx, contract.ReconcileOrgInput{OrgID: org, RunID: "run1", Trigger: "manual",
		At: time.Now(), DryRun: true}); err != nil {
		t.Fatal(err)
	}
	names, err := e.st.SaltoNames(e.ctx, org, []string{london})
	if err != nil {
		t.Fatal(err)
	}
	want := map[store.GroupRef]string{{SiteID: london}: "London", {SiteID: london, GroupID: groupA}: "Members",
		{SiteID: london, GroupID: groupB}: "Room"}
	for ref, name := range want {
		if names[ref] != name {
			t.Errorf("%v = %q, want %q (all: %v)", ref, names[ref], name, names)
		}
	}
}
