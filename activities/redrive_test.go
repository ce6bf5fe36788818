package activities

import (
	"slices"
	"testing"
	"time"

	"doorsync/access"
)

// Only entities whose access changes later need a lifecycle workflow: an
// open-ended membership already in force, or one that has ended, does not.
func TestScheduledEntities(t *testing.T) {
	now := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	grant := func(kind access.Kind, id string, from, until time.Duration) access.Grant {
		g := access.Grant{Reason: access.Reason{Kind: kind, ID: id}, From: now.Add(from)}
		if until != 0 {
			g.Until = now.Add(until)
		}
		return g
	}
	got := scheduledEntities([]access.Grant{
		grant("membership", "open-ended", -time.Hour, 0),
		grant("membership", "ends-later", -time.Hour, time.Hour),
		grant("membership", "starts-later", time.Hour, 0),
		grant("membership", "ended", -2*time.Hour, -time.Hour),
		grant("booking", "b1", -time.Hour, -time.Minute),
		grant("booking", "b1", -time.Hour, time.Minute), // a second group, still open
	}, now)
	want := []entityRef{{"booking", "b1"}, {"membership", "ends-later"}, {"membership", "starts-later"}}
	if !slices.Equal(got, want) {
		t.Fatalf("scheduled = %v, want %v", got, want)
	}
}
