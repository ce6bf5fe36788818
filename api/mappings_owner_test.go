package api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// A Salto KS access group is managed by one org: a second org mapping it
// on the same site is refused with 409, in words that name nothing of the
// first org. The first org may map it from several entities, a group of
// the same id on another site is another group, and once the first org
// lets it go the second may take it.
func TestAnotherOrgsGroupCannotBeMapped(t *testing.T) {
	a := newTestAPI(t)
	first := a.createOrg("first-org-7c1d")
	second := a.createOrg("acme")
	a.must(201, "PUT", "/v1/orgs/first-org-7c1d/mappings/plans/p1", first, groups(siteLondon, groupMembers))
	a.must(201, "PUT", "/v1/orgs/first-org-7c1d/mappings/locations/l1", first, groups(siteLondon, groupMembers))

	r := a.must(409, "PUT", "/v1/orgs/acme/mappings/plans/p1", second, groups(siteLondon, "g-own", siteLondon, groupMembers))
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("content type = %q", ct)
	}
	detail, _ := r.JSON(t)["detail"].(string)
	if detail != "access group "+groupMembers+" on Salto KS site "+siteLondon+" is managed by another org" ||
		strings.Contains(string(r.Body), "first-org-7c1d") {
		t.Errorf("detail = %q (body %s)", detail, r.Body)
	}
	if got := a.query(`select count(*) from mappings where org_id = 'acme'`); got[0][0] != "0" {
		t.Errorf("a refused mapping left %s rows", got[0][0])
	}

	a.must(201, "PUT", "/v1/orgs/acme/mappings/plans/p1", second, groups(siteNY, groupMembers))
	a.must(200, "PUT", "/v1/orgs/first-org-7c1d/mappings/plans/p1", first, groups(siteLondon, "g2"))
	a.must(409, "PUT", "/v1/orgs/acme/mappings/plans/p2", second, groups(siteLondon, groupMembers))
	a.must(204, "DELETE", "/v1/orgs/first-org-7c1d/mappings/locations/l1", first, nil)
	a.must(201, "PUT", "/v1/orgs/acme/mappings/plans/p2", second, groups(siteLondon, groupMembers))
	a.must(409, "PUT", "/v1/orgs/first-org-7c1d/mappings/plans/p3", first, groups(siteLondon, groupMembers))
}

// Two orgs mapping the same group at the same moment: exactly one wins,
// however their transactions interleave.
func TestConcurrentMappingsOfOneGroupOneWins(t *testing.T) {
	const rounds = 40
	a := newTestAPI(t)
	keys := map[string]string{"acme": a.createOrg("acme"), "beta": a.createOrg("beta")}
	var wg sync.WaitGroup
	statuses := make([]map[int]int, rounds)
	for i := range rounds {
		statuses[i] = map[int]int{}
		begin := make(chan struct{})
		var mu sync.Mutex
		for org, key := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-begin
				st := a.do("PUT", "/v1/orgs/"+org+"/mappings/plans/p1", key, groups(siteLondon, fmt.Sprintf("g%d", i))).Status
				mu.Lock()
				statuses[i][st]++
				mu.Unlock()
			}()
		}
		close(begin)
		wg.Wait()
	}
	for i, got := range statuses {
		if got[201]+got[200] != 1 || got[409] != 1 {
			t.Errorf("round %d: statuses %v, want one success and one 409", i, got)
		}
	}
	owners := a.query(`select count(distinct org_id) from mappings group by site_id, group_id having count(distinct org_id) > 1`)
	if len(owners) != 0 {
		t.Errorf("%d groups mapped by two orgs", len(owners))
	}
}
