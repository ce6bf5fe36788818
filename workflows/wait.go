package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"doorsync/contract"
)

// wake says why a loop iteration runs: the pokes it coalesces, or the alarm
// that rang.
type wake struct {
	// at is the latest instant the pokes (or a scheduled alarm) stand for;
	// zero means now.
	at time.Time
	// pokes counts the pokes coalesced into this wake.
	pokes int
	// cause is the latest poke's reason, or the alarm's.
	cause string
	// idle is set when an idle alarm rang.
	idle bool
	// first is the earliest instant a poke of this wake stands for (zero:
	// none said).
	first time.Time
	// unstamped is set when a poke of this wake stands for no instant.
	unstamped bool
	// pokedV0 are the Poked lists of the wake's pokes and alarms (an
	// alarm's is nil), read by runs started without KeepsTime only.
	pokedV0 [][]string
}

// coveredV0 are the persons every poke of this wake said its change
// already poked directly (contract.Poke.Poked); an alarm covers no one.
func (w wake) coveredV0() []string {
	var covered []string
	for i, poked := range w.pokedV0 {
		if i == 0 {
			covered = union(poked, nil)
		} else {
			covered = intersect(covered, poked)
		}
	}
	return covered
}

// add folds one poke into w.
func (w *wake) add(p contract.Poke) {
	w.pokedV0 = append(w.pokedV0, p.Poked)
	w.pokes++
	w.at = later(w.at, p.At)
	switch {
	case p.At.IsZero():
		w.unstamped = true
	case w.first.IsZero() || p.At.Before(w.first):
		w.first = p.At
	}
	if p.Reason != "" {
		w.cause = p.Reason
	} else if w.cause == "" {
		w.cause = "changed"
	}
}

// ring folds a rung alarm into w. An idle alarm stands for no instant.
func (w *wake) ring(a alarm) {
	w.pokedV0 = append(w.pokedV0, nil)
	if a.idle {
		w.idle = true
	} else {
		w.at = later(w.at, a.at)
	}
	if w.pokes == 0 {
		w.cause = a.cause
	}
}

// instant is the moment the iteration evaluates: the later of w.at and
// the workflow's clock, so a transition is never judged "not yet".
func (w wake) instant(ctx workflow.Context) time.Time {
	return later(w.at, workflow.Now(ctx))
}

// causeOr returns w's cause, or fallback when w has none.
func (w wake) causeOr(fallback string) string {
	if w.cause == "" {
		return fallback
	}
	return w.cause
}

// drain folds every poke already waiting on ch into w without blocking.
func (w *wake) drain(ch workflow.ReceiveChannel) {
	for {
		var p contract.Poke
		if !ch.ReceiveAsync(&p) {
			return
		}
		w.add(p)
	}
}

// pending returns a wake made of the pokes already waiting on ch (none
// when w.pokes == 0).
func pending(ch workflow.ReceiveChannel) wake {
	var w wake
	w.drain(ch)
	return w
}

// alarm is a timer a loop waits on besides its pokes; the zero alarm never
// rings.
type alarm struct {
	at    time.Time
	cause string
	// idle alarms end a loop when nothing else happened.
	idle bool
}

// sleep blocks until a poke arrives on ch or a rings, whichever comes first,
// cancels the timer if a poke won, and then drains the pokes already
// waiting, so many pokes make one wake. An alarm that is already due rings
// at once. sleep returns an error only when the workflow is cancelled.
func sleep(ctx workflow.Context, ch workflow.ReceiveChannel, a alarm) (wake, error) {
	var w wake
	if !a.at.IsZero() && !a.at.After(workflow.Now(ctx)) {
		w.ring(a)
		w.drain(ch)
		return w, nil
	}

	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()

	var err error
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(ch, func(c workflow.ReceiveChannel, _ bool) {
		var p contract.Poke
		c.Receive(ctx, &p)
		w.add(p)
	})
	sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) { err = ctx.Err() })
	if !a.at.IsZero() {
		timer := workflow.NewTimer(timerCtx, a.at.Sub(workflow.Now(ctx)))
		sel.AddFuture(timer, func(f workflow.Future) {
			if err = f.Get(timerCtx, nil); err == nil {
				w.ring(a)
			}
		})
	}
	sel.Select(ctx)
	if err != nil {
		return w, err
	}
	w.drain(ch)
	return w, nil
}

// later returns the later of a and b (a zero time is the earliest).
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// intersect returns the elements of a that b holds too, in a's order.
func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// minus returns the elements of a that b does not hold, in a's order.
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// union returns the sorted, duplicate-free union of a and b (nil when both
// are empty).
func union(a, b []string) []string {
	if len(a)+len(b) == 0 {
		return nil
	}
	out := make([]string, 0, len(a)+len(b))
	out = append(append(out, a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
