package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// fault is one fault in the stack, injected at a share of the run.
type fault struct {
	at   float64
	name string
	do   func(context.Context) error
}

// faultRecord is a fault injected: from its start until the stack was
// whole again.
type faultRecord struct {
	name       string
	start, end time.Time
	err        error
}

// faultLog are the faults injected so far.
type faultLog struct {
	mu      sync.Mutex
	records []faultRecord
}

func (l *faultLog) add(r faultRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r)
}

func (l *faultLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.records)
}

func (l *faultLog) all() []faultRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]faultRecord(nil), l.records...)
}

// lastEnd is when the last fault was over.
func (l *faultLog) lastEnd() time.Time {
	var last time.Time
	for _, r := range l.all() {
		if r.end.After(last) {
			last = r.end
		}
	}
	return last
}

// during says whether t falls within a fault named name (or within grace
// after it).
func (l *faultLog) during(name string, t time.Time, grace time.Duration) bool {
	for _, r := range l.all() {
		if r.name == name && !t.Before(r.start) && !t.After(r.end.Add(grace)) {
			return true
		}
	}
	return false
}

const pgRestart = "restart Postgres"

// schedule is the stack's faults: each worker killed WorkerKills times,
// the API once, Temporal once (restarted on its file), Postgres once.
func (s *soak) schedule() []fault {
	st := s.st
	kill := func(p *proc, down time.Duration) func(context.Context) error {
		return func(ctx context.Context) error {
			p.kill9()
			sleepUntil(ctx, time.Now().Add(down))
			return p.start()
		}
	}
	faults := []fault{
		{0.2, "kill -9 worker-1", kill(st.workers[0], 2*time.Second)},
		{0.3, "kill -9 worker-2", kill(st.workers[1], 2*time.Second)},
		{0.4, "kill -9 api", func(ctx context.Context) error {
			if err := kill(st.api, 2*time.Second)(ctx); err != nil {
				return err
			}
			return waitFor(ctx, time.Minute, func() bool { return httpStatus(st.apiURL+"/readyz") == 200 })
		}},
		{0.5, "kill -9 Temporal", func(ctx context.Context) error {
			st.temporal.Kill()
			sleepUntil(ctx, time.Now().Add(3*time.Second))
			return st.restartTemporal(ctx)
		}},
	}
	if s.cfg.RestartPostgres {
		faults = append(faults, fault{0.6, pgRestart, restartPostgres})
	}
	for k := 1; k < s.cfg.WorkerKills; k++ {
		faults = append(faults, fault{0.6 + 0.05*float64(k), "kill -9 worker-1", kill(st.workers[0], 2*time.Second)},
			fault{0.62 + 0.05*float64(k), "kill -9 worker-2", kill(st.workers[1], 2*time.Second)})
	}
	return faults
}

// injectFaults runs the schedule, one fault at a time.
func (s *soak) injectFaults(ctx context.Context) {
	faults := s.schedule()
	for _, f := range faults {
		sleepUntil(ctx, s.t0.Add(time.Duration(f.at*float64(s.cfg.Duration))))
		if ctx.Err() != nil {
			return
		}
		r := faultRecord{name: f.name, start: time.Now()}
		r.err = f.do(ctx)
		r.end = time.Now()
		s.faults.add(r)
		if r.err != nil {
			s.logf("fault %s: %v", f.name, r.err)
		} else {
			s.logf("fault: %s (whole again after %v)", f.name, r.end.Sub(r.start).Round(time.Millisecond))
		}
	}
}

func (r faultRecord) String() string {
	return fmt.Sprintf("%s at %s", r.name, r.start.Format("15:04:05"))
}
