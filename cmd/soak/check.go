package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"
)

// report is the soak's outcome: the table and what failed.
type report struct {
	rows     [][2]string
	failures []string
}

func (r *report) row(name string, format string, args ...any) {
	r.rows = append(r.rows, [2]string{name, fmt.Sprintf(format, args...)})
}

func (r *report) fail(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *report) print(w io.Writer) {
	fmt.Fprintln(w, "\n── soak ─────────────────────────────────────────────")
	for _, row := range r.rows {
		fmt.Fprintf(w, "  %-34s %s\n", row[0], row[1])
	}
	if len(r.failures) == 0 {
		fmt.Fprintln(w, "  PASS")
		return
	}
	fmt.Fprintf(w, "  FAIL (%d):\n", len(r.failures))
	for _, f := range r.failures {
		fmt.Fprintf(w, "    - %s\n", f)
	}
}

// lateGrantGrace is how long after a window closed a grant decided while
// it was open may still land (a Salto KS call in flight, retried).
const lateGrantGrace = 10 * time.Second

// check runs every end-of-run check.
func (s *soak) check(ctx context.Context) *report {
	r := &report{}
	end := time.Now()
	r.row("members / people", "%d / %d", s.cfg.Members, len(s.load.people))
	r.row("events sent (accepted)", "%d (%d attempts)", s.snd.sent.Load(), s.snd.attempts.Load())
	r.row("events sent twice", "%d", s.load.dups)
	r.row("initial load accepted after", "%v", s.loaded.Sub(s.t0).Round(time.Millisecond))
	s.checkFinalState(r, end)
	s.checkDuplicates(r)
	s.checkRevocations(r, end)
	s.checkGrants(r)
	s.longestMissing(r)
	s.checkConvergence(r)
	s.checkAPI(r)
	s.checkAudit(ctx, r)
	r.row("Salto KS calls", "%d", saltoCalls(s.st.fake))
	var names []string
	for _, f := range s.faults.all() {
		names = append(names, f.name)
		if f.err != nil {
			r.fail("fault %s: %v", f.name, f.err)
		}
	}
	r.row("faults injected", "%d: %s", len(names), strings.Join(names, ", "))
	return r
}

func (s *soak) checkFinalState(r *report, end time.Time) {
	missing, extra := s.diff(end)
	r.row("final state: missing / extra", "%d / %d", len(missing), len(extra))
	for _, k := range first(missing, 10) {
		r.fail("missing at the end: %s in %s", k.email, groupNames[k.group])
	}
	for _, k := range first(extra, 10) {
		r.fail("extra at the end: %s in %s", k.email, groupNames[k.group])
	}
}

func (s *soak) checkDuplicates(r *report) {
	dups := 0
	for e, n := range s.w.dupUsers {
		if n > 1 {
			dups++
			r.fail("%d Salto KS users for %s", n, e)
		}
	}
	r.row("duplicate Salto KS users", "%d", dups)
}

// checkRevocations measures, for every instant a person's required
// presence in a group ended, how late they were seen leaving it.
func (s *soak) checkRevocations(r *report, end time.Time) {
	var late []time.Duration
	lost := 0
	type slow struct {
		d    time.Duration
		what string
	}
	var slowest slow
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	for _, k := range s.o.keys() {
		for _, due := range s.o.revocations(k, end) {
			left, ok := s.w.leftAfter(k, due)
			if !ok {
				lost++
				r.fail("revocation lost: %s still in %s, due %s (seen %s; windows %s)", k.email, groupNames[k.group],
					due.Format(time.TimeOnly), s.w.timeline(k), s.o.describe(k))
				continue
			}
			late = append(late, left.Sub(due))
			if d := left.Sub(due); d > slowest.d {
				slowest = slow{d, fmt.Sprintf("%s in %s, due %s (seen %s; windows %s)", k.email, groupNames[k.group],
					due.Format("15:04:05"), s.w.timeline(k), s.o.describe(k))}
			}
		}
	}
	slices.Sort(late)
	r.row("revocations (lost)", "%d (%d)", len(late)+lost, lost)
	r.row("revocation lateness p50/p99/max", "%v / %v / %v", pct(late, 0.5), pct(late, 0.99), pct(late, 1))
	if slowest.what != "" {
		r.row("slowest revocation", "%s", slowest.what)
	}
}

// checkGrants finds anyone seen entering a group when no window allowed it.
func (s *soak) checkGrants(r *report) {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	bad := 0
	for _, k := range s.w.keys() {
		for _, tr := range s.w.history[k] {
			if !tr.in || s.o.may(k, tr.at, lateGrantGrace) {
				continue
			}
			bad++
			if opens := s.o.opens(k); !opens.IsZero() && tr.at.Before(opens) {
				r.fail("granted early: %s in %s at %s, window opens %s", k.email, groupNames[k.group], tr.at.Format(time.TimeOnly), opens.Format(time.TimeOnly))
			} else {
				r.fail("granted outside any window: %s in %s at %s (seen %s; windows %s)", k.email, groupNames[k.group],
					tr.at.Format(time.TimeOnly), s.w.timeline(k), s.o.describe(k))
			}
		}
	}
	r.row("grants outside their window", "%d", bad)
}

// longestMissing reports the longest stretch, after the initial load was
// in, during which someone who must have been in a group was not (a grant
// the faults delayed); it is reported, not checked.
func (s *soak) longestMissing(r *report) {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	var worst time.Duration
	var who key
	var from time.Time
	for _, k := range s.o.keys() {
		var start time.Time
		for _, t := range s.w.polls {
			if t.Before(s.loaded) {
				continue
			}
			missing := s.o.must(k, t) && !s.w.inAt(k, t)
			switch {
			case missing && start.IsZero():
				start = t
			case !missing && !start.IsZero():
				if d := t.Sub(start); d > worst {
					worst, who, from = d, k, start
				}
				start = time.Time{}
			}
		}
	}
	if worst == 0 {
		r.row("longest missing after the load", "none")
		return
	}
	r.row("longest missing after the load", "%v: %s in %s from %s (seen %s; windows %s)", worst.Round(10*time.Millisecond),
		who.email, groupNames[who.group], from.Format("15:04:05.0"), s.w.timeline(who), s.o.describe(who))
}

// checkConvergence finds the first poll after the last fault at which the
// state matched the oracle, leaving aside windows that moved in the 10 s
// before it.
func (s *soak) checkConvergence(r *report) {
	last := s.faults.lastEnd()
	if last.IsZero() {
		r.row("convergence after the last fault", "no fault")
		return
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	keys := s.o.keys()
	for _, k := range s.w.keys() {
		if len(s.o.grants[k]) == 0 {
			keys = append(keys, k)
		}
	}
	for _, t := range s.w.polls {
		if t.Before(last) {
			continue
		}
		if s.matches(keys, t) {
			r.row("convergence after the last fault", "%v", t.Sub(last).Round(10*time.Millisecond))
			return
		}
	}
	r.row("convergence after the last fault", "never")
	r.fail("the state never matched the oracle after the last fault")
}

func (s *soak) matches(keys []key, t time.Time) bool {
	for _, k := range keys {
		if s.w.inAt(k, t) != s.o.must(k, t) && s.o.lastChange(k, t).Before(t.Add(-10*time.Second)) {
			return false
		}
	}
	return true
}

// checkAPI fails on any 5xx the API answered, but for those while
// PostgreSQL restarted (reported apart), and on events it refused.
func (s *soak) checkAPI(r *report) {
	s.snd.mu.Lock()
	defer s.snd.mu.Unlock()
	duringPG := 0
	for _, a := range s.snd.errors5xx {
		if s.faults.during(pgRestart, a.at, 5*time.Second) {
			duringPG++
			continue
		}
		r.fail("API answered %d at %s: %s", a.status, a.at.Format(time.TimeOnly), a.what)
	}
	r.row("API 5xx (while Postgres restarted)", "%d (%d)", len(s.snd.errors5xx), duringPG)
	for _, e := range first(s.snd.rejected, 10) {
		r.fail("event refused: %s", e)
	}
	r.row("events refused", "%d", len(s.snd.rejected))
}

// checkAudit checks every person's audit log has an ok add (remove) for
// every time they were seen entering (leaving) a group.
func (s *soak) checkAudit(ctx context.Context, r *report) {
	entries, err := s.audit(ctx)
	if err != nil {
		r.fail("read the audit log: %v", err)
		return
	}
	type pk struct{ person, group, action string }
	logged := map[pk]int{}
	trail := map[[2]string][]string{} // person, group → its entries, oldest first
	for _, e := range entries {
		if e["result"] == "ok" {
			logged[pk{str(e["person"]), str(e["group_id"]), str(e["action"])}]++
		}
		pg := [2]string{str(e["person"]), str(e["group_id"])}
		trail[pg] = append([]string{fmt.Sprintf("%s/%s/%s@%s", e["action"], e["trigger"], e["result"], clock(str(e["at"])))}, trail[pg]...)
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	short := 0
	for _, k := range s.w.keys() {
		p := s.load.people[k.email]
		seen := map[string]int{}
		for _, tr := range s.w.history[k] {
			seen[map[bool]string{true: "add", false: "remove"}[tr.in]]++
		}
		for action, n := range seen {
			if got := logged[pk{p.key, k.group, action}]; got < n {
				short++
				r.fail("audit: %s seen %d× %s in %s, logged %d× (seen %s; windows %s; audit %s)", p.key, n, action, groupNames[k.group], got,
					s.w.timeline(k), s.o.describe(k), strings.Join(trail[[2]string{p.key, k.group}], " "))
			}
		}
	}
	r.row("audit entries (changes unlogged)", "%d (%d)", len(entries), short)
}

// audit reads the org's whole audit log.
func (s *soak) audit(ctx context.Context) ([]map[string]any, error) {
	var all []map[string]any
	cursor := ""
	for {
		path := "/v1/orgs/" + org + "/audit?limit=1000"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		out, err := call(ctx, s.st.apiURL, s.st.admin, "GET", path, nil)
		if err != nil {
			return nil, err
		}
		data, _ := out["data"].([]any)
		for _, d := range data {
			if m, ok := d.(map[string]any); ok {
				all = append(all, m)
			}
		}
		cursor = str(out["next_cursor"])
		if cursor == "" || len(data) == 0 {
			return all, nil
		}
	}
}

// clock is an RFC 3339 instant's time of day.
func clock(rfc string) string {
	t, err := time.Parse(time.RFC3339Nano, rfc)
	if err != nil {
		return rfc
	}
	return t.Local().Format("15:04:05.0")
}

func str(v any) string { s, _ := v.(string); return s }

func first[T any](xs []T, n int) []T { return xs[:min(len(xs), n)] }

// pct is the q-quantile of sorted durations, rounded.
func pct(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted)-1) + 0.5)
	return sorted[i].Round(10 * time.Millisecond)
}
