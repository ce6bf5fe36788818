package contract_test

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	"doorsync/access"
	"doorsync/contract"
)

// splitID undoes a workflow id of the form prefix:{escaped org}:{rest}: it
// is how a reader tells the parts apart, so an id that splits back into
// what built it cannot be built from anything else.
func splitID(t *testing.T, id string) (prefix, org, rest string) {
	t.Helper()
	prefix, tail, ok1 := strings.Cut(id, ":")
	escaped, rest, ok2 := strings.Cut(tail, ":")
	if !ok1 || !ok2 {
		t.Fatalf("id %q has fewer than three parts", id)
	}
	org, err := url.PathUnescape(escaped)
	if err != nil {
		t.Fatalf("id %q: org part %q does not unescape: %v", id, escaped, err)
	}
	return prefix, org, rest
}

func checkLifecycleID(t *testing.T, org string, kind access.Kind, id string) string {
	t.Helper()
	wid := contract.LifecycleWorkflowID(org, kind, id)
	if _, gotOrg, gotID := splitID(t, wid); gotOrg != org || gotID != id {
		t.Fatalf("LifecycleWorkflowID(%q, %q, %q) = %q reads back as org %q, id %q", org, kind, id, wid, gotOrg, gotID)
	}
	return wid
}

func checkAccessID(t *testing.T, org, person string) string {
	t.Helper()
	wid := contract.AccessWorkflowID(org, person)
	if _, gotOrg, gotPerson := splitID(t, wid); gotOrg != org || gotPerson != person {
		t.Fatalf("AccessWorkflowID(%q, %q) = %q reads back as org %q, person %q", org, person, wid, gotOrg, gotPerson)
	}
	return wid
}

func TestWorkflowIDsOfDifferentOrgsDiffer(t *testing.T) {
	for _, tc := range []struct{ org1, id1, org2, id2 string }{
		{"a:b", "c", "a", "b:c"},
		{"a%3Ab", "c", "a:b", "c"},
		{"a%", "b", "a%25", "b"},
		{"a", "%3A:b", "a:", "b"},
	} {
		for _, kind := range access.LifecycleKinds {
			if x, y := checkLifecycleID(t, tc.org1, kind, tc.id1), checkLifecycleID(t, tc.org2, kind, tc.id2); x == y {
				t.Errorf("%s: org %q id %q and org %q id %q share the id %q", kind, tc.org1, tc.id1, tc.org2, tc.id2, x)
			}
		}
		p1, p2 := "member:"+tc.id1, "member:"+tc.id2
		if x, y := checkAccessID(t, tc.org1, p1), checkAccessID(t, tc.org2, p2); x == y {
			t.Errorf("access: org %q %q and org %q %q share the id %q", tc.org1, p1, tc.org2, p2, x)
		}
	}
}

// Ids of the common form (no ":" or "%") read as they always did, so
// running workflows keep their ids.
func TestPlainWorkflowIDsAreUnchanged(t *testing.T) {
	for got, want := range map[string]string{
		contract.LifecycleWorkflowID("acme", access.KindMembership, "ms1"): "membership:acme:ms1",
		contract.LifecycleWorkflowID("acme", access.KindDayPass, "dp.1"):   "day-pass:acme:dp.1",
		contract.LifecycleWorkflowID("acme", access.KindBooking, "b:1"):    "booking:acme:b:1",
		contract.AccessWorkflowID("acme-2_x", "member:m:1"):                "access:acme-2_x:member:m:1",
	} {
		if got != want {
			t.Errorf("id = %q, want %q", got, want)
		}
	}
}

// Random ids over an alphabet rich in separators and escapes always read
// back as what built them, and distinct inputs never share an id.
func TestWorkflowIDsReadBack(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		const alphabet = "ab:%3A5.-_"
		b := make([]byte, 1+rng.IntN(6))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	seen := map[string][2]string{}
	for range 20000 {
		org, id := word(), word()
		wid := checkLifecycleID(t, org, access.KindBooking, id)
		if prev, ok := seen[wid]; ok && prev != [2]string{org, id} {
			t.Fatalf("org %q id %q and org %q id %q share the id %q", prev[0], prev[1], org, id, wid)
		}
		seen[wid] = [2]string{org, id}
		checkAccessID(t, org, "member:"+id)
	}
}

func FuzzWorkflowIDsReadBack(f *testing.F) {
	f.Add("a:b", "c")
	f.Add("a%3A", "%:")
	f.Fuzz(func(t *testing.T, org, id string) {
		checkLifecycleID(t, org, access.KindMembership, id)
		checkAccessID(t, org, "guest:"+id)
	})
}
