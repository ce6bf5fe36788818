package store

import (
	"encoding/json"
	"slices"
	"testing"
)

// holderKeys reads the holder fields the declaration gives: a lifecycle
// body's member (withMembers) and team, a member body's team; null and
// absent fields name nothing; a field that is no string is an error.
func TestHolderKeysReadTheDeclaredHolderFields(t *testing.T) {
	bodies := []json.RawMessage{
		json.RawMessage(`{"id":"ms1","plan_id":"p","member_id":"m1","team_id":"t1","resource_id":"r"}`),
		json.RawMessage(`{"id":"m2","team_id":"t2","primary_member_id":"m9"}`),
		json.RawMessage(`{"id":"dp1","member_id":null,"location_id":"l"}`),
		nil,
	}
	keys, err := holderKeys("o", true, bodies)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"o/member/m1", "o/team/t1", "o/team/t2"}; !slices.Equal(keys, want) {
		t.Errorf("holderKeys = %q, want %q", keys, want)
	}
	keys, err = holderKeys("o", false, bodies)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"o/team/t1", "o/team/t2"}; !slices.Equal(keys, want) {
		t.Errorf("holderKeys without members = %q, want %q", keys, want)
	}
	if _, err := holderKeys("o", true, []json.RawMessage{json.RawMessage(`{"team_id":7}`)}); err == nil {
		t.Error("a team_id that is no string was accepted")
	}
}
