package fallback

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/router"
	"github.com/strata-go/strata/stats"
)

// Resolver answers Resolve calls through the five layers. Build one with
// New; it is safe for concurrent use. Close stops everything it started.
type Resolver struct {
	cfg        Config // with defaults applied
	types      map[string]*dataType
	providers  []*provider
	byName     map[string]*provider
	cache      *cache.Cache
	accept     cache.Acceptance
	history    stats.History
	forecaster *stats.Forecaster
	quick      *stats.Forecaster // auto without its challengers; nil: no quick fit (see ForecastConfig.DisableQuickFit)
	// The same for data types whose values may be negative (see
	// positive): auto keeps its members that go below zero on a series
	// that has not (stats.Selection.AllowNegative).
	signed, signedQuick *stats.Forecaster
	defaults            *defaults.Engine
	obs                 Observer
	creds               providers.Credentials
	refresher           providers.Refresher
	tracker             *router.Tracker
	rtr                 *router.Router
	store               cache.Store   // nil: no shared tier
	claimer             cache.Claimer // the store, when claims are on (Config.Cache.Claim); else nil
	limiter             SharedLimiter // nil: local rate limits only
	fleet               fleetState    // the writer, the shared history and fleet health (fleet.go)

	flights     singleflight.Group
	waiting     waiting            // the resolves waiting for each coalesced walk
	fits        singleflight.Group // one forecast fit at a time per key
	fitTime     fitClock           // how long fits take
	quickTime   fitClock           // how long quick fits take
	reserveNeed reserveClock       // what resolves needed after their walk's deadline
	fitSlots    chan struct{}      // bounds the fits running at once (Forecast.MaxFits)
	fitTask     taskKind           // a fit, for Close's report
	attemptTask taskKind           // a provider attempt, start to settled
	tasks       tasks
	closed      atomic.Bool
	closeDone   chan struct{} // closed when the first Close returns
	started     time.Time     // when New returned: the snapshot's Since
	metrics     metrics

	refreshSlots chan struct{}      // bounds background refreshes
	refreshing   sync.Map           // key → struct{}: refreshes in flight
	hashKey      []byte             // keys sensitive values' hashes
	memo         *forecastMemo      // each key's last forecast
	plaus        *plausibility      // judges provider answers
	peers        *peerIndex         // keys recently answered, by param value
	market       defaults.Factor    // the host's, guarded; nil: none
	gate         *appendGate        // one history observation per key and period
	forgets      forgetLog          // the Forgets a walk under way must heed
	importing    chan struct{}      // one slot: Imports take turns at a series' check and appends
	callbacks    callbacks          // the host callbacks' task kinds
	events       eventQueue         // to the observer
	changes      changeQueue        // to the host's breaker callbacks
	alerts       alerting           // the alerts firing (alerts.go)
	rawErrors    bool               // WithProviderErrors
	life         context.Context    // cancelled by Close: every walk, call and background task
	kill         context.CancelFunc // cancels life
}

// Close stops the resolver. It cancels the context of every walk and
// provider call in flight at once, starts no attempt, retry, hedge,
// refresh or batch after it begins, and waits up to
// Config.Resolve.CloseTimeout (default 1s) for the
// goroutines the resolver started to end, then releases its cache (tens
// of milliseconds for a large one). A provider call that ignores
// its context is abandoned then: Close returns a *CloseError naming what
// it gave up on, which ends on its own. Resolves after Close, and those
// in flight when it began, fail with ErrClosed: no resolve returns an
// answer produced after Close. Answers and observations still queued for
// the shared tier and the shared history are dropped: call Flush first to
// keep them for the fleet and for this instance's restart. The observer
// is stopped last, within the
// same bound: it gets every event queued before it stops (each attempt's
// end included), so every EventAttemptStart has its EventAttempt. Close
// is idempotent; later calls wait for the first to finish, then return
// nil. Called from inside a callback
// the resolver runs (an Observer, a provider's Fetch, a breaker's
// OnStateChange), Close waits out CloseTimeout for that very callback
// and names it — also a later call made there while the first is closing,
// which holds the callback until the first gives up on it: call it from a
// goroutine of its own there.
func (r *Resolver) Close() error {
	if r.closed.Swap(true) {
		// Closed, or closing: a caller that goes on from here must find
		// it stopped, as the first caller will.
		<-r.closeDone
		return nil
	}
	defer close(r.closeDone)
	r.kill()
	bound := time.Now().Add(r.cfg.Resolve.CloseTimeout)
	left := r.tasks.close(r.cfg.Resolve.CloseTimeout)
	if r.obs != nil {
		// The observer last: it gets the events the others queued as
		// they ended, within what is left of the bound.
		close(r.events.stop)
		if !r.observerStopped(time.Until(bound)) && r.events.inside.Load() {
			// Stuck in the host's Observe: abandoned. Else it is only
			// handing out what is queued, and ends on its own.
			left = append(left, "observer")
			slices.Sort(left)
		}
	}
	// The cache is released after the tasks. A task Close abandoned (or
	// a resolve past the closed check) may still reach it: a closed
	// cache answers nothing and keeps nothing (cache.Cache guards its
	// ristretto tier against its Close). The release zeroes ristretto's
	// admission counters, tens of milliseconds for a large cache, on top
	// of CloseTimeout.
	r.cache.Close()
	if len(left) > 0 {
		return &CloseError{Abandoned: left}
	}
	return nil
}

// observerStopped reports whether the observer's goroutine has returned
// or returns within d.
func (r *Resolver) observerStopped(d time.Duration) bool {
	select {
	case <-r.events.stopped:
		return true
	default:
	}
	if d <= 0 {
		return false
	}
	wait := time.NewTimer(d)
	defer wait.Stop()
	select {
	case <-r.events.stopped:
		return true
	case <-wait.C:
		return false
	}
}

// Resolve answers dataType for params with the best value to be had inside
// ctx's deadline (Config.Resolve.Deadline when ctx has none) and budget
// (see WithBudget), walking the layers: a fresh cached answer; the primary
// providers; the secondary providers; an acceptable stale cached answer; a
// forecast from the key's history; the default engine.
//
// Bad input is refused before any provider is called: an unknown data type
// with a *DataTypeError (ErrUnknownDataType), params that break the schema
// with a *ParamError (ErrInvalidParams). A cancelled ctx ends the resolve
// with an error wrapping context.Canceled, and a deadline that has passed
// — when Resolve is called (its timer may not have fired yet), or before
// an answer is ready (a deadline of microseconds is shorter than the
// local layers' own work) — with one wrapping context.DeadlineExceeded,
// its Result holding the attempts made and their Cost: no answer is
// served after the deadline, but for a fresh answer in the in-process
// cache, which is returned at once as it would be a moment earlier (a
// resolve that need not wait does not look at ctx). When no layer can answer the
// error is a *ResolveError (ErrNoAnswer) joining each layer's cause, and
// matching ErrBudgetExhausted when the budget kept the providers out.
// Close ending a resolve under way ends it with ErrClosed, its Result too
// holding the attempts made and their Cost.
func (r *Resolver) Resolve(ctx context.Context, dataType string, params Params) (res Result, err error) {
	if r.closed.Load() {
		return Result{}, ErrClosed
	}
	dt, ok := r.types[dataType]
	if !ok {
		return Result{}, &DataTypeError{DataType: dataType}
	}
	var kb keyBuffer
	vals, key, complete := kb.build(dt.schema, params)
	if complete { // else an unknown or empty param: no key was stored for it
		if r.freshHit(ctx, dt, params, key, &res) {
			return res, nil
		}
	}
	now := time.Now()
	if err := dt.schema.validate(params, vals, complete); err != nil {
		return Result{}, err
	}
	if r.obs != nil {
		ctx = withResolveID(ctx, resolveIDs.Add(1))
	}
	deadline := r.deadline(ctx, now)
	if err := expired(ctx, deadline, now); err != nil {
		return Result{}, fmt.Errorf("fallback: resolve %q: %w", dataType, err)
	}
	res, err = r.resolveMiss(ctx, dt, string(key), params, now, deadline)
	if r.closed.Load() {
		// Close began during the walk: what it produced is not served,
		// what it spent is reported.
		return Result{Attempts: res.Attempts, Cost: res.Cost}, ErrClosed
	}
	end := time.Now()
	if err == nil {
		// An answer ready only after the deadline is not served: a
		// deadline of microseconds is shorter than the local layers' own
		// work, which the reserve cannot cover.
		// A caller that cancelled meanwhile gets context.Canceled, told
		// as such: its deadline has not passed.
		if lerr := expired(ctx, deadline, end); lerr != nil {
			why := "no answer before the deadline: "
			if errors.Is(lerr, context.Canceled) {
				why = ""
			}
			res, err = Result{Attempts: res.Attempts, Cost: res.Cost}, fmt.Errorf("fallback: resolve %q: %s%w", dataType, why, lerr)
		}
	}
	r.metrics.latency.observe(end.Sub(now))
	r.count(dt, res.Layer, err != nil, end)
	r.finish(ctx, dt, params, &res, err, now, end)
	return res, err
}

// resolveMiss walks the providers (shared with concurrent resolves of the
// key), then the local layers, by deadline (Resolver.deadline).
func (r *Resolver) resolveMiss(ctx context.Context, dt *dataType, key string, params Params, now, deadline time.Time) (Result, error) {
	if _, has := ctx.Deadline(); !has {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	walkDeadline := deadline.Add(-r.reserve(deadline.Sub(now), now))

	// The shared tier: another instance may have paid for this answer.
	e, ok, opinion := r.storeGet(ctx, dt, key, now)
	if ok && now.Sub(e.StoredAt) < dt.currentTTL() {
		r.cache.Put(key, e, dt.currentTTL())
		return cachedResult(e, dt, now.Sub(e.ObservedAt)), nil
	}
	if opinion != nil {
		ctx = context.WithValue(ctx, fleetOpinionKey{}, opinion)
	}

	// "Not found" was cached: the providers are not asked again yet.
	if r.cache.Negative(key, now) {
		res, lerrs := r.localLayers(ctx, dt, key, params, now)
		if lerrs == nil {
			return res, nil
		}
		errs := append([]error{&LayerError{Layer: LayerPrimary, Err: providers.Errorf(providers.Permanent, "data not found (negative cache)")}}, lerrs...)
		return Result{}, &ResolveError{DataType: dt.cfg.Name, Errs: errs}
	}

	var w *walk
	shared, nobody := false, false
	var attempts []Attempt // a follower's: what its leader left unreported (see claim)
	var cost int64         // nano-units (see money)
	if r.everyBreakerOpen(dt) {
		w, nobody = r.walkNobody(ctx, dt, key, params, walkDeadline)
	}
	switch {
	case nobody:
	case r.cfg.Resolve.DisableCoalescing:
		w = r.walkProviders(ctx, dt, key, params, walkDeadline)
	default:
		w, shared, attempts, cost = r.coalescedWalk(ctx, dt, key, params, walkDeadline)
		if shared && w.cutShortFor(ctx, walkDeadline) {
			// The walk joined ended with nothing on its first caller's
			// deadline or budget, not this resolve's: it walks once
			// more, on its own, rather than settle for a lower layer
			// than it would have reached alone. What it reported of
			// the first walk stays in its attempts.
			var more []Attempt
			var moreCost int64
			w, shared, more, moreCost = r.coalescedWalk(ctx, dt, key, params, walkDeadline)
			attempts, cost = append(attempts, more...), cost+moreCost
		}
	}
	if w != nil && !shared {
		if attempts == nil {
			// The walk's own, not a copy: the common case, an allocation
			// a resolve of a blackout would otherwise pay.
			attempts = w.attempts
		} else {
			attempts = append(attempts, w.attempts...)
		}
		cost += w.cost
	}
	if err := ctx.Err(); errors.Is(err, context.Canceled) {
		// What the walk spent before the caller left is still this
		// resolve's, as when no layer answers.
		return Result{Attempts: attempts, Cost: money(cost)}, fmt.Errorf("fallback: resolve %q: %w", dt.cfg.Name, err)
	}

	var errs []error
	if w != nil {
		if !w.ok && w.notFound() && dt.cfg.NegativeTTL > 0 {
			r.cache.PutNegative(key, now.Add(dt.cfg.NegativeTTL))
		}
		errs = w.errs
		if w.ok {
			res := w.result
			res.Attempts, res.Cost, res.Shared = attempts, money(cost), shared
			return res, nil
		}
	} else {
		errs = append(errs, &LayerError{Layer: LayerPrimary, Err: errors.New("providers did not answer before the deadline")})
	}

	local := time.Now()
	res, lerrs := r.localLayers(ctx, dt, key, params, local)
	fromWalk := false // a local layer's answer is this resolve's own, never shared
	if w != nil && w.lone != nil && lerrs != nil {
		// Nothing below answers: the lone garbage-shaped answer does,
		// flagged.
		res, lerrs, fromWalk = *w.lone, nil, true
	}
	if !local.Before(walkDeadline) {
		// The walk ran out of time: the rest is what the reserve is for.
		end := time.Now()
		r.reserveNeed.observe(end.Sub(walkDeadline), end, r.cfg.Resolve.ReserveHalfLife)
	}
	res.Attempts, res.Cost, res.Shared = attempts, money(cost), shared && fromWalk
	if lerrs == nil {
		return res, nil
	}
	errs = append(errs, lerrs...)
	if w != nil && w.budgetBlocked {
		errs = append(errs, ErrBudgetExhausted)
	}
	return Result{Attempts: attempts, Cost: money(cost)}, &ResolveError{DataType: dt.cfg.Name, Attempts: attempts, Errs: errs}
}

// deadline is the deadline of a resolve of ctx that started at start:
// ctx's, else Config.Resolve.Deadline from start.
func (r *Resolver) deadline(ctx context.Context, start time.Time) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return start.Add(r.cfg.Resolve.Deadline)
}

// expired returns ctx's error, or context.DeadlineExceeded when ctx is
// not done yet but deadline is not after now: a timer runs late on a
// loaded host, and the timer of a deadline of microseconds has not fired
// when a resolve reaches it.
func expired(ctx context.Context, deadline, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !now.Before(deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// coalescedWalk shares one walk through the providers among concurrent
// resolves of key. The walk runs with the first caller's deadline and
// budget, detached from its cancellation; every caller waits for it only
// until its own walk deadline, then goes on to the local layers alone
// (one the walk failed for its first caller's deadline or budget walks
// again first: see walk.cutShortFor).
// When the last caller waiting for it leaves — cancelled, or past its
// walk deadline — the walk starts nothing more (SkipUnwanted): no retry,
// hedge or later tier for nobody, on a budget whose owner has gone (see
// waiting). An attempt in flight goes on: it is paid for, and its answer
// is cached and published (a fill claim the walk won is honoured).
// shared reports whether this caller got another's walk; owed and
// owedCost are then what that walk spent after its leader left it that no
// resolve reported before (see walk.claim).
func (r *Resolver) coalescedWalk(ctx context.Context, dt *dataType, key string, params Params, walkDeadline time.Time) (w *walk, shared bool, owed []Attempt, owedCost int64) {
	var leader atomic.Bool
	var mine atomic.Pointer[walk] // the walk this resolve leads, once started
	ws := r.waiting.join(key)
	// Left before what this resolve reports of the walk is claimed: the
	// last to leave marks the walk unwanted first, so that it starts no
	// attempt after the claim that nobody would report.
	leave := sync.OnceFunc(func() { r.waiting.leave(key, ws, func() { r.flights.Forget(key) }) })
	defer leave()
	ch := r.flights.DoChan(key, func() (any, error) {
		leader.Store(true)
		if !r.tasks.add(dt.walkTask) {
			return (*walk)(nil), ErrClosed
		}
		defer r.tasks.done(dt.walkTask)
		wctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), walkDeadline)
		defer cancel()
		wctx = withUnwanted(wctx, &ws.unwanted)
		w := r.newWalk(wctx, dt, key, params, walkDeadline)
		ws.walk.Store(w)
		if !mine.CompareAndSwap(nil, w) {
			// Its leader left before it started: what it spends is the
			// followers' to report, from the start.
			w.claim()
		}
		return r.walk(wctx, w), nil
	})
	// A follower reports what the walk spent after its leader left it
	// (cancelled, the walk going on for the others): the part no resolve
	// has reported yet, so that the resolves of the walk report between
	// them all it spent (see walk.claim).
	follower := func(w *walk) (*walk, bool, []Attempt, int64) {
		leave()
		lw := w // the walk served; else the one waited for (a key's waiters may outlast its flight: the latest)
		if lw == nil {
			lw = ws.walk.Load()
		}
		if lw != nil && lw.hasLeft() {
			owed, owedCost = lw.claim()
		}
		return w, true, owed, owedCost
	}
	timer := time.NewTimer(time.Until(walkDeadline))
	defer timer.Stop()
	select {
	case res := <-ch:
		w, _ := res.Val.(*walk)
		if !leader.Load() {
			return follower(w)
		}
		return w, false, nil, 0
	case <-ctx.Done():
	case <-timer.C:
	}
	// Our part of the deadline is over; the walk may still finish for the
	// others. Take it if it just did.
	select {
	case res := <-ch:
		w, _ := res.Val.(*walk)
		if !leader.Load() {
			return follower(w)
		}
		return w, false, nil, 0
	default:
	}
	if !mine.CompareAndSwap(nil, walkGone) {
		// This resolve's own walk, on its budget: what it has spent so
		// far is this resolve's, attempts under way included.
		leave()
		return mine.Load().leftBehind(), false, nil, 0
	}
	// No walk of this resolve's has started (should its flight start one
	// now, it starts as left: see above).
	if !leader.Load() {
		return follower(nil)
	}
	leave()
	return nil, false, nil, 0
}

// walkGone marks, in place of the walk a resolve leads, that it left
// before its walk started (see coalescedWalk).
var walkGone = new(walk)

// waiting counts, by key, the resolves waiting for the key's coalesced
// walk. The walk is detached from its first caller's cancellation, since
// the others may still want its answer; when the last of them leaves, the
// walk is marked unwanted (it starts nothing more), and the key is
// forgotten by the flights so that the next resolve starts a walk of its
// own rather than joining the ending one.
type waiting struct {
	mu sync.Mutex
	m  map[string]*waiters // requires mu
}

// waiters are the resolves waiting for one walk of a key.
type waiters struct {
	n        int         // requires waiting.mu
	unwanted atomic.Bool // set when the last waiter left
	walk     atomic.Pointer[walk]
}

// unwantedKey carries a coalesced walk's unwanted flag in its context.
type unwantedKey struct{}

func withUnwanted(ctx context.Context, f *atomic.Bool) context.Context {
	return context.WithValue(ctx, unwantedKey{}, f)
}

// unwantedOf returns ctx's unwanted flag; nil for a walk of one resolve.
func unwantedOf(ctx context.Context) *atomic.Bool {
	f, _ := ctx.Value(unwantedKey{}).(*atomic.Bool)
	return f
}

// join counts a resolve waiting for key's walk.
func (w *waiting) join(key string) *waiters {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = make(map[string]*waiters)
	}
	ws := w.m[key]
	if ws == nil {
		ws = &waiters{}
		w.m[key] = ws
	}
	ws.n++
	return ws
}

// leave counts a resolve that stopped waiting for key's walk; the last
// to leave marks the walk unwanted and calls forget.
func (w *waiting) leave(key string, ws *waiters, forget func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ws.n--; ws.n > 0 {
		return
	}
	ws.unwanted.Store(true)
	if w.m[key] == ws {
		delete(w.m, key)
		forget()
	}
}

// finish reports a resolve of ctx that started at start (zero for a
// fresh cache hit, which is not timed) and ended at end to the observer.
func (r *Resolver) finish(ctx context.Context, dt *dataType, params Params, res *Result, err error, start, end time.Time) {
	if r.obs == nil {
		return
	}
	var latency time.Duration // a fresh cache hit is not timed
	if !start.IsZero() {
		latency = end.Sub(start)
	}
	r.observeCtx(context.WithoutCancel(ctx), Event{
		Kind:       EventResolve,
		Time:       end,
		DataType:   dt.cfg.Name,
		Params:     r.redact(dt, params),
		Layer:      res.Layer,
		Source:     res.Source,
		Value:      res.Value,
		Confidence: res.Confidence,
		Cost:       res.Cost,
		Latency:    latency,
		Shared:     res.Shared,
		Resolve:    resolveIDOf(ctx, r),
		Err:        err,
	})
}

// resolveIDKey carries a resolve's identity (Event.Resolve) in its
// context, to the events of its walk.
type resolveIDKey struct{}

func withResolveID(ctx context.Context, id uint64) context.Context {
	return context.WithValue(ctx, resolveIDKey{}, id)
}

// resolveIDOf returns the identity of the resolve ctx belongs to; a fresh
// cache hit, which made no walk, takes a new one now.
func resolveIDOf(ctx context.Context, r *Resolver) uint64 {
	if id, ok := ctx.Value(resolveIDKey{}).(uint64); ok {
		return id
	}
	if r == nil {
		return 0
	}
	return resolveIDs.Add(1)
}

// Key returns the canonical key of a data type and its params: the key the
// resolver caches the answers under and records their history under
// (stats.History), so a host can load its own history before the first
// resolve. It validates like Resolve. The format is
//
//	data_type?name=value&name=value
//
// with params in name order, '%', '&', '=' and '?' in values
// percent-escaped, and a sensitive param's value replaced by its keyed
// hash. ParseKey reads it back.
func (r *Resolver) Key(dataType string, params Params) (string, error) {
	dt, ok := r.types[dataType]
	if !ok {
		return "", &DataTypeError{DataType: dataType}
	}
	return dt.schema.key(params)
}
