package e2e_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"

	"doorsync/contract"
)

// A guest's e-mail never reaches Temporal: a booking with a guest runs its
// lifecycle and the guest's access workflow through opening and closing,
// a reconciliation runs, and no workflow id, search attribute or history
// event (payloads read as the bytes Temporal keeps) of the org holds the
// e-mail. The guest's access workflow is named by the hash of it. Explain
// and the audit log still answer by e-mail.
func TestGuestEmailNeverReachesTemporal(t *testing.T) {
	const email = "Gus.Hidden-4711@Example.com"
	lower := strings.ToLower(email)
	s := newBookingStack(t)
	start := time.Now().Add(3 * time.Second)
	end := start.Add(2 * time.Second)
	s.put("/bookings/b1", map[string]any{"resource_id": "room1", "member_id": "m1", "starts_at": rfc(start), "ends_at": rfc(end),
		"guests": []map[string]any{{"email": email, "first_name": "Gus", "last_name": "Guest"}}})
	s.waitIn(gRoom, email)
	s.waitOut(gRoom, email)
	s.reconcile()

	guestWorkflow := contract.AccessWorkflowID(s.org, s.acts.Guests.WorkflowKey("guest:"+lower))
	resp, err := s.temporal.ListWorkflow(s.ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "OrgId = '" + s.org + "'", PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	histories, sawGuest := 0, false
	for _, e := range resp.GetExecutions() {
		id := e.GetExecution().GetWorkflowId()
		sawGuest = sawGuest || id == guestWorkflow
		listed, _ := proto.Marshal(e) // the id, run and search attributes
		history := s.historyBytes(id, e.GetExecution().GetRunId())
		histories++
		for _, b := range [][]byte{listed, history} {
			if bytes.Contains(bytes.ToLower(b), []byte(lower)) {
				t.Errorf("workflow %s carries the guest's e-mail", id)
			}
		}
	}
	if histories < 4 || !sawGuest {
		t.Fatalf("read %d histories (guest's workflow %s among them: %v); the test is not seeing the workflows",
			histories, guestWorkflow, sawGuest)
	}

	explained := s.call(200, "GET", s.orgPath()+"/guests/"+email+"/access", s.key, nil)
	if explained["person"] == nil {
		t.Errorf("explain of the guest = %v", explained)
	}
	audit := s.call(200, "GET", s.orgPath()+"/audit?person=guest:"+email, s.key, nil)
	if entries, _ := audit["data"].([]any); len(entries) < 2 {
		t.Errorf("audit of the guest by e-mail = %v, want their add and remove", audit)
	}
}

// historyBytes is a workflow run's history as the bytes Temporal keeps:
// payloads (JSON) appear as they are, not base64-encoded.
func (s *stack) historyBytes(workflowID, runID string) []byte {
	s.t.Helper()
	it := s.temporal.GetWorkflowHistory(s.ctx, workflowID, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var b bytes.Buffer
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			s.t.Fatal(err)
		}
		raw, err := proto.Marshal(ev)
		if err != nil {
			s.t.Fatal(err)
		}
		b.Write(raw)
	}
	return b.Bytes()
}

// An access workflow started before guests were hashed (named by the
// guest's e-mail, as an older doorsync started them) keeps running after
// the upgrade, but pokes reach only the guest's current workflow; so the
// old run applies nothing itself and hands its work over to the current
// one, which applies it.
func TestOldStyleGuestWorkflowHandsOver(t *testing.T) {
	const email = "old.style@example.com"
	s := newBookingStack(t)
	s.put("/bookings/b1", map[string]any{"resource_id": "room1", "member_id": "m1", "starts_at": rfc(time.Now()),
		"ends_at": rfc(time.Now().Add(time.Hour)), "guests": []map[string]any{{"email": email}}})
	s.waitIn(gRoom, email)

	oldID := "access:" + s.org + ":guest:" + email
	marker := "handed-over-" + randomToken()
	run, err := s.temporal.ExecuteWorkflow(s.ctx, client.StartWorkflowOptions{ID: oldID, TaskQueue: s.tq}, contract.AccessWorkflow,
		contract.AccessInput{OrgID: s.org, Person: "guest:" + email, LocalFirst: true, Poke: &contract.Poke{Reason: marker}})
	if err != nil {
		t.Fatal(err)
	}
	current := contract.AccessWorkflowID(s.org, s.acts.Guests.WorkflowKey("guest:"+email))
	s.eventually(30*time.Second, "the old run's poke reached "+current, func() bool {
		return bytes.Contains(s.historyBytes(current, ""), []byte(marker))
	})
	if !bytes.Contains(s.historyBytes(oldID, run.GetRunID()), []byte(marker)) {
		t.Fatal("the old run did not take its poke")
	}
	s.del("/bookings/b1")
	s.waitOut(gRoom, email)
	for _, e := range s.call(200, "GET", s.orgPath()+"/audit?person=guest:"+email, s.key, nil)["data"].([]any) {
		if wf := e.(map[string]any)["workflow_id"]; wf != current {
			t.Errorf("audit entry %v made by %v, want %s", e, wf, current)
		}
	}
}
