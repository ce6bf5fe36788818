package saltoks_test

import "testing"

func TestMeIdentifiesTheAccount(t *testing.T) {
	e := newEnv(t, nil)
	me, err := e.client.Me(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if me.ID == "" || me.Email != "integration@example.com" {
		t.Errorf("Me = %+v", me)
	}
}
