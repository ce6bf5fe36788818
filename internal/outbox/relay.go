// Package outbox sends the pokes the store queued with each change to the
// workflows they name: an access workflow is started with the poke in its
// input (or signalled if it runs), a lifecycle workflow is sent a
// signal-with-start. The API sends its pokes right after commit;
// the relay loop sends whatever that did not (Temporal down, process
// killed), so a change accepted with 2xx always reaches its workflows.
package outbox

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"doorsync/access"
	"doorsync/contract"
	"doorsync/internal/buildid"
	"doorsync/internal/guestkey"
	"doorsync/store"
)

// Relay sends queued pokes.
type Relay struct {
	Store     *store.Store
	Temporal  client.Client
	TaskQueue string
	Log       *slog.Logger
	// Guests names guests in Temporal by a hash of their e-mail (the
	// outbox holds store keys; see internal/guestkey).
	Guests *guestkey.Keyer
	// PollInterval is how often the loop looks for due pokes when no
	// notification wakes it (default 2 s).
	PollInterval time.Duration
	// Parallelism bounds concurrent sends (default 16).
	Parallelism int
	// Versioned says the workers are versions of a Temporal worker
	// deployment (DOORSYNC_WORKER_DEPLOYMENT): a workflow's first task
	// then sets its deployment's search attributes and its BuildIds, so
	// starts carry no BuildIds (docs/architecture.md, D42).
	Versioned bool
	// noBuildIDs is set once Temporal refused the BuildIds search
	// attribute at a start (see internal/buildid).
	noBuildIDs atomic.Bool
}

const (
	batchSize  = 64
	lease      = 30 * time.Second
	maxBackoff = 30 * time.Second
)

// Flush sends the given pokes now. Those it cannot send stay queued for the
// relay loop; Flush reports the first failure.
func (r *Relay) Flush(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	pokes, err := r.Store.ClaimPokes(ctx, ids, len(ids), lease)
	if err != nil {
		return err
	}
	return r.sendAll(ctx, r.setAside(ctx, pokes))
}

// Run sends due pokes until ctx ends, waking on every new poke.
func (r *Relay) Run(ctx context.Context) error {
	notified := make(chan struct{}, 1)
	go r.Store.Forward(ctx, store.OutboxChannel, notified)
	interval := cmp.Or(r.PollInterval, 2*time.Second)
	failing := false
	for {
		if failing {
			failing = !r.recovered(ctx)
		}
		if err := r.drain(ctx); err != nil && ctx.Err() == nil {
			failing = true
			r.Log.WarnContext(ctx, "outbox relay: send failed; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-notified:
		case <-time.After(interval):
		}
	}
}

// recovered reports whether Temporal answers again after failed sends; if
// so, the pokes backed off during the outage are made due at once, so that
// recovery is not delayed by their back-off.
func (r *Relay) recovered(ctx context.Context) bool {
	checkCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := r.Temporal.CheckHealth(checkCtx, &client.CheckHealthRequest{}); err != nil {
		return false
	}
	n, err := r.Store.RetryFailedPokesNow(ctx)
	if err != nil {
		r.Log.WarnContext(ctx, "outbox relay: could not reschedule failed pokes", "err", err)
		return false
	}
	if n > 0 {
		r.Log.InfoContext(ctx, "outbox relay: Temporal is back; sending the pokes it missed", "pokes", n)
	}
	return true
}

// drain sends due pokes until none is due. The next batch is claimed
// while the last one's slowest sends are still under way, so one slow
// answer from Temporal does not hold up the pokes behind it; it stops
// claiming once a send fails.
func (r *Relay) drain(ctx context.Context) error {
	s := r.newSender()
	for s.err() == nil {
		pokes, err := r.Store.ClaimPokes(ctx, nil, batchSize, lease)
		if err != nil || len(pokes) == 0 {
			s.wait(ctx)
			return cmp.Or(err, s.err())
		}
		for _, g := range coalesce(r.setAside(ctx, pokes)) {
			s.send(ctx, g)
		}
	}
	s.wait(ctx)
	return s.err()
}

// setAside drops the pokes whose payload could not be read (the store has
// set them aside: never due again, kept with their error), logging and
// counting each.
func (r *Relay) setAside(ctx context.Context, pokes []store.Poke) []store.Poke {
	return slices.DeleteFunc(pokes, func(p store.Poke) bool {
		if p.Corrupt == "" {
			return false
		}
		corruptPokes.Inc()
		r.Log.ErrorContext(ctx, "outbox relay: poke payload unreadable; set aside in the outbox, not sent",
			"poke_id", p.ID, "org", p.OrgID, "kind", p.Kind, "err", p.Corrupt)
		return true
	})
}

// sendAll coalesces pokes by target (one signal per workflow, at the
// latest instant asked for) and sends them in parallel.
func (r *Relay) sendAll(ctx context.Context, pokes []store.Poke) error {
	s := r.newSender()
	for _, g := range coalesce(pokes) {
		s.send(ctx, g)
	}
	s.wait(ctx)
	return s.err()
}

// sender sends groups of pokes, at most Parallelism at a time, and keeps
// the first failure. It deletes the pokes it sent together, a batch at a
// time (sentBatch, at the latest within sentDelay and before wait
// returns): deleted before their lease ends, they are not sent twice, and
// a crash before the delete only sends them again.
type sender struct {
	r        *Relay
	sem      chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	firstErr error
	sent     []int64   // sent, not yet deleted
	sentAt   time.Time // when the oldest of them was sent
}

// sentBatch and sentDelay bound how many sent pokes wait for their delete
// and for how long.
const (
	sentBatch = batchSize
	sentDelay = time.Second
)

func (r *Relay) newSender() *sender {
	return &sender{r: r, sem: make(chan struct{}, cmp.Or(r.Parallelism, 16))}
}

// send sends g in the background once fewer than Parallelism sends are
// under way.
func (s *sender) send(ctx context.Context, g *group) {
	s.wg.Add(1)
	s.sem <- struct{}{}
	go func() {
		defer func() { <-s.sem; s.wg.Done() }()
		err := s.r.sendGroup(ctx, g)
		if err == nil {
			err = s.deleteSent(ctx, g.ids, false)
		}
		if err != nil {
			s.fail(err)
		}
	}()
}

// deleteSent adds ids to the sent pokes and deletes them all once there
// are enough, they have waited long enough, or all is true.
func (s *sender) deleteSent(ctx context.Context, ids []int64, all bool) error {
	s.mu.Lock()
	if len(s.sent) == 0 {
		s.sentAt = time.Now()
	}
	s.sent = append(s.sent, ids...)
	var batch []int64
	if len(s.sent) > 0 && (all || len(s.sent) >= sentBatch || time.Since(s.sentAt) >= sentDelay) {
		batch, s.sent = s.sent, nil
	}
	s.mu.Unlock()
	if batch == nil {
		return nil
	}
	return s.r.Store.DeletePokes(ctx, batch)
}

func (s *sender) fail(err error) {
	s.mu.Lock()
	s.firstErr = cmp.Or(s.firstErr, err)
	s.mu.Unlock()
}

// wait waits for every send under way and deletes what was sent.
func (s *sender) wait(ctx context.Context) {
	s.wg.Wait()
	if err := s.deleteSent(ctx, nil, true); err != nil {
		s.fail(err)
	}
}

// err is the first failure so far.
func (s *sender) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.firstErr
}

// group is the pokes of one workflow, and the instant their signal stands
// for: for an access workflow the latest (it evaluates there), for a
// lifecycle workflow the earliest, or none when one of them says none (it
// delivers every change after that instant: see contract.Poke).
type group struct {
	first store.Poke
	at    time.Time
	ids   []int64
}

// coalesce groups pokes by the workflow they reach, in first-seen order.
func coalesce(pokes []store.Poke) []*group {
	byTarget := map[string]*group{}
	var order []string
	for _, p := range pokes {
		k := p.OrgID + "\x00" + p.Kind + "\x00" + p.Target
		g, ok := byTarget[k]
		switch {
		case !ok:
			g = &group{first: p, at: p.At}
			byTarget[k] = g
			order = append(order, k)
		case p.Kind == store.PokeLifecycle:
			if p.At.IsZero() || p.At.Before(g.at) {
				g.at = p.At
			}
		case p.At.After(g.at):
			g.at = p.At
		}
		g.ids = append(g.ids, p.ID)
	}
	out := make([]*group, len(order))
	for i, k := range order {
		out[i] = byTarget[k]
	}
	return out
}

func (r *Relay) sendGroup(ctx context.Context, g *group) error {
	err := r.rememberGuest(ctx, g.first)
	if err == nil {
		err = r.signal(ctx, g.first, contract.Poke{At: g.at, Reason: g.first.Reason})
	}
	if err != nil {
		r.retryLater(ctx, g, err)
		return fmt.Errorf("poke %s %s: %w", g.first.Kind, r.Guests.WorkflowKey(g.first.Target), err)
	}
	return nil
}

// retryLater counts and backs off a group's failed send. A back-off that cannot be
// recorded is logged and counted: the poke stays leased and is sent again
// once its lease ends.
func (r *Relay) retryLater(ctx context.Context, g *group, sendErr error) {
	sendFailures.Inc()
	backoff := min(time.Duration(1<<min(g.first.Attempts, 5))*time.Second, maxBackoff)
	for _, id := range g.ids {
		if err := r.Store.RetryPokeLater(context.WithoutCancel(ctx), id, backoff, sendErr.Error()); err != nil {
			rescheduleFailures.Inc()
			r.Log.ErrorContext(ctx, "outbox relay: could not record a failed send's back-off; sent again when its lease ends",
				"poke_id", id, "org", g.first.OrgID, "kind", g.first.Kind, "err", err)
		}
	}
}

// rememberGuest records, before a guest's access workflow first hears of
// them under their workflow key, how to find their e-mail from it.
func (r *Relay) rememberGuest(ctx context.Context, p store.Poke) error {
	if p.Kind != store.PokeAccess || !guestkey.IsStoredGuest(p.Target) {
		return nil
	}
	return r.Store.RememberGuestKeys(ctx, []store.GuestKey{{OrgID: p.OrgID, Key: r.Guests.WorkflowKey(p.Target), Person: p.Target}})
}

// signal sends one poke. Workflows start with the BuildIds search
// attribute their first task will give them (internal/buildid); a
// Temporal that refuses it gets starts without it from then on.
func (r *Relay) signal(ctx context.Context, p store.Poke, poke contract.Poke) error {
	err := r.signalOnce(ctx, p, poke)
	if refusesBuildIDs(err) && !r.noBuildIDs.Swap(true) {
		r.Log.WarnContext(ctx, "outbox relay: Temporal refuses the BuildIds search attribute; starting workflows without it", "err", err)
		return r.signalOnce(ctx, p, poke)
	}
	return err
}

// refusesBuildIDs reports whether err is Temporal refusing the BuildIds
// search attribute.
func refusesBuildIDs(err error) bool {
	_, invalid := errors.AsType[*serviceerror.InvalidArgument](err)
	return invalid && strings.Contains(err.Error(), buildIDsKey.GetName())
}

// buildIDsKey is Temporal's own BuildIds search attribute.
var buildIDsKey = temporal.NewSearchAttributeKeyKeywordList("BuildIds")

// signalOnce sends one poke: a start or signal of an access workflow, a
// signal-with-start of a lifecycle workflow.
func (r *Relay) signalOnce(ctx context.Context, p store.Poke, poke contract.Poke) error {
	id, workflowType, input, attrs, err := r.target(p)
	if err != nil {
		return err
	}
	if in, ok := input.(contract.AccessInput); ok {
		return r.startOrSignal(ctx, id, in, attrs, poke)
	}
	_, err = r.Temporal.SignalWithStartWorkflow(ctx, id, contract.PokeSignal, poke, client.StartWorkflowOptions{
		ID: id, TaskQueue: r.TaskQueue, TypedSearchAttributes: attrs,
	}, workflowType, input)
	return err
}

// startOrSignal pokes a person's access workflow: it starts a run with the
// poke in its input, eagerly (a worker of this process, if it has room,
// takes the run's first task in the start's reply, sparing Temporal a trip
// through the task queue), or signals the run already there. A run that
// ends between the two is started again.
func (r *Relay) startOrSignal(ctx context.Context, id string, in contract.AccessInput, attrs temporal.SearchAttributes, poke contract.Poke) error {
	in.Poke = &poke
	opts := client.StartWorkflowOptions{
		ID: id, TaskQueue: r.TaskQueue, TypedSearchAttributes: attrs,
		EnableEagerStart:                         true,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}
	for {
		_, err := r.Temporal.ExecuteWorkflow(ctx, opts, contract.AccessWorkflow, in)
		if _, running := errors.AsType[*serviceerror.WorkflowExecutionAlreadyStarted](err); !running {
			return err
		}
		err = r.Temporal.SignalWorkflow(ctx, id, "", contract.PokeSignal, poke)
		if _, ended := errors.AsType[*serviceerror.NotFound](err); !ended {
			return err
		}
	}
}

// target resolves a poke to its workflow.
func (r *Relay) target(p store.Poke) (id, workflowType string, input any, attrs temporal.SearchAttributes, err error) {
	switch p.Kind {
	case store.PokeAccess:
		person := r.Guests.WorkflowKey(p.Target)
		return contract.AccessWorkflowID(p.OrgID, person), contract.AccessWorkflow,
			contract.AccessInput{OrgID: p.OrgID, Person: person, LocalFirst: true, NoAlarm: true},
			r.searchAttributes(contract.OrgIDKey.ValueSet(p.OrgID), contract.PersonIDKey.ValueSet(person),
				contract.EntityKindKey.ValueSet("person")), nil
	case store.PokeLifecycle:
		k, entityID, ok := strings.Cut(p.Target, ":")
		kind := access.Kind(k)
		workflowType = contract.LifecycleWorkflowType(kind)
		if !ok || workflowType == "" {
			return "", "", nil, temporal.SearchAttributes{}, fmt.Errorf("outbox: bad lifecycle target %q", p.Target)
		}
		return contract.LifecycleWorkflowID(p.OrgID, kind, entityID), workflowType,
			contract.LifecycleInput{OrgID: p.OrgID, Kind: kind, EntityID: entityID, KeepsTime: true},
			r.searchAttributes(contract.OrgIDKey.ValueSet(p.OrgID), contract.EntityKindKey.ValueSet(string(kind))), nil
	}
	return "", "", nil, temporal.SearchAttributes{}, errors.New("outbox: unknown poke kind " + p.Kind)
}

// searchAttributes are a started workflow's search attributes: doorsync's
// own and, for unversioned workers unless Temporal refused it, BuildIds.
func (r *Relay) searchAttributes(own ...temporal.SearchAttributeUpdate) temporal.SearchAttributes {
	if !r.Versioned && !r.noBuildIDs.Load() {
		own = append(own, buildIDsKey.ValueSet(buildid.SearchAttribute()))
	}
	return temporal.NewSearchAttributes(own...)
}
