package api_test

import (
	"reflect"
	"testing"
)

func TestReapplyPokesTheMembersAccessWorkflow(t *testing.T) {
	a := newTestAPI(t)
	a.createOrg("acme")
	platform := a.createKey("acme", "the platform", "platform")
	a.must(201, "PUT", "/v1/orgs/acme/members/m1", platform, map[string]any{"email": "joe@example.com"})
	a.clearOutbox()

	got := a.must(202, "POST", "/v1/orgs/acme/members/m1/reapply", platform, nil).JSON(t)
	if got["status"] != "queued" {
		t.Errorf("answer = %v", got)
	}
	if pokes := a.outbox(); !reflect.DeepEqual(pokes, []string{"access member:m1"}) {
		t.Errorf("outbox = %v, want the member's access poke", pokes)
	}
	if rows := a.query(`select payload->>'reason' from outbox`); rows[0][0] != "reapply requested" {
		t.Errorf("the poke's reason = %v", rows)
	}
	// Nothing else changed: the member is as it was.
	a.must(200, "GET", "/v1/orgs/acme/members/m1", platform, nil)

	a.clearOutbox()
	a.must(404, "POST", "/v1/orgs/acme/members/nobody/reapply", platform, nil)
	a.must(400, "POST", "/v1/orgs/acme/members/bad%20id/reapply", platform, nil)
	if pokes := a.outbox(); len(pokes) != 0 {
		t.Errorf("an unknown member queued %v", pokes)
	}
}
