package saltoks_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"doorsync/saltoks"
)

// A request's last check runs once it has waited its turn at the rate
// limit: a reason that lapsed during the wait sends nothing, and the
// caller gets the check's error (not retried); a check that passes lets
// the request go.
func TestBeforeSendChecksAfterTheRateLimitWait(t *testing.T) {
	e := newEnv(t, func(c *saltoks.Config) { c.RequestsPerSecond, c.Burst, c.MaxRetries = 2, 1, 3 })
	errLapsed := errors.New("the access ended")
	if err := e.client.AddGroupMember(ctx(t), london, londonMeeting, adaUserID); err != nil { // takes the one token
		t.Fatal(err)
	}
	e.fake.ResetRequests()
	var checks atomic.Int32
	lapsed := time.Now().Add(200 * time.Millisecond) // the next token is about 500 ms away
	check := func(context.Context) error {
		checks.Add(1)
		if time.Now().After(lapsed) {
			return errLapsed
		}
		return nil
	}
	err := e.client.AddGroupMember(saltoks.WithBeforeSend(ctx(t), check), london, londonMembers, adaUserID)
	if !errors.Is(err, errLapsed) {
		t.Fatalf("add whose reason lapsed while it waited = %v, want %v", err, errLapsed)
	}
	if n := apiCalls(e); n != 0 || checks.Load() != 1 {
		t.Fatalf("the fake saw %d calls after %d checks, want none after one", n, checks.Load())
	}
	pass := func(context.Context) error { checks.Add(1); return nil }
	if err := e.client.AddGroupMember(saltoks.WithBeforeSend(ctx(t), pass), london, londonMembers, adaUserID); err != nil {
		t.Fatal(err)
	}
	if n := apiCalls(e); n != 1 || checks.Load() != 2 {
		t.Fatalf("the fake saw %d calls after %d checks, want one after two", n, checks.Load())
	}
}
