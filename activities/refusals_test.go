package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/saltoks"
	"doorsync/saltoks/saltokstest"
	"doorsync/store"
)

// groupMissing is a group no site has.
const groupMissing = "6a000001-0001-4000-8000-0000000000ff"

// applyErr runs ApplyAccess and returns its error (nil when it succeeded).
func (e *env) applyErr(person string) (contract.ApplyAccessResult, error) {
	return e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: person})
}

func (e *env) problem(person string) string {
	e.t.Helper()
	p, err := e.st.PersonProblem(e.ctx, org, person)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// refuse makes Salto KS refuse method on a group's members (group "*":
// every group) with status and ErrorCode 2203.
func (e *env) refuse(method, group string, status int) {
	e.t.Helper()
	route := "/v1.2/sites/*/access_groups/" + group + "/users"
	if method == "DELETE" {
		route += "/*"
	}
	e.fault(saltokstest.Fault{Method: method, RoutePattern: route, Status: status, ErrorCode: "2203",
		Message: "User does not have permission for this operation on this user"})
}

// errorEntries are the person's audit entries with result "error", oldest
// first.
func (e *env) errorEntries(person string) []store.AuditEntry {
	var out []store.AuditEntry
	entries := e.audit(person)
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].Result == "error" {
			out = append(out, entries[i])
		}
	}
	return out
}

func TestRefusedAddIsAProblemAndTheOtherGroupsGoOn(t *testing.T) {
	for _, status := range []int{400, 403, 422} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			e := newEnv(t)
			e.mapTo("plans", "hot", groupA, groupB)
			e.member("m1", "joe@example.com")
			e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
			e.refuse("POST", groupA, status)

			res := e.apply("member:m1")
			if res.Added != 1 || !strings.Contains(res.Problem, groupA) || !strings.Contains(res.Problem, "2203") {
				t.Fatalf("apply with group A refused = %+v, want group B added and the refusal as the problem", res)
			}
			if !e.inGroup(groupB, "joe@example.com") || e.inGroup(groupA, "joe@example.com") {
				t.Fatal("want the person in group B only")
			}
			if p := e.problem("member:m1"); p != res.Problem {
				t.Fatalf("problem recorded = %q, want %q", p, res.Problem)
			}
			errs := e.errorEntries("member:m1")
			if len(errs) != 1 || errs[0].Action != "add" || errs[0].GroupID != groupA ||
				!strings.Contains(errs[0].Error, "2203") || !strings.Contains(errs[0].Error, "does not have permission") ||
				!strings.Contains(string(errs[0].Reason), `"ms1"`) {
				t.Fatalf("error entries = %+v", errs)
			}

			// The next run tries again; the same refusal is not audited twice.
			if res := e.apply("member:m1"); res.Added != 0 || res.Problem == "" {
				t.Fatalf("apply still refused = %+v", res)
			}
			if n := len(e.errorEntries("member:m1")); n != 1 {
				t.Fatalf("%d error entries after a repeated refusal, want 1", n)
			}

			e.fake.ClearFaults()
			if res := e.apply("member:m1"); res.Added != 1 || res.Problem != "" {
				t.Fatalf("apply once Salto KS accepts = %+v", res)
			}
			if p := e.problem("member:m1"); p != "" || !e.inGroup(groupA, "joe@example.com") {
				t.Fatalf("after success: problem %q, in group A %v", p, e.inGroup(groupA, "joe@example.com"))
			}
		})
	}
}

func TestMissingGroupIsAProblem(t *testing.T) {
	e := newEnv(t)
	e.mapTo("plans", "hot", groupMissing, groupA)
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)

	res := e.apply("member:m1")
	if res.Added != 1 || !strings.Contains(res.Problem, groupMissing+" does not exist") {
		t.Fatalf("apply with a missing group = %+v", res)
	}
	if !e.inGroup(groupA, "joe@example.com") {
		t.Fatal("the existing group was not added")
	}
	errs := e.errorEntries("member:m1")
	if len(errs) != 1 || errs[0].Action != "add" || errs[0].GroupID != groupMissing || !strings.Contains(errs[0].Error, "2202") {
		t.Fatalf("error entries = %+v", errs)
	}
	e.apply("member:m1")
	if n := len(e.errorEntries("member:m1")); n != 1 {
		t.Fatalf("%d error entries after a repeated refusal, want 1", n)
	}
}

// TestUserStillProvisioningIsRetriedNotAProblem: a user Salto KS is still
// provisioning when the run must end (its context's deadline; in
// production also the 90 s window) fails the run, to be retried, and is
// neither a problem nor an error entry.
func TestUserStillProvisioningIsRetriedNotAProblem(t *testing.T) {
	e := newEnv(t)
	e.fake.SetProvisioningDelay(time.Minute)
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	ctx, cancel := context.WithTimeout(e.ctx, 3*time.Second)
	defer cancel()
	if _, err := e.acts.ApplyAccess(ctx, contract.ApplyAccessInput{OrgID: org, Person: "member:m1"}); !saltoks.IsNotFound(err) {
		t.Fatalf("adding a user Salto KS is still provisioning: %v, want its 404", err)
	}
	if p := e.problem("member:m1"); p != "" {
		t.Fatalf("provisioning recorded as a problem: %q", p)
	}
	if errs := e.errorEntries("member:m1"); len(errs) != 0 {
		t.Fatalf("provisioning audited as an error: %+v", errs)
	}
	e.fake.Advance(2 * time.Minute)
	if res := e.apply("member:m1"); res.Added != 1 || res.Problem != "" {
		t.Fatalf("apply once provisioned = %+v", res)
	}
}

func TestRefusedUserCreationIsAProblem(t *testing.T) {
	e := newEnv(t)
	e.mapTo("plans", "hot", groupA, groupB)
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", time.Now().Add(-time.Hour), nil)
	e.fault(saltokstest.Fault{Method: "POST", RoutePattern: "/v1.2/sites/{site_id}/users", Status: 422,
		ErrorCode: "1101", Message: "Email 'joe@example.com' is not valid"})

	res := e.apply("member:m1")
	if res.Added != 0 || !strings.Contains(res.Problem, "create their user") || !strings.Contains(res.Problem, "is not valid") {
		t.Fatalf("apply with the user refused = %+v", res)
	}
	if n := e.fake.Requests()["POST /v1.2/sites/{site_id}/users"]; n != 1 {
		t.Fatalf("%d user creations tried for two groups on one site, want 1", n)
	}
	errs := e.errorEntries("member:m1")
	if len(errs) != 1 || errs[0].Action != "create_user" || errs[0].SiteID != london || !strings.Contains(errs[0].Error, "1101") {
		t.Fatalf("error entries = %+v", errs)
	}
	if reasons := reasonsOf(t, errs[0].Reason); len(reasons) != 1 || reasons[0].ID != "ms1" {
		t.Fatalf("create_user error reason = %s, want the grant that needed the user", errs[0].Reason)
	}
	e.apply("member:m1")
	if n := len(e.errorEntries("member:m1")); n != 1 {
		t.Fatalf("%d error entries after a repeated refusal, want 1", n)
	}

	e.fake.ClearFaults()
	if res := e.apply("member:m1"); res.Added != 2 || res.Problem != "" || e.problem("member:m1") != "" {
		t.Fatalf("apply once Salto KS accepts = %+v", res)
	}
}

func TestRefusedRemovalKeepsRetryingAndIsAProblem(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	e.mapTo("plans", "hot", groupA, groupB)
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	e.apply("member:m1")
	ended := now.Add(-time.Minute)
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &ended)
	e.refuse("DELETE", groupA, 403)

	for range 2 {
		_, err := e.applyErr("member:m1")
		var appErr *temporal.ApplicationError
		if err == nil || (errors.As(err, &appErr) && appErr.NonRetryable()) {
			t.Fatalf("refused removal: %v, want an error that is retried", err)
		}
	}
	if p := e.problem("member:m1"); !strings.Contains(p, "remove") || !strings.Contains(p, groupA) || !strings.Contains(p, "2203") {
		t.Fatalf("problem = %q, want the refused removal", p)
	}
	if !e.inGroup(groupA, "joe@example.com") || e.inGroup(groupB, "joe@example.com") {
		t.Fatal("want the refused group kept and the other one removed")
	}
	errs := e.errorEntries("member:m1")
	if len(errs) != 1 || errs[0].Action != "remove" || errs[0].GroupID != groupA {
		t.Fatalf("error entries = %+v, want one refused removal", errs)
	}

	e.fake.ClearFaults()
	if res := e.apply("member:m1"); res.Removed != 1 || res.Problem != "" || e.problem("member:m1") != "" {
		t.Fatalf("apply once Salto KS accepts = %+v", res)
	}
	if e.inGroup(groupA, "joe@example.com") {
		t.Fatal("still in the group")
	}
}

// removal is a remove entry's reason.
type removal struct {
	Why   string          `json:"why"`
	Ended []access.Reason `json:"ended"`
}

func TestEveryAuditEntryHasAReason(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	e.member("m1", "joe@example.com")
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), nil)
	e.membership("ms2", "m1", "hot", now.Add(-time.Hour), nil)
	e.put("plan", "office", access.MembershipPlan{ID: "office"})
	e.mapTo("plans", "office", groupB)
	e.membership("ms3", "m1", "office", now.Add(-time.Hour), nil)
	e.apply("member:m1")

	// ms1 and ms2 end (the engine still knows them); ms3 is deleted.
	ended := now.Add(-time.Minute)
	e.membership("ms1", "m1", "hot", now.Add(-time.Hour), &ended)
	e.membership("ms2", "m1", "hot", now.Add(-time.Hour), &ended)
	if _, err := e.writer().Delete(e.ctx, org, "membership", "ms3"); err != nil {
		t.Fatal(err)
	}
	res, err := e.acts.ApplyAccess(e.ctx, contract.ApplyAccessInput{OrgID: org, Person: "member:m1", Cause: "membership ms3 deleted"})
	if err != nil || res.Removed != 2 {
		t.Fatalf("apply = %+v, %v", res, err)
	}

	entries := e.audit("member:m1")
	slices.Reverse(entries)
	if got := actions(e.audit("member:m1")); !slices.Equal(got, []string{"create_user", "add", "add", "remove", "remove"}) {
		t.Fatalf("audit = %v", got)
	}
	for _, en := range entries {
		if len(en.Reason) == 0 || string(en.Reason) == "null" {
			t.Errorf("%s entry has no reason", en.Action)
		}
	}
	if reasons := reasonsOf(t, entries[0].Reason); !slices.Equal(ids(reasons), []string{"ms1", "ms2", "ms3"}) {
		t.Errorf("create_user reason = %s, want the grants that needed the user", entries[0].Reason)
	}
	for _, en := range entries[3:] {
		var r removal
		if err := json.Unmarshal(en.Reason, &r); err != nil {
			t.Fatalf("remove reason %s: %v", en.Reason, err)
		}
		want := []string{"ms1", "ms2"} // ended: the engine's grants no longer active
		if en.GroupID == groupB {
			want = []string{"ms3"} // deleted: the last add's reasons
		}
		if r.Why != "membership ms3 deleted" || !slices.Equal(ids(r.Ended), want) || r.Ended[0].Via != "plan" {
			t.Errorf("remove reason of %s = %s, want why and ended %v", en.GroupID, en.Reason, want)
		}
	}
}

func reasonsOf(t *testing.T, raw json.RawMessage) []access.Reason {
	t.Helper()
	var reasons []access.Reason
	if err := json.Unmarshal(raw, &reasons); err != nil {
		t.Fatalf("reason %s: %v", raw, err)
	}
	return reasons
}

func ids(reasons []access.Reason) []string {
	var out []string
	for _, r := range reasons {
		out = append(out, r.ID)
	}
	slices.Sort(out)
	return out
}
