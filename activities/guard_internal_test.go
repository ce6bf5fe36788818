package activities

import (
	"testing"

	"doorsync/store"
)

// The guard's decision, case by case (guard: more than 20% and at least 3).
func TestJudge(t *testing.T) {
	g := store.RemovalGuard{MaxFraction: 0.2, MinCount: 3}
	tests := []struct {
		name string
		c    guardCase
		want guardVerdict
	}{
		{"nothing to remove", guardCase{Removals: 0, Members: 10}, verdictRemove},
		{"one of ten", guardCase{Removals: 1, Members: 10}, verdictRemove},
		{"two of ten: under the minimum count", guardCase{Removals: 2, Members: 10}, verdictRemove},
		{"three of ten at once", guardCase{Removals: 3, Members: 10}, verdictHold},
		{"three of twenty: not over the fraction", guardCase{Removals: 3, Members: 20}, verdictRemove},
		{"the third of a drip within the window", guardCase{Removals: 1, Recent: 2, Members: 8}, verdictHold},
		{"the second of a drip within the window", guardCase{Removals: 1, Recent: 1, Members: 9}, verdictRemove},
		{"a run's two after two earlier in the window", guardCase{Removals: 2, Recent: 2, Members: 8}, verdictHold},
		{"a drip in a big group", guardCase{Removals: 1, Recent: 4, Members: 100}, verdictRemove},
		{"pending hold: joins it", guardCase{Removals: 1, Pending: true, Members: 100}, verdictHold},
		{"pending hold, nothing to remove", guardCase{Removals: 0, Pending: true, Members: 100}, verdictRemove},
		{"approved", guardCase{Removals: 1, Approved: true, Recent: 9, Members: 10}, verdictRemove},
		{"approved wins over a pending hold", guardCase{Removals: 1, Approved: true, Pending: true, Members: 10}, verdictRemove},
		{"an expired hold keeps it back", guardCase{Removals: 1, Expired: true, Members: 100}, verdictKeepBack},
		{"emptied: one of one", guardCase{Removals: 1, Members: 1, Emptied: true}, verdictHold},
		{"emptied: under the minimum count", guardCase{Removals: 2, Members: 2, Emptied: true}, verdictHold},
		{"emptied, nothing to remove", guardCase{Removals: 0, Emptied: true}, verdictRemove},
		{"a platform dropping one of ten", guardCase{Removals: 1, Members: 10}, verdictRemove},
		{"a platform dropping half of a hundred", guardCase{Removals: 50, Members: 100}, verdictHold},
		{"expired, even under the guard", guardCase{Removals: 1, Expired: true, Pending: true, Recent: 9, Members: 10}, verdictKeepBack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.Guard = g
			if got := judge(tt.c); got != tt.want {
				t.Errorf("judge(%+v) = %v, want %v", tt.c, got, tt.want)
			}
		})
	}
}

// A hold expires after the org's hold_expires_after, 72 h when unset.
func TestHoldExpiresAfter(t *testing.T) {
	if got := (store.RemovalGuard{}).ExpiresAfter(); got != store.DefaultHoldExpiresAfter || got.Hours() != 72 {
		t.Errorf("unset: %v, want 72h", got)
	}
	if got := (store.RemovalGuard{HoldExpiresAfter: 2 * 3600e9}).ExpiresAfter(); got.Hours() != 2 {
		t.Errorf("set to 2h: %v", got)
	}
}
