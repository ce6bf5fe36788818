package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"doorsync/saltoks/saltokstest"
)

const org = "soak"

// soak is one run: the stack, the load, the oracle, the watcher and the
// senders, and what happened.
type soak struct {
	cfg    Config
	out    io.Writer
	st     *stack
	load   *load
	o      *oracle
	w      *watcher
	snd    *sender
	t0     time.Time
	faults faultLog
	loaded time.Time // when every initial event was accepted
	outMu  sync.Mutex
}

// Run runs a soak and reports; the error lists every check that failed.
func Run(ctx context.Context, cfg Config, out io.Writer) error {
	s := &soak{cfg: cfg, out: out}
	if s.cfg.Seed == 0 {
		s.cfg.Seed = uint64(time.Now().UnixNano())
	}
	s.logf("soak: %d members for %v (seed %d), Postgres restart %v", cfg.Members, cfg.Duration, s.cfg.Seed, cfg.RestartPostgres)
	st, err := startStack(ctx, s.cfg, s.logf)
	if err != nil {
		return err
	}
	s.st = st
	keepLogs := true
	defer func() { st.stop(keepLogs && cfg.KeepFailed) }()
	if err := s.runLoad(ctx); err != nil {
		s.logf("logs: %s", st.dir)
		return err
	}
	r := s.check(ctx)
	r.print(out)
	if len(r.failures) > 0 {
		s.logf("logs: %s", st.dir)
		return fmt.Errorf("soak failed: %d checks", len(r.failures))
	}
	keepLogs = false
	return nil
}

func (s *soak) logf(format string, args ...any) {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	fmt.Fprintf(s.out, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// runLoad sets the org up, turns on Salto KS's faults, sends the load and
// injects the stack's faults, then waits for convergence.
func (s *soak) runLoad(ctx context.Context) error {
	s.t0 = time.Now().Add(10 * time.Second)
	s.load = newLoad(s.cfg, s.t0)
	s.o = newOracle(s.load)
	key, err := s.setUpOrg(ctx)
	if err != nil {
		return fmt.Errorf("set up the org: %w", err)
	}
	s.snd = newSender(s.st.apiURL, key, org, s.o)
	for _, ev := range s.load.setup {
		if _, err := call(ctx, s.st.apiURL, s.st.admin, ev.method, "/v1/orgs/"+org+ev.path, ev.body); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
	}
	if err := saltoFaults(s.st.fake); err != nil {
		return err
	}
	s.w = newWatcher(s.st.fake)
	wctx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	go s.w.run(wctx)
	sleepUntil(ctx, s.t0)
	s.logf("load: %d events (%d sent twice) and %d timed ones, %d senders", len(s.load.events), s.load.dups, len(s.load.timed), s.cfg.Senders)

	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); s.sendAll(ctx) }()
	go func() { defer wg.Done(); s.injectFaults(ctx) }()
	pctx, stopProgress := context.WithCancel(ctx)
	go func() { defer wg.Done(); s.progress(pctx) }()
	sleepUntil(ctx, s.t0.Add(s.cfg.Duration))
	s.logf("load done; waiting up to %v for Salto KS to match the oracle", s.cfg.Settle)
	s.awaitConvergence(ctx)
	stopProgress()
	wg.Wait()
	return ctx.Err()
}

// setUpOrg creates the org (zero booking buffers, a one-minute reconcile
// interval, a guard that never holds: the soak's revocations are all
// meant) connected to the fake, and returns a platform key.
func (s *soak) setUpOrg(ctx context.Context) (string, error) {
	admin, base, path := s.st.admin, s.st.apiURL, "/v1/orgs/"+org
	steps := []struct {
		method, path string
		body         any
	}{
		{"PUT", path, map[string]any{"name": "Soak", "time_zone": "UTC", "booking_buffer_before": "0s",
			"booking_buffer_after": "0s", "reconcile_interval": "1m",
			"removal_guard": map[string]any{"max_fraction": 1, "min_count": 1000000}}},
		{"PUT", path + "/salto", map[string]any{"client_id": "doorsync", "client_secret": "soak-secret",
			"username": "sys@example.com", "password": "pw", "identity_url": s.st.fakeURL, "api_url": s.st.fakeURL}},
	}
	for _, st := range steps {
		if _, err := call(ctx, base, admin, st.method, st.path, st.body); err != nil {
			return "", err
		}
	}
	out, err := call(ctx, base, admin, "POST", path+"/api-keys", map[string]any{"name": "soak platform", "role": "platform"})
	if err != nil {
		return "", err
	}
	key, _ := out["key"].(string)
	return key, nil
}

// saltoFaults makes the fake misbehave as the issue says: 20% of writes
// 503, 5% 429 with Retry-After: 1, 50–200 ms latency, tokens that live
// 20 s, and a 2 s consistency window after a user is created.
func saltoFaults(fake *saltokstest.Server) error {
	fake.SetTokenTTL(20 * time.Second)
	fake.SetProvisioningDelay(2 * time.Second)
	latency := saltokstest.Fault{Latency: 50 * time.Millisecond, LatencyMax: 200 * time.Millisecond}
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		unavailable, busy := latency, latency
		unavailable.Method, unavailable.RoutePattern, unavailable.Status, unavailable.Probability = m, "/{version}/**", 503, 0.2
		// Checked after the 503 (which takes 20%): 0.05/0.8 of the rest.
		busy.Method, busy.RoutePattern, busy.Status, busy.RetryAfter, busy.Probability = m, "/{version}/**", 429, time.Second, 0.0625
		if err := fake.AddFault(unavailable); err != nil {
			return err
		}
		if err := fake.AddFault(busy); err != nil {
			return err
		}
	}
	return fake.AddFault(latency)
}

// sendAll sends the initial events from the senders, then each timed event
// at its time (never before every initial event is in: a DELETE must not
// meet a PUT of the same entity sent later).
func (s *soak) sendAll(ctx context.Context) {
	queue := make(chan event)
	var wg sync.WaitGroup
	for range s.cfg.Senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ev := range queue {
				s.snd.deliver(ctx, ev)
			}
		}()
	}
	for _, ev := range s.load.events {
		select {
		case queue <- ev:
		case <-ctx.Done():
		}
	}
	close(queue)
	wg.Wait()
	s.loaded = time.Now()
	s.logf("initial events accepted after %v", s.loaded.Sub(s.t0).Round(time.Millisecond))
	timed := append([]event(nil), s.load.timed...)
	sort.Slice(timed, func(i, j int) bool { return timed[i].at < timed[j].at })
	sem := make(chan struct{}, s.cfg.Senders)
	for _, ev := range timed {
		sleepUntil(ctx, s.t0.Add(ev.at))
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			s.snd.deliver(ctx, ev)
		}()
	}
	wg.Wait()
}

// progress prints a line every 10 s.
func (s *soak) progress(ctx context.Context) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		missing, extra := s.diff(now)
		s.logf("t+%-4v events %d accepted (%d attempts) · Salto KS calls %d · missing %d extra %d · faults %d",
			now.Sub(s.t0).Round(time.Second), s.snd.sent.Load(), s.snd.attempts.Load(), saltoCalls(s.st.fake),
			len(missing), len(extra), s.faults.count())
	}
}

// diff compares the watched state with the oracle at t.
func (s *soak) diff(t time.Time) (missing, extra []key) {
	seen := s.w.snapshot()
	for _, k := range s.o.keys() {
		if s.o.must(k, t) && !seen[k] {
			missing = append(missing, k)
		}
	}
	for k := range seen {
		if !s.o.must(k, t) {
			extra = append(extra, k)
		}
	}
	return missing, extra
}

// awaitConvergence waits until the state matches the oracle, or Settle.
func (s *soak) awaitConvergence(ctx context.Context) {
	deadline := time.Now().Add(s.cfg.Settle)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if m, e := s.diff(time.Now()); len(m) == 0 && len(e) == 0 {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func saltoCalls(fake *saltokstest.Server) int {
	n := 0
	for _, c := range fake.Requests() {
		n += c
	}
	return n
}

func sleepUntil(ctx context.Context, t time.Time) {
	select {
	case <-ctx.Done():
	case <-time.After(time.Until(t)):
	}
}
