package fallback

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/stats"
)

// ErrCallbackPanic matches the error a host callback's panic becomes: a
// Store, History, Credentials, Refresher, SharedLimiter, market or user
// factor, breaker OnStateChange or Observer that panics fails that call,
// is reported, and never crashes the process.
var ErrCallbackPanic = errors.New("fallback: host callback panicked")

// callbackPanic is the error a recovered panic becomes. The panic's value
// is not repeated — it may hold anything — only its type.
func callbackPanic(name string, v any) error {
	return fmt.Errorf("%s panicked (%T): %w", name, v, ErrCallbackPanic)
}

// guarded calls f, host code named name, so that it can neither hold the
// caller past ctx's end nor crash the process: f runs in a goroutine of
// its own (counted as kind, so Close waits for it and names it when it
// does not return), its panic becomes an error matching ErrCallbackPanic,
// and when ctx ends first guarded returns ctx's error and abandons f,
// which ends on its own.
func guarded[T any](ctx context.Context, r *Resolver, kind *taskKind, f func(context.Context) (T, error)) (T, error) {
	var zero T
	if !r.tasks.add(kind) {
		return zero, ErrClosed
	}
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		defer r.tasks.done(kind)
		var res result
		defer func() {
			if v := recover(); v != nil {
				res = result{err: callbackPanic(kind.name, v)}
			}
			ch <- res
		}()
		res.v, res.err = f(ctx)
	}()
	select {
	case res := <-ch:
		return res.v, res.err
	case <-ctx.Done():
		return zero, fmt.Errorf("%s did not return: %w", kind.name, ctx.Err())
	}
}

// callbacks are the task kinds of the host's callbacks.
type callbacks struct {
	storeGet, storeSet, storeClaim, storeDelete, storeDeleteKey         taskKind
	historyGet, historyAppend, historyKeys, historyDelete, historyPrune taskKind
	credentials, refresh, limiter, market, user, breakerChange          taskKind
}

func newCallbacks() callbacks {
	return callbacks{
		storeGet:       taskKind{name: "store.Get"},
		storeSet:       taskKind{name: "store.Set"},
		storeClaim:     taskKind{name: "store.Claim"},
		storeDelete:    taskKind{name: "store.DeleteMatching"},
		storeDeleteKey: taskKind{name: "store.Delete"},
		historyGet:     taskKind{name: "history.Observations"},
		historyAppend:  taskKind{name: "history.Append"},
		historyKeys:    taskKind{name: "history.Keys"},
		historyDelete:  taskKind{name: "history.Delete"},
		historyPrune:   taskKind{name: "history.Prune"},
		breakerChange:  taskKind{name: "breaker.OnStateChange"},
		credentials:    taskKind{name: "credentials"},
		refresh:        taskKind{name: "credentials.Refresh"},
		limiter:        taskKind{name: "limiter.Allow"},
		market:         taskKind{name: "market factor"},
		user:           taskKind{name: "user factor"},
	}
}

// observe queues an event no caller made for the observer, with the
// context of the task its kind names (TaskBreaker, TaskCallback; see
// taskContext).
// A breaker transition is also judged as an alert at once.
func (r *Resolver) observe(ev Event) {
	r.observeCtx(taskContext(ev.Kind), ev)
	if ev.Kind == EventBreaker {
		r.breakerChanged(ev)
	}
}

// observeCtx queues an event for the observer, if any, without waiting: a
// full queue drops it (counted in Snapshot.Overall.EventsDropped). ctx is
// the context it is delivered with: never done (see Observer).
func (r *Resolver) observeCtx(ctx context.Context, ev Event) {
	if r.obs == nil {
		return
	}
	r.events.pending.Add(1)
	select {
	case r.events.ch <- queued{ctx, ev}:
	default:
		r.events.pending.Add(-1)
		r.events.dropped.Add(1)
	}
}

// taskContexts are the contexts of the events no caller made, by kind:
// each names the task of its kind's name.
var taskContexts = func() (ctxs [len(eventNames)]context.Context) {
	for k := range ctxs {
		ctxs[k] = withTask(context.Background(), Task(EventKind(k).String()))
	}
	return ctxs
}()

// taskContext is the context of an event of kind k no caller made.
func taskContext(k EventKind) context.Context {
	if int(k) < len(taskContexts) {
		return taskContexts[k]
	}
	return withTask(context.Background(), Task(k.String()))
}

// queued is an event waiting for the observer, with its context.
type queued struct {
	ctx context.Context
	ev  Event
}

// eventQueue carries events to the host's observer, which one goroutine
// calls in order, so that an observer that blocks, is slow or panics
// cannot hold or crash a resolve.
type eventQueue struct {
	ch      chan queued
	pending atomic.Int64 // queued and not yet delivered
	dropped atomic.Int64
	stop    chan struct{} // closed by Close once every other goroutine is done
	stopped chan struct{} // closed by deliver as it returns
	inside  atomic.Bool   // deliver is in the observer's Observe
}

// deliver calls the observer with each queued event until Close has
// waited for the resolver's other goroutines (so that the events they
// queue while Close cancels them — an attempt's end, say — are not lost),
// then delivers what is queued and returns. A panicking observer loses
// that event and nothing else.
func (r *Resolver) deliver() {
	defer close(r.events.stopped)
	one := func(q queued) {
		defer r.events.pending.Add(-1)
		defer func() {
			if v := recover(); v != nil {
				r.metrics.callbackFailures.Add(1)
			}
		}()
		r.events.inside.Store(true)
		defer r.events.inside.Store(false)
		r.obs.Observe(q.ctx, q.ev)
	}
	serveUntil(r.events.ch, r.events.stop, one)
}

// serveUntil calls one with each value from ch, in order, until stop is
// closed, then with what ch still holds, and returns.
func serveUntil[T any](ch <-chan T, stop <-chan struct{}, one func(T)) {
	for {
		select {
		case v := <-ch:
			one(v)
		case <-stop:
			for {
				select {
				case v := <-ch:
					one(v)
				default:
					return
				}
			}
		}
	}
}

// changeQueue carries breaker transitions to the host's OnStateChange
// callbacks (breaker.Config in Config.Breaker or a provider's own), which
// one goroutine calls in order: called where the transition happens — a
// provider call's flight, while it settles — a callback that blocks would
// hold the walk, and one that panics would crash the process from a
// goroutine the host cannot reach.
type changeQueue struct {
	used bool        // some provider has a callback
	ch   chan func() // nil until New has built everything
}

// queue hands f to the delivering goroutine without waiting: a full queue
// drops it (counted in Snapshot.Overall.EventsDropped, as the observer's
// are).
func (q *changeQueue) queue(f func()) bool {
	select {
	case q.ch <- f:
		return true
	default:
		return false
	}
}

// deliverChanges calls the host's OnStateChange callbacks in order until
// Close, then those queued when Close began, and returns. A panic is
// contained and reported as an EventCallback ("breaker.OnStateChange").
func (r *Resolver) deliverChanges() {
	kind := &r.callbacks.breakerChange
	defer r.tasks.done(kind)
	one := func(f func()) {
		defer func() {
			if v := recover(); v != nil {
				r.callbackFailed(kind, "", callbackPanic(kind.name, v))
			}
		}()
		f()
	}
	serveUntil(r.changes.ch, r.life.Done(), one)
}

// localBound bounds a host call of the local layers (a history read, a
// factor): by the store timeout, and by half of what is left of ctx, so
// that the layers after it keep the rest.
func (r *Resolver) localBound(ctx context.Context) (context.Context, context.CancelFunc) {
	d := r.cfg.Cache.StoreTimeout
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl)/2)
	}
	return context.WithTimeout(ctx, d)
}

// readHistory reads key's series, of data type dt. The resolver's own
// MemoryHistory is read directly: strata's code neither hangs nor panics,
// and View copies nothing (a blackout's resolves read a series each). A
// host's History is called guarded, under ctx bounded by localBound when
// bound is set; failed reports that it panicked or did not return within
// that bound (what callbackFailed reports). Only its last WindowLimit
// observations are read (newestRead), and of those only the ones an
// answer could have been are kept, in order (usableObservations).
func (r *Resolver) readHistory(ctx context.Context, dt *dataType, key string, bound bool) (obs []stats.Observation, failed bool, err error) {
	if mh, ok := r.ownHistory().(*stats.MemoryHistory); ok {
		return usableObservations(newestRead(mh.View(key)), dt.cfg.Bounds, time.Now().Add(maxClockSkew)), false, nil
	}
	if bound {
		var cancel context.CancelFunc
		ctx, cancel = r.localBound(ctx)
		defer cancel()
	}
	obs, err = guarded(ctx, r, &r.callbacks.historyGet, func(ctx context.Context) ([]stats.Observation, error) {
		return r.history.Observations(ctx, key)
	})
	return usableObservations(newestRead(obs), dt.cfg.Bounds, time.Now().Add(maxClockSkew)), err != nil && (errors.Is(err, ErrCallbackPanic) || ctx.Err() != nil), err
}

// newestRead returns the last WindowLimit observations of obs, a series a
// History returned (oldest first, as History promises): its newest, all a
// resolve reads of it and all Export writes of it (what Import keeps). The work of a resolve on a series — sorting a
// host's, keeping what is usable — is then bounded whatever its length
// (a host's History of millions of observations, sorted in the resolve's
// goroutine, made it miss its deadline); no forecast uses more
// (forecast.max_points is at most WindowLimit periods).
func newestRead(obs []stats.Observation) []stats.Observation {
	return obs[max(len(obs)-WindowLimit, 0):]
}

// usableObservations returns obs in time order without the observations
// no answer of the data type could have been, as sharedObservations does
// for the fleet's: one at no time or before the year 1, one dated after limit (a host's
// history, or a clock set wrong, that holds the future would otherwise be
// forecast from, and taken for a fresh reference), and a value outside
// bounds or not finite (a host's database in another unit: the median of
// its newest values would become the plausibility reference that refuses
// every right answer, and its level the default). History appends only
// answers that passed the bounds, but a host's History, or a
// MemoryHistory it loaded, holds what the host put there. obs itself is
// returned, not copied, when it holds none and is in order.
func usableObservations(obs []stats.Observation, b Bounds, limit time.Time) []stats.Observation {
	usable := func(o stats.Observation) bool {
		return o.At.After(time.Time{}) && !o.At.After(limit) && b.Contains(o.Value) // set, and not before the year 1
	}
	for i, o := range obs {
		if usable(o) && (i == 0 || !o.At.Before(obs[i-1].At)) {
			continue
		}
		out := slices.Clone(obs[:i]) // usable and in order
		for _, o := range obs[i:] {
			if usable(o) {
				out = append(out, o)
			}
		}
		slices.SortStableFunc(out, func(a, b stats.Observation) int { return a.At.Compare(b.At) })
		return out
	}
	return obs
}

// guardedFactor is a host's market or user factor, guarded: a factor that
// panics or does not answer before the resolve's deadline counts as
// absent (the default engine then guesses it, with lower confidence).
type guardedFactor struct {
	r    *Resolver
	kind *taskKind
	f    defaults.Factor
}

// guardFactor returns f guarded, or nil for none.
func (r *Resolver) guardFactor(kind *taskKind, f defaults.Factor) defaults.Factor {
	if f == nil {
		return nil
	}
	return guardedFactor{r: r, kind: kind, f: f}
}

func (g guardedFactor) Factor(ctx context.Context, dataType string, params map[string]string) (float64, bool) {
	type answer struct {
		v  float64
		ok bool
	}
	ctx, cancel := g.r.localBound(ctx)
	defer cancel()
	// Its own copy: a factor abandoned at its deadline runs on after the
	// resolve returns, when the caller may reuse its map.
	params = maps.Clone(params)
	a, err := guarded(ctx, g.r, g.kind, func(ctx context.Context) (answer, error) {
		v, ok := g.f.Factor(ctx, dataType, params)
		return answer{v, ok}, nil
	})
	if err != nil {
		g.r.callbackFailed(g.kind, dataType, err)
		return 0, false
	}
	return a.v, a.ok
}
