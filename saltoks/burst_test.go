package saltoks_test

import (
	"context"
	"testing"
	"time"

	"doorsync/saltoks"
)

// apiCalls counts the requests the fake saw, token requests aside.
func apiCalls(e *env) int {
	n := 0
	for k, v := range e.fake.Requests() {
		if k != "POST /connect/token" {
			n += v
		}
	}
	return n
}

// TestBurstThenPacing: a client at 0.1 requests a second with a burst of
// 3 sends 3 calls at once, and its fourth would wait for the next token
// (about 10 s), so it is refused at once under a 2-s deadline without
// reaching the server. No clock is read: the limiter knows the wait.
func TestBurstThenPacing(t *testing.T) {
	e := newEnv(t, func(c *saltoks.Config) { c.RequestsPerSecond, c.Burst = 0.1, 3 })
	e.fake.ResetRequests()
	for i := range 3 {
		if _, err := e.client.GetSite(ctx(t), london); err != nil {
			t.Fatalf("call %d of the burst: %v", i+1, err)
		}
	}
	short, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := e.client.GetSite(short, london); err == nil {
		t.Fatal("a fourth call went through a burst of 3 at 0.1/s")
	}
	if n := apiCalls(e); n != 3 {
		t.Fatalf("the fake saw %d calls, want the burst of 3", n)
	}
}

// TestRevocationsDoNotWaitBehindTheRate: with the bucket empty, a removal
// still goes at once, and the call after it waits for the token the
// removal borrowed (so it is refused under a 2-s deadline).
func TestRevocationsDoNotWaitBehindTheRate(t *testing.T) {
	e := newEnv(t, func(c *saltoks.Config) { c.RequestsPerSecond, c.Burst = 0.1, 1 })
	if err := e.client.AddGroupMember(ctx(t), london, londonMeeting, adaUserID); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := e.client.RemoveGroupMember(short, london, londonMeeting, adaUserID); err != nil {
		t.Fatalf("a removal waited behind the rate: %v", err)
	}
	later, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	if _, err := e.client.GetSite(later, london); err == nil {
		t.Fatal("a read after the removal went through: the removal's token was not counted")
	}
}
