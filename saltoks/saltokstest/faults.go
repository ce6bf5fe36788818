package saltokstest

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fault makes matching requests slow, failing, or both. Faults are checked
// in the order added; the first that matches (and wins its Probability
// roll) applies.
type Fault struct {
	// Method matches the HTTP method; empty matches any.
	Method string
	// RoutePattern matches the route: empty matches any route; otherwise it
	// is compared with the route template as Requests() reports it
	// ("/v1.2/sites/{site_id}/users"), with the version-free template
	// ("/{version}/sites/{site_id}/users"), or as a path.Match glob with the
	// request path ("/v1.2/sites/*/users"). A pattern ending in "/**"
	// matches every route under its prefix ("/{version}/**": every Connect
	// API route, and no identity route). Identity routes match too
	// ("/connect/token"); /__fake/ routes never do.
	RoutePattern string
	// Status is the HTTP status to answer; 0 only adds Latency.
	Status int
	// ErrorCode and Message fill the {"ErrorCode","Message"} body.
	ErrorCode string
	Message   string
	// RetryAfter, when positive, is sent as Retry-After (whole seconds,
	// rounded up).
	RetryAfter time.Duration
	// Latency delays the answer (real time, cut short if the client goes).
	Latency time.Duration
	// LatencyMax, when more than Latency, draws each delay uniformly from
	// [Latency, LatencyMax].
	LatencyMax time.Duration
	// Probability in (0,1) applies the fault to that share of matching
	// requests; 0 or 1 applies it to all.
	Probability float64
	// Times, when positive, removes the fault after it has applied that
	// many times; 0 keeps it until ClearFaults.
	Times int
}

// faultJSON is a Fault over HTTP: durations in seconds and milliseconds.
type faultJSON struct {
	Method            string  `json:"method,omitempty"`
	Route             string  `json:"route,omitempty"`
	Status            int     `json:"status,omitempty"`
	ErrorCode         string  `json:"error_code,omitempty"`
	Message           string  `json:"message,omitempty"`
	RetryAfterSeconds float64 `json:"retry_after_seconds,omitempty"`
	LatencyMS         float64 `json:"latency_ms,omitempty"`
	LatencyMaxMS      float64 `json:"latency_max_ms,omitempty"`
	Probability       float64 `json:"probability,omitempty"`
	Times             int     `json:"times,omitempty"`
}

// MarshalJSON writes the HTTP form: {"method","route","status","error_code",
// "message","retry_after_seconds","latency_ms","latency_max_ms","probability","times"}.
func (f Fault) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultJSON{
		Method: f.Method, Route: f.RoutePattern, Status: f.Status, ErrorCode: f.ErrorCode, Message: f.Message,
		RetryAfterSeconds: f.RetryAfter.Seconds(), LatencyMS: float64(f.Latency) / float64(time.Millisecond),
		LatencyMaxMS: float64(f.LatencyMax) / float64(time.Millisecond), Probability: f.Probability, Times: f.Times,
	})
}

// UnmarshalJSON reads the HTTP form (see MarshalJSON).
func (f *Fault) UnmarshalJSON(b []byte) error {
	var j faultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Fault{
		Method: j.Method, RoutePattern: j.Route, Status: j.Status, ErrorCode: j.ErrorCode, Message: j.Message,
		RetryAfter:  time.Duration(j.RetryAfterSeconds * float64(time.Second)),
		Latency:     time.Duration(j.LatencyMS * float64(time.Millisecond)),
		LatencyMax:  time.Duration(j.LatencyMaxMS * float64(time.Millisecond)),
		Probability: j.Probability, Times: j.Times,
	}
	return nil
}

func (f Fault) validate() error {
	switch {
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return fmt.Errorf("fault status %d: want 0 or 400-599", f.Status)
	case f.Status == 0 && f.Latency <= 0 && f.LatencyMax <= 0:
		return fmt.Errorf("fault has neither a status nor a latency")
	case f.Probability < 0 || f.Probability > 1:
		return fmt.Errorf("fault probability %v: want 0..1", f.Probability)
	case f.Times < 0 || f.RetryAfter < 0 || f.Latency < 0 || f.LatencyMax < 0:
		return fmt.Errorf("fault times, retry_after and latency must not be negative")
	}
	return nil
}

// AddFault installs a fault.
func (s *Server) AddFault(f Fault) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
	return nil
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Faults returns the installed faults (Times shows what is left).
func (s *Server) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, len(s.faults))
	for i, f := range s.faults {
		out[i] = *f
	}
	return out
}

// countAndMatch counts the request under its route and picks the fault to
// apply, if any.
func (s *Server) countAndMatch(r *http.Request, route string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[route]++
	for i, f := range s.faults {
		if !f.matches(r, route) {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && rand.Float64() >= f.Probability {
			continue
		}
		hit := *f
		if f.Times > 0 {
			if f.Times--; f.Times == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		return &hit
	}
	return nil
}

func (f *Fault) matches(r *http.Request, route string) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
		return false
	}
	if f.RoutePattern == "" {
		return true
	}
	_, template, _ := strings.Cut(route, " ")
	if prefix, ok := strings.CutSuffix(f.RoutePattern, "/**"); ok {
		return strings.HasPrefix(r.URL.Path, prefix+"/") || strings.HasPrefix(versionFree(template), prefix+"/")
	}
	if f.RoutePattern == template || f.RoutePattern == versionFree(template) {
		return true
	}
	if ok, _ := path.Match(f.RoutePattern, r.URL.Path); ok {
		return true
	}
	ok, _ := path.Match(f.RoutePattern, template)
	return ok
}

// versionFree turns "/v1.2/sites/…" into "/{version}/sites/…".
func versionFree(template string) string {
	for _, v := range []string{"/v1.1/", "/v1.2/", "/v2/"} {
		if rest, ok := strings.CutPrefix(template, v); ok {
			return "/{version}/" + rest
		}
	}
	return template
}

// interrupt waits out the latency and, for a failing fault, answers; it
// reports whether the request is finished.
func (f *Fault) interrupt(w http.ResponseWriter, r *http.Request) bool {
	if d := f.delay(); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return true
		case <-t.C:
		}
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
	}
	if f.Status == http.StatusUnauthorized {
		unauthorized(r).write(w)
		return true
	}
	msg := f.Message
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	jsonResponse(f.Status, errorBody{ErrorCode: f.ErrorCode, Message: msg}).write(w)
	return true
}

// delay is the latency to wait out: Latency, or a uniform draw up to
// LatencyMax.
func (f *Fault) delay() time.Duration {
	if f.LatencyMax <= f.Latency {
		return f.Latency
	}
	return f.Latency + rand.N(f.LatencyMax-f.Latency+1)
}
