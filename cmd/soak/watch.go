package main

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"doorsync/saltoks/saltokstest"
)

// transition is a person seen entering (in) or leaving a group.
type transition struct {
	at time.Time
	in bool
}

// watcher polls the fake Salto KS's state and keeps each person's
// comings and goings per group.
type watcher struct {
	fake     *saltokstest.Server
	mu       sync.Mutex
	present  map[key]bool
	history  map[key][]transition
	polls    []time.Time
	dupUsers map[string]int // e-mail → most Salto KS users seen at once
}

func newWatcher(fake *saltokstest.Server) *watcher {
	return &watcher{fake: fake, present: map[key]bool{}, history: map[key][]transition{}, dupUsers: map[string]int{}}
}

// run polls every 200 ms until ctx ends.
func (w *watcher) run(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		w.poll()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// poll reads the state once and records what changed.
func (w *watcher) poll() {
	st := w.fake.State()
	now := time.Now()
	seen := map[key]bool{}
	users := map[string]int{}
	for _, site := range st.Sites {
		email := map[string]string{}
		for _, u := range site.Users {
			email[u.UserID] = u.Email
			users[u.Email]++
		}
		for _, g := range site.AccessGroups {
			if _, ok := groupNames[g.ID]; !ok {
				continue
			}
			for _, id := range g.UserIDs {
				seen[key{email[id], g.ID}] = true
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.polls = append(w.polls, now)
	for e, n := range users {
		if n > w.dupUsers[e] {
			w.dupUsers[e] = n
		}
	}
	for k := range seen {
		if !w.present[k] {
			w.history[k] = append(w.history[k], transition{at: now, in: true})
		}
	}
	for k := range w.present {
		if !seen[k] {
			w.history[k] = append(w.history[k], transition{at: now, in: false})
		}
	}
	w.present = seen
}

// snapshot is who is in which group now.
func (w *watcher) snapshot() map[key]bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[key]bool, len(w.present))
	for k := range w.present {
		out[k] = true
	}
	return out
}

// inAt says whether k was seen in its group at t (as of the last poll at
// or before t).
func (w *watcher) inAt(k key, t time.Time) bool {
	h := w.history[k]
	i := sort.Search(len(h), func(i int) bool { return h[i].at.After(t) })
	return i > 0 && h[i-1].in
}

// leftAfter is the first instant at or after t at which k was seen out of
// its group (t itself when it already was), and whether there is one.
func (w *watcher) leftAfter(k key, t time.Time) (time.Time, bool) {
	if !w.inAt(k, t) {
		return t, true
	}
	for _, tr := range w.history[k] {
		if tr.at.After(t) && !tr.in {
			return tr.at, true
		}
	}
	return time.Time{}, false
}

// keys are every person and group ever seen.
func (w *watcher) keys() []key {
	out := make([]key, 0, len(w.history))
	for k := range w.history {
		out = append(out, k)
	}
	return out
}

// timeline is k's comings and goings, e.g. "in@10:00:01.2 out@10:00:40.0";
// call with w.mu held.
func (w *watcher) timeline(k key) string {
	var parts []string
	for _, tr := range w.history[k] {
		parts = append(parts, map[bool]string{true: "in", false: "out"}[tr.in]+"@"+tr.at.Format("15:04:05.0"))
	}
	return strings.Join(parts, " ")
}
