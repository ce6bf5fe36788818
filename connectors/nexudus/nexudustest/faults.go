package nexudustest

import (
	"net/http"
	"time"
)

// fault is an injected answer for the next calls to a route.
type fault struct {
	key        string // a Calls key; "" matches every route
	left       int
	status     int
	retryAfter time.Duration
}

// FailNext makes the next n calls to key ("" for any route) answer status
// (a 5xx, say) instead of their result.
func (s *Server) FailNext(key string, n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{key: key, left: n, status: status})
}

// ThrottleNext makes the next n calls to key ("" for any) answer the
// throttle: 409 with Retry-After.
func (s *Server) ThrottleNext(key string, n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{key: key, left: n, status: http.StatusConflict, retryAfter: retryAfter})
}

// takeFault consumes one matching fault. Call with s.mu held.
func (s *Server) takeFault(key string) (fault, bool) {
	for i := range s.faults {
		f := &s.faults[i]
		if f.left > 0 && (f.key == "" || f.key == key) {
			f.left--
			return *f, true
		}
	}
	return fault{}, false
}

// throttleState counts calls in the current windows.
type throttleState struct {
	lastCall    time.Time
	minuteStart time.Time
	minuteCalls int
	hourStart   time.Time
	hourCalls   int
}

// throttled reports whether a call now exceeds a budget and how long to
// wait. A refused call does not count against the windows. Call with s.mu
// held.
func (s *Server) throttled(now time.Time) (time.Duration, bool) {
	l, t := s.limits, &s.throttle
	if l.MinInterval > 0 && !t.lastCall.IsZero() && now.Sub(t.lastCall) < l.MinInterval {
		return l.MinInterval - now.Sub(t.lastCall), true
	}
	if wait, ok := window(now, l.Minute, l.PerMinute, &t.minuteStart, &t.minuteCalls); ok {
		return wait, true
	}
	if wait, ok := window(now, l.Hour, l.PerHour, &t.hourStart, &t.hourCalls); ok {
		return wait, true
	}
	t.lastCall = now
	if l.PerMinute > 0 {
		t.minuteCalls++
	}
	if l.PerHour > 0 {
		t.hourCalls++
	}
	return 0, false
}

// window checks a fixed window of length d allowing limit calls.
func window(now time.Time, d time.Duration, limit int, start *time.Time, calls *int) (time.Duration, bool) {
	if limit <= 0 || d <= 0 {
		return 0, false
	}
	if start.IsZero() || now.Sub(*start) >= d {
		*start, *calls = now, 0
	}
	if *calls >= limit {
		return start.Add(d).Sub(now), true
	}
	return 0, false
}

// FaultsLeft is how many injected answers (FailNext, ThrottleNext) are yet
// to be served: a test sees that its faults were met.
func (s *Server) FaultsLeft() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.left
	}
	return n
}
