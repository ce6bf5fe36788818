package e2e_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
)

// TestSecretsNeverReachWorkflowHistory runs real work (a membership, a
// booking with a guest, a reconciliation) and then reads every workflow
// history of the org: neither the Salto KS client secret, nor the system
// user's password, nor any token doorsync holds may appear in it.
func TestSecretsNeverReachWorkflowHistory(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.activeMembers(2)
	s.put("/resources/room1", map[string]any{"kind": "bookable", "name": "Room 1", "location_id": "lon"})
	s.mapGroups("resources", "room1", gRoom)
	s.put("/bookings/b1", map[string]any{"resource_id": "room1", "member_id": "m1", "starts_at": rfc(time.Now()),
		"ends_at": rfc(time.Now().Add(time.Hour)), "guests": []map[string]any{{"email": "guest@example.com"}}})
	s.waitIn(gRoom, "guest@example.com")
	s.reconcile()

	secretsToFind := append([]string{clientSecret, saltoPassword}, s.storedTokens()...)
	histories := 0
	resp, err := s.temporal.ListWorkflow(s.ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "OrgId = '" + s.org + "'", PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range resp.GetExecutions() {
		it := s.temporal.GetWorkflowHistory(s.ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId(), false,
			enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		var b strings.Builder
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(ev)
			b.Write(raw)
		}
		histories++
		for _, secret := range secretsToFind {
			if strings.Contains(b.String(), secret) {
				t.Errorf("workflow %s carries a secret in its history", e.GetExecution().GetWorkflowId())
			}
		}
	}
	if histories < 4 {
		t.Fatalf("read only %d histories; the test is not seeing the workflows", histories)
	}
}

// storedTokens opens the org's stored Salto KS token: the access and
// refresh tokens that must never show anywhere else.
func (s *stack) storedTokens() []string {
	s.t.Helper()
	conn, err := s.st.GetSaltoConnection(s.ctx, s.org)
	if err != nil {
		s.t.Fatal(err)
	}
	plain, err := s.secrets.Open(conn.TokenEnc, "org:"+s.org+"/salto/token")
	if err != nil {
		s.t.Fatal(err)
	}
	var tok struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	json.Unmarshal(plain, &tok)
	if tok.Access == "" {
		s.t.Fatal("no stored access token")
	}
	out := []string{tok.Access}
	if tok.Refresh != "" {
		out = append(out, tok.Refresh)
	}
	return out
}
