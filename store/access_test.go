package store_test

import (
	"testing"
)

func TestPersonProblemSetAndCleared(t *testing.T) {
	ctx, st := newAcme(t)
	check := func(want string) {
		t.Helper()
		got, err := st.PersonProblem(ctx, "acme", "member:m1")
		if err != nil || got != want {
			t.Fatalf("problem = %q, %v; want %q", got, err, want)
		}
	}
	steps := []string{"", "no seats", "no seats", "card unknown", "", ""}
	for _, p := range steps {
		if err := st.SetPersonProblem(ctx, "acme", "member:m1", p); err != nil {
			t.Fatal(err)
		}
		check(p)
	}
}
