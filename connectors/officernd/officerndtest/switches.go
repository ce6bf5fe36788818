package officerndtest

import (
	"net/http"
	"time"
)

// The switches: behaviours the public record leaves open (ASSUMED) or a
// test needs to provoke. Each applies from the next request.

// SetTokenLimit sets the token endpoint's limiter: n requests (successful
// or failed) per window; the record documents 5 a minute. n <= 0 turns it
// off.
func (s *Server) SetTokenLimit(n int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.tokenLimit, s.cfg.tokenWindow, s.tokenHits = n, window, nil
}

// SetTokenRetryAfter makes the token endpoint's 429 carry Retry-After (the
// record does not say it does: off by default).
func (s *Server) SetTokenRetryAfter(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.tokenRetryAfter = on
}

// SetListRateLimit limits API requests to n per window, answering 429 with
// Retry-After beyond it. ASSUMED: v2's numbers and headers are not public;
// third-party clients expect 429 + Retry-After. n <= 0 turns it off (the
// default).
func (s *Server) SetListRateLimit(n int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.listLimit, s.cfg.listWindow, s.listHits = n, window, nil
}

// FailNext answers the next n API requests (not token requests) with
// status (a 5xx, say).
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLeft, s.cfg.failStatus = n, status
	if status == 0 {
		s.cfg.failStatus = http.StatusServiceUnavailable
	}
}

// SetMembershipsRefuseModifiedAt sets whether /memberships answers 400 to
// createdAt/modifiedAt filters and $sort, as observed on staging (on by
// default).
func (s *Server) SetMembershipsRefuseModifiedAt(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.membershipsRefuseModified = on
}

// SetUndocumentedIn sets whether [$in] works on filters the record documents
// only as plain values (assignments' membership, memberships' member...).
// ASSUMED; on by default. _id[$in] and status[$in] are documented and
// always work.
func (s *Server) SetUndocumentedIn(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.undocumentedIn = on
}

// SetAssignmentTimes sets whether assignments carry createdAt and modifiedAt.
// The record lists only _id, resource, membership, startDate and endDate:
// off by default. Applies to assignments added afterwards.
func (s *Server) SetAssignmentTimes(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.assignmentTimes = on
}

// SetWebhooks sets where changes to the seed are delivered, and whether
// they are.
func (s *Server) SetWebhooks(url string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.webhookURL, s.cfg.webhooksOn = url, on
}

// ExpireTokens makes every issued access token invalid (401 from then on).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]time.Time{}
}

// limited reports whether a request at now exceeds a limit of n per window,
// recording it when it does not; wait is how long until it would pass.
// Every request counts toward the token limiter ("successful or failed");
// refused ones do not extend the window.
func limited(hits *[]time.Time, n int, window time.Duration, now time.Time) (bool, time.Duration) {
	if n <= 0 {
		return false, 0
	}
	kept := (*hits)[:0]
	for _, h := range *hits {
		if now.Sub(h) < window {
			kept = append(kept, h)
		}
	}
	*hits = kept
	if len(kept) >= n {
		return true, window - now.Sub(kept[0])
	}
	*hits = append(*hits, now)
	return false, 0
}

// Throttled is how many API requests the list rate limit answered 429.
func (s *Server) Throttled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.throttled
}
