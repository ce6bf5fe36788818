package main

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// key is one person (by e-mail) in one access group.
type key struct{ email, group string }

// window is [from, until); a zero until is open.
type window struct{ from, until time.Time }

func (w window) contains(t time.Time) bool {
	return !t.Before(w.from) && (w.until.IsZero() || t.Before(w.until))
}

// oracle knows, from what the soak sent, who must be in which group when:
// the engine's rules (membership windows, booking windows with the org's
// zero buffers, guests, day-pass validity and uses) applied to the grants
// the load recorded, ended early by the DELETEs and uses the API accepted.
type oracle struct {
	mu     sync.Mutex
	grants map[key][]*grant
}

func newOracle(l *load) *oracle {
	o := &oracle{grants: map[key][]*grant{}}
	for _, g := range l.grants {
		for _, who := range g.people {
			for _, grp := range g.groups {
				k := key{who, grp}
				o.grants[k] = append(o.grants[k], g)
			}
		}
	}
	return o
}

// acknowledge records that the API accepted the event ending c at t.
func (o *oracle) acknowledge(c *cutoff, t time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if c.at.IsZero() {
		c.at = t
	}
}

// required is the grant's window as things stand.
func (o *oracle) requiredWindow(g *grant) window {
	w := window{from: g.from, until: g.until}
	if g.cut != nil && !g.cut.at.IsZero() && (w.until.IsZero() || g.cut.at.Before(w.until)) {
		w.until = g.cut.at
	}
	return w
}

// keys are every person and group some grant names.
func (o *oracle) keys() []key {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]key, 0, len(o.grants))
	for k := range o.grants {
		out = append(out, k)
	}
	return out
}

// must says whether k must be in its group at t.
func (o *oracle) must(k key, t time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, g := range o.grants[k] {
		if o.requiredWindow(g).contains(t) {
			return true
		}
	}
	return false
}

// may says whether k may be in its group at t: some version of some grant
// allowed it, or one about to be ended (within grace) still did.
func (o *oracle) may(k key, t time.Time, grace time.Duration) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, g := range o.grants[k] {
		w := o.requiredWindow(g)
		if !w.until.IsZero() {
			w.until = w.until.Add(grace)
		}
		if w.contains(t) {
			return true
		}
		for _, e := range g.earlier {
			if e.contains(t) {
				return true
			}
		}
	}
	return false
}

// opens is the earliest instant k may be in its group.
func (o *oracle) opens(k key) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	var first time.Time
	for _, g := range o.grants[k] {
		if first.IsZero() || g.from.Before(first) {
			first = g.from
		}
	}
	return first
}

// lastChange is the latest window edge of k at or before t.
func (o *oracle) lastChange(k key, t time.Time) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	var last time.Time
	for _, g := range o.grants[k] {
		w := o.requiredWindow(g)
		for _, e := range []time.Time{w.from, w.until} {
			if !e.IsZero() && !e.After(t) && e.After(last) {
				last = e
			}
		}
	}
	return last
}

// revocations are the instants before end at which k's required presence
// ends: the ends of the union of its required windows.
func (o *oracle) revocations(k key, end time.Time) []time.Time {
	o.mu.Lock()
	ws := make([]window, 0, len(o.grants[k]))
	for _, g := range o.grants[k] {
		ws = append(ws, o.requiredWindow(g))
	}
	o.mu.Unlock()
	slices.SortFunc(ws, func(a, b window) int { return a.from.Compare(b.from) })
	var out []time.Time
	for i := 0; i < len(ws); {
		cur := ws[i]
		j := i + 1
		for ; j < len(ws) && !cur.until.IsZero() && !ws[j].from.After(cur.until); j++ {
			if ws[j].until.IsZero() || ws[j].until.After(cur.until) {
				cur.until = ws[j].until
			}
		}
		if !cur.until.IsZero() && cur.until.Before(end) && cur.until.After(cur.from) {
			out = append(out, cur.until)
		}
		i = j
	}
	return out
}

// describe lists k's grants and their windows as things stand.
func (o *oracle) describe(k key) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var parts []string
	for _, g := range o.grants[k] {
		w := o.requiredWindow(g)
		until := "open"
		if !w.until.IsZero() {
			until = w.until.Local().Format("15:04:05")
		}
		parts = append(parts, fmt.Sprintf("%s [%s, %s)", g.what, w.from.Local().Format("15:04:05"), until))
	}
	return strings.Join(parts, ", ")
}
