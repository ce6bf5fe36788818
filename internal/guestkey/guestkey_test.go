package guestkey_test

import (
	"strings"
	"testing"

	"doorsync/internal/guestkey"
)

func TestWorkflowKey(t *testing.T) {
	k := guestkey.New([]byte("deployment key one"))
	g := k.WorkflowKey("guest:joe@example.com")
	if !strings.HasPrefix(g, "guest:") || len(g) != len("guest:")+32 || strings.Contains(g, "joe") {
		t.Fatalf("WorkflowKey = %q", g)
	}
	if again := guestkey.New([]byte("deployment key one")).WorkflowKey("guest:joe@example.com"); again != g {
		t.Errorf("not stable: %q then %q", g, again)
	}
	if other := guestkey.New([]byte("deployment key two")).WorkflowKey("guest:joe@example.com"); other == g {
		t.Error("another deployment key gives the same hash")
	}
	if k.WorkflowKey("guest:ann@example.com") == g {
		t.Error("two e-mails share a hash")
	}
	for _, same := range []string{"member:m1", "member:a@b", g} {
		if got := k.WorkflowKey(same); got != same {
			t.Errorf("WorkflowKey(%q) = %q, want it unchanged", same, got)
		}
	}
	if !guestkey.IsHashedGuest(g) || guestkey.IsStoredGuest(g) ||
		guestkey.IsHashedGuest("guest:joe@example.com") || !guestkey.IsStoredGuest("guest:joe@example.com") ||
		guestkey.IsHashedGuest("member:m1") || guestkey.IsStoredGuest("member:a@b") {
		t.Error("IsHashedGuest/IsStoredGuest tell keys apart wrongly")
	}
	if d := guestkey.Derive([]byte("secret")); len(d) != guestkey.KeySize || string(d) == "secret" {
		t.Errorf("Derive = %x", d)
	}
}
