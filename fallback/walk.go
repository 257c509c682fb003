package fallback

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/router"
	"github.com/strata-go/strata/stats"
)

// walk is one walk through the provider tiers for a key.
type walk struct {
	r        *Resolver
	dt       *dataType
	key      string
	params   Params
	deadline time.Time // the walk's: the caller's deadline less the reserve
	budget   *Budget
	ref      cache.Entry // what answers are judged against (see reference)
	hasRef   bool
	refOnce  sync.Once
	cached   bool                    // ref is the key's last good answer, not its history's
	events   context.Context         // the events' (see Observer); nil without an observer
	unwanted *atomic.Bool            // set when no resolve waits for the walk any more; nil: one resolve's own walk
	handoff  time.Duration           // the least the plan leaves a later tier's candidate (see candidateNeeds)
	fleet    *cache.Entry            // a shared answer refused against the key's history: a second opinion (judge)
	calls    atomic.Int32            // attempts started
	auditing atomic.Bool             // an answer is held for an audit: the attempts from then on are the audit's (Attempt.Audit)
	cut      context.CancelCauseFunc // cancels the walk's context (walk): an audit's wait is over (holdForAudit)
	// forgetSeq is where the resolver's forgetLog stood when the walk
	// began, or its refresh-ahead was asked for (forgetHeld: the
	// refresh holds it): the walk keeps nothing of a key a later Forget
	// matched.
	forgetSeq  uint64
	forgetHeld bool

	mu            sync.Mutex  // guards the fields below: hedged attempts run concurrently
	auditTimer    *time.Timer // cuts the audit when its wait is over (holdForAudit); stopped as the walk ends
	walked        bool        // the walk has ended: no audit timer starts
	attempts      []Attempt
	cost          int64                       // nano-units, summed as a budget sums them (see money)
	inflight      map[*pendingAttempt]Attempt // attempts started and not settled, as a resolve that leaves first reports them
	budgetBlocked bool
	suspects      []suspect // implausible answers awaiting a second opinion
	// Once the resolve leading a coalesced walk has left it (leftBehind),
	// what the walk spends is reported by the resolves still waiting
	// (claim): owed holds the attempts settled since the last claim,
	// reported the attempts under way a claim reported, with the cost it
	// reported for each.
	left     bool
	owed     []Attempt
	reported map[*pendingAttempt]float64

	// Set by the walking goroutine only.
	ok     bool
	result Result
	// lone is a garbage-shaped implausible answer nobody gave a second
	// opinion on, served flagged only when the local layers below the
	// cache cannot answer (see serveLone).
	lone *Result
	errs []error
}

// walkProviders tries the primary tier, then the secondary tier, until a
// provider answers a valid value, and caches the answer and records it in
// the key's history. With claims on (Config.Cache.Claim) it first claims
// the key in the shared tier, and serves the answer of another instance
// that holds the claim when that answer appears in time (awaitClaim).
// Within a tier the router picks the providers best first, each after the
// outcome of the one before was recorded; with hedging on, a slow provider
// gets company. The walk follows the deadline
// plan (see ResolveConfig): while a later tier has a candidate, a tier may
// use only the time that leaves that candidate its expected latency.
// Close cancels the walk.
func (r *Resolver) walkProviders(ctx context.Context, dt *dataType, key string, params Params, deadline time.Time) *walk {
	return r.walk(ctx, r.newWalk(ctx, dt, key, params, deadline))
}

// walk runs w (see walkProviders).
func (r *Resolver) walk(ctx context.Context, w *walk) *walk {
	dt, key, deadline := w.dt, w.key, w.deadline
	if !w.forgetHeld {
		w.forgetSeq = r.forgets.begin()
		defer r.forgets.end(w.forgetSeq)
	}
	w.ref, w.hasRef = r.cache.LastGood(key)
	w.cached = w.hasRef
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	defer context.AfterFunc(r.life, cancel)()
	ctx, w.cut = context.WithCancelCause(ctx)
	defer w.cut(nil)
	defer w.stopAudit()

	tiers := dt.tiers()
	if e, ok := w.awaitClaim(ctx, tiers[:]); ok {
		if !r.forgets.forgotten(w.forgetSeq, key) {
			r.cache.Put(key, e, dt.currentTTL())
		}
		w.ok, w.result = true, cachedResult(e, dt, time.Since(e.ObservedAt))
		return w
	}
	var next *tierRun // a later tier a hedge across tiers has started
	for i, t := range tiers {
		if len(t.provs) == 0 {
			continue
		}
		run := next
		if run == nil {
			run = w.startTier(t, w.planFor(tiers[i+1:]))
		}
		var later *tier
		if dt.cfg.Hedge.AcrossTiers && i+1 < len(tiers) && len(tiers[i+1].provs) > 0 {
			later = &tiers[i+1]
		}
		var won bool
		if won, next = w.runTier(ctx, run, later); won {
			return w
		}
		if ctx.Err() != nil {
			break
		}
	}
	if next != nil {
		w.fail(next)
	}
	w.serveLone()
	return w
}

// newWalk returns a walk of key with nothing recorded yet, its budget and
// its events' context taken from ctx.
func (r *Resolver) newWalk(ctx context.Context, dt *dataType, key string, params Params, deadline time.Time) *walk {
	// The walk's own copy of the params: it may outlive its caller's
	// resolve (a coalesced walk others wait for, an attempt left running),
	// and the caller may reuse its map once Resolve returns.
	w := &walk{r: r, dt: dt, key: key, params: maps.Clone(params), deadline: deadline, budget: BudgetFrom(ctx), unwanted: unwantedOf(ctx), fleet: fleetOpinionOf(ctx)}
	// The reserve a resolve keeps is the configured one, at most a
	// quarter of its deadline: a third of what the walk gets then.
	w.handoff = min(r.cfg.Resolve.Reserve, time.Until(deadline)/3)
	if r.obs != nil {
		w.events = context.WithoutCancel(ctx)
	}
	return w
}

// everyBreakerOpen reports whether every provider of dt has its breaker
// open, as in a blackout once the breakers have opened. It is read before
// coalescing, so it looks at nothing a caller's own budget or another
// walk's quota use could change: a resolve that finds a walk of its key
// in flight for any other reason joins it.
func (r *Resolver) everyBreakerOpen(dt *dataType) bool {
	for _, t := range dt.tiers() {
		for _, p := range t.provs {
			if p.breaker.State() != breaker.Open {
				return false
			}
		}
	}
	return true
}

// walkNobody is the walk when everyBreakerOpen: each provider recorded as
// skipped, each tier as failed, with no context, goroutine or coalescing
// — there is no call to share. ok is false, and nothing is recorded, when
// a provider has become eligible meanwhile (its breaker half-open): the
// caller then walks the providers as usual.
func (r *Resolver) walkNobody(ctx context.Context, dt *dataType, key string, params Params, deadline time.Time) (w *walk, ok bool) {
	w = r.newWalk(ctx, dt, key, params, deadline)
	runs := make([]*tierRun, 0, 2)
	for _, t := range dt.tiers() {
		if len(t.provs) == 0 {
			continue
		}
		run := w.readTier(t, deadline)
		if run.hasNext() {
			return nil, false
		}
		runs = append(runs, run)
	}
	for _, run := range runs {
		w.fail(w.startTierRun(run))
	}
	return w, true
}

// tier is one tier of a data type's providers.
type tier struct {
	layer Layer
	provs []*provider
	pool  *router.Pool
}

// tiers returns dt's tiers, primary first.
func (dt *dataType) tiers() [2]tier {
	return [2]tier{{LayerPrimary, dt.primary, dt.pools[0]}, {LayerSecondary, dt.secondary, dt.pools[1]}}
}

// planFor returns how long the tier before later may walk: up to the
// walk's deadline less the expected latency of the best provider the
// later tiers have now (its observed p95, else its expected latency), or
// the walk's deadline when they have none, or when that provider could not
// answer before it even with all the time left: keeping time for it would
// only take it from this tier (a secondary expected at 3s behind a 2s
// deadline had the primaries skipped, then timed out itself). Whether it
// could is judged by its expected latency alone, as tryProvider judges it:
// one that fits only without the margin still has its time kept.
func (w *walk) planFor(later []tier) time.Time {
	for _, t := range later {
		if d, latency, ok := w.candidateNeeds(t); ok {
			if time.Until(w.deadline) < latency {
				return w.deadline
			}
			return w.deadline.Add(-d)
		}
	}
	return w.deadline
}

// candidateNeeds is the time the plan leaves tier t's best provider now:
// its expected latency and a margin more — what runs before it ends a
// little after its share (timers fire late), and the candidate must still
// find its expected latency left — and never less than the reserve the
// resolve keeps (w.handoff): a candidate that answered in microseconds
// still needs the hand-off (a timer, a goroutine woken) to happen in
// time. latency is the candidate's expected latency. ok is false when t
// has no candidate.
func (w *walk) candidateNeeds(t tier) (need, latency time.Duration, ok bool) {
	if len(t.provs) == 0 {
		return 0, 0, false
	}
	now := time.Now()
	states := make([]router.State, len(t.provs))
	for i, p := range t.provs {
		states[i] = p.state(now)
	}
	i, _, ok := t.pool.Pick(states, w.remaining(), now)
	if !ok {
		return 0, 0, false
	}
	d := w.expectedLatency(t.provs[i])
	return max(d+time.Duration(float64(d)*w.r.cfg.Resolve.PlanMargin), w.handoff), d, true
}

// expectedLatency is what the plan leaves a provider: its observed p95,
// else its configured expected latency.
func (w *walk) expectedLatency(p *provider) time.Duration {
	if v := w.r.tracker.View(p.name, w.dt.cfg.Name, time.Now()); v.P95 > 0 {
		return v.P95
	}
	return p.cfg.ExpectedLatency
}

// remaining is the budget left for the router, Unlimited without one.
func (w *walk) remaining() float64 {
	if w.budget == nil {
		return router.Unlimited
	}
	return w.budget.Remaining()
}

// tierRun is a tier being walked: its providers' breaker and limiter
// states, read when it started, and which providers are done with.
type tierRun struct {
	tier
	until  time.Time      // the tier's share of the deadline (planFor)
	states []router.State // a provider done with has no capacity left
	done   []bool         // taken or recorded as skipped
	budget float64
	hedges int     // hedges started in the tier
	errs   []error // the failures of its providers
}

// startTier reads a tier's breakers, limiters and budget (readTier), and
// records the providers ineligible now as skipped.
func (w *walk) startTier(t tier, until time.Time) *tierRun {
	return w.startTierRun(w.readTier(t, until))
}

// startTierRun records the providers of run, just read, that are
// ineligible now as skipped.
func (w *walk) startTierRun(run *tierRun) *tierRun {
	now := time.Now()
	for i := range run.provs {
		w.skipIfIneligible(run, i, now)
	}
	return run
}

// readTier reads a tier's breakers, limiters and budget, recording
// nothing.
func (w *walk) readTier(t tier, until time.Time) *tierRun {
	now := time.Now()
	run := &tierRun{tier: t, until: until, states: make([]router.State, len(t.provs)), done: make([]bool, len(t.provs)), budget: w.remaining()}
	for i, p := range t.provs {
		run.states[i] = p.state(now)
	}
	return run
}

// take hands out the best provider left, picked from the health views as
// they are now, or nil when none is left.
func (run *tierRun) take() *provider {
	i, _, ok := run.pool.Pick(run.states, run.budget, time.Now())
	if !ok {
		return nil
	}
	run.done[i], run.states[i].Capacity = true, 0
	return run.provs[i]
}

// finish records the providers of a failed tier that were neither taken
// nor skipped (the router would not pick them any more: a reported quota
// ran out meanwhile) as skipped.
func (w *walk) finish(run *tierRun) {
	now := time.Now()
	for i := range run.provs {
		if !run.done[i] {
			w.skipIfIneligible(run, i, now)
		}
	}
}

// skipIfIneligible records provider i of run as skipped, and done with,
// when the router will not pick it at now.
func (w *walk) skipIfIneligible(run *tierRun, i int, now time.Time) {
	var reason SkipReason
	switch run.pool.Eligibility(i, run.states[i], run.budget, now) {
	case router.Eligible:
		return
	case router.NoCapacity:
		reason = SkipRateLimited
	case router.OverBudget:
		reason = SkipOverBudget
		w.mu.Lock()
		w.budgetBlocked = true
		w.mu.Unlock()
		w.r.budgetAlert(w.events, w.budget, true, now)
	default:
		reason = SkipBreakerOpen
	}
	w.skip(run.provs[i], reason, 0, false)
	run.done[i], run.states[i].Capacity = true, 0
}

// outcome is one provider's answer or failure in a tier.
type outcome struct {
	p    *provider
	run  *tierRun
	resp providers.Response
	err  error
}

// A flight is one provider's turn in a tier's run: tryProvider in a
// goroutine the tier starts, the provider called in that goroutine. The
// goroutine isolates the walk from the provider: the tier waits on its
// results channel, and when an attempt's context ends before its provider
// returns, the attempt's watchdog settles it and carries the flight on,
// so the flight ends on time whatever the provider does.
type flight struct {
	p       *provider
	run     *tierRun
	results chan<- outcome // buffered for every flight the tier can start
	ended   atomic.Bool
}

// end delivers the flight's outcome to its tier, once. It ignores
// errFlightEnded (a goroutine a watchdog took the flight over from: the
// watchdog's goroutine ends it); a nil flight (no tier waiting) does
// nothing.
func (f *flight) end(resp providers.Response, err error) {
	if f == nil || errors.Is(err, errFlightEnded) || !f.ended.CompareAndSwap(false, true) {
		return
	}
	f.results <- outcome{f.p, f.run, resp, err}
}

// hasNext reports whether take would hand out a provider now.
func (run *tierRun) hasNext() bool {
	_, _, ok := run.pool.Pick(run.states, run.budget, time.Now())
	return ok
}

// runTier tries run's providers best first until one answers, and
// records the outcome: the winner's answer, or an error per tier that
// failed. With hedging on, the next provider starts when the current one
// has not answered by its hedge delay (at most MaxHedges per tier); with
// later set (hedging across tiers), a tier with nobody left to hedge to
// hedges with later's best, and the run of later so started is returned
// for the walk to go on with.
func (w *walk) runTier(ctx context.Context, run *tierRun, later *tier) (won bool, next *tierRun) {
	hedge := w.dt.cfg.Hedge
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan outcome, len(w.dt.primary)+len(w.dt.secondary))
	inflight := 0
	start := func(p *provider, r *tierRun, isHedge bool) {
		inflight++
		f := &flight{p: p, run: r, results: results}
		go func() {
			f.end(w.tryProvider(hctx, p, r.until, isHedge, f))
		}()
	}
	var timer *time.Timer
	var timerC <-chan time.Time
	armTimer := func(p *provider) {
		switch d := w.hedgeDelay(p); {
		case !hedge.Enabled:
		case timer == nil:
			timer = time.NewTimer(d)
			timerC = timer.C
		default:
			timer.Reset(d)
		}
	}
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()

	if p := run.take(); p != nil {
		start(p, run, false)
		armTimer(p)
	}
	var winner *outcome
	for inflight > 0 {
		select {
		case res := <-results:
			inflight--
			if res.err == nil && winner == nil {
				winner = &res
				cancel() // the others lose
				continue
			}
			if res.err != nil {
				res.run.errs = append(res.run.errs, fmt.Errorf("%s: %w", res.p.name, res.err))
			}
			if winner == nil && inflight == 0 && hctx.Err() == nil {
				// Nothing in flight: the next of this tier (later's
				// turn comes when the walk reaches it).
				if p := run.take(); p != nil {
					start(p, run, false)
					armTimer(p)
				}
			}
		case <-timerC:
			if winner != nil || hctx.Err() != nil {
				continue
			}
			r := run
			if !run.hasNext() {
				if later == nil {
					continue
				}
				if next == nil {
					// Look into later afresh at every hedge: it starts
					// (its ineligible providers recorded) only when it
					// has someone to hedge with.
					ahead := w.readTier(*later, w.deadline)
					if !ahead.hasNext() {
						continue
					}
					next = w.startTier(*later, w.deadline)
				}
				r = next
			}
			if r.hedges >= hedge.MaxHedges {
				continue
			}
			p := r.take()
			if p == nil {
				continue
			}
			if !p.retries.acquire() {
				w.skip(p, SkipRetryBudget, 0, true)
				continue
			}
			r.hedges++
			start(p, r, true)
			defer p.retries.release() // a hedge counts against the budget while the tier runs
			armTimer(p)
		}
	}
	if winner != nil {
		p, layer, resp, disputed := w.verdict(winner.p, winner.run.layer, winner.resp)
		w.settleSuspects(winner.p, winner.resp.Value)
		w.succeed(p, layer, resp)
		if disputed {
			w.result.Confidence *= w.r.plaus.cfg.Penalty
		}
		return true, next
	}
	w.fail(run)
	return false, next
}

// fail records a failed tier: the providers left as skipped, and the
// tier's error.
func (w *walk) fail(run *tierRun) {
	w.finish(run)
	errs := run.errs
	if len(errs) == 0 {
		errs = []error{errors.New("no eligible provider")}
	}
	w.errs = append(w.errs, &LayerError{Layer: run.layer, Err: errors.Join(errs...)})
}

// hedgeDelay is how long to wait for p before hedging: the configured
// delay, else p's observed p95 latency, else its expected latency.
func (w *walk) hedgeDelay(p *provider) time.Duration {
	if d := w.dt.cfg.Hedge.Delay; d > 0 {
		return d
	}
	return w.expectedLatency(p)
}

// succeed records a provider's valid answer: the walk's result, the cache
// and the key's history.
func (w *walk) succeed(p *provider, layer Layer, resp providers.Response) {
	now := time.Now()
	w.ok = true
	w.result = w.answer(p, layer, resp, now)
	observed := w.result.ObservedAt
	if r := w.r.cfg.Retention; r > 0 && now.Sub(observed) > r {
		// Older than the retention on arrival: served, not kept — not
		// cached, shared or added to the history, which would only
		// delete it (and Import would refuse it as expired).
		return
	}
	if w.r.forgets.forgotten(w.forgetSeq, w.key) {
		// Forget matched the key after the walk began: served to whoever
		// still waits, not kept, as Forget promises.
		return
	}
	// A Forget that comes while the answer is being kept deletes what
	// was kept before it said so; what is kept after, the walk deletes.
	defer w.unkeepIfForgotten()
	e := cache.Entry{
		Value:      resp.Value,
		ObservedAt: observed,
		StoredAt:   now,
		Source:     p.name,
		Confidence: p.cfg.Confidence,
		Layer:      uint8(layer),
	}
	if prev, ok := w.r.cache.LastGood(w.key); ok {
		w.dt.learn(prev, resp.Value, observed)
		w.r.plaus.learn(w.dt, prev, resp.Value, observed)
	}
	w.r.plaus.accepted(w.key)
	w.r.cache.Put(w.key, e, w.dt.currentTTL())
	w.r.peers.add(w.dt, w.key, w.params)
	w.r.storeSet(w.key, e, w.dt)
	// At most one observation per key and period; a history the host owns
	// may fail, and the answer stands regardless.
	if w.r.gate.admit(w.key, w.dt.cfg.Period.Index(observed)) {
		ctx, cancel := context.WithTimeout(w.r.life, w.r.cfg.Cache.StoreTimeout)
		defer cancel()
		if _, err := guarded(ctx, w.r, &w.r.callbacks.historyAppend, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, w.r.history.Append(ctx, w.key, stats.Observation{At: observed, Value: resp.Value})
		}); err != nil && (errors.Is(err, ErrCallbackPanic) || ctx.Err() != nil) {
			w.r.callbackFailed(&w.r.callbacks.historyAppend, w.dt.cfg.Name, err)
		}
	}
}

// answer is the result p's valid answer resp makes at now, dated no
// later than now.
func (w *walk) answer(p *provider, layer Layer, resp providers.Response, now time.Time) Result {
	observed := resp.ObservedAt
	if observed.IsZero() || observed.After(now) {
		observed = now
	}
	return Result{
		Value:      resp.Value,
		Layer:      layer,
		Source:     p.name,
		Confidence: p.cfg.Confidence,
		Freshness:  cache.Freshness(now.Sub(observed), w.dt.cfg.HalfLife),
		ObservedAt: observed,
	}
}

// settleSuspects tells plausibility what the answer v the walk serves,
// from p, says of the implausible answers it held back from other
// providers: one it agrees with was confirmed; one it does not was
// refuted, and its provider is caught (see plausibility.refuted) when the
// answer was garbage-shaped — a frozen-looking repeat, or a unit error or
// a zero against v (see garbageShaped) — or denied a move v confirms; a
// large move v refutes is not enough, since v may be the stale one. The
// answers a provider gave before are expired only when a frozen-looking
// repeat or a refuted denial catches it (dropCaught).
func (w *walk) settleSuspects(p *provider, v float64) {
	var caught []string
	w.mu.Lock()
	confirmsMove := false // v agrees with a move another provider reported
	for _, s := range w.suspects {
		if s.move && s.p != p && w.r.plaus.agrees(s.resp.Value, v) {
			confirmsMove = true
		}
	}
	// An audit's third opinion sides with one of the two answers it
	// settles, when it agrees with that one and not with the other.
	audited, auditing := w.auditedAnswer()
	confirmsAudit := auditing && audited.p != p && w.r.plaus.auditAgrees(audited.resp.Value, v)
	refutesAudit := false
	if auditing && audited.p != p && !confirmsAudit {
		for _, d := range w.suspects {
			if d.disputes && d.p != p && w.r.plaus.auditAgrees(d.resp.Value, v) {
				refutesAudit = true
			}
		}
	}
	for _, s := range w.suspects {
		// A denial of a move two providers now agree on: its feed has
		// not seen what they have (lagging or frozen on the last good
		// answer), as a refuted repeat's has not. So with an audit: of
		// the audited answer and the second opinion disputing it, the
		// one the third refutes and the other's agrees with is off the
		// truth (a drifting feed).
		stale := s.contradicts && confirmsMove ||
			s.disputes && confirmsAudit && !w.r.plaus.auditAgrees(s.resp.Value, v) ||
			s.audit && refutesAudit
		switch {
		case s.p == p:
		case w.r.plaus.agrees(s.resp.Value, v):
			w.r.plaus.confirmed(w.dt, w.key, s.p.name, s.resp.Value, time.Now())
		case s.frozen || stale || w.r.plaus.garbageShaped(s.resp.Value, v):
			if w.r.plaus.refuted(w.dt, s.p.name, time.Now()) && (s.frozen || stale) {
				caught = append(caught, s.p.name)
			}
		}
	}
	w.mu.Unlock()
	for _, name := range caught {
		w.r.dropCaught(w.dt, name, time.Now())
	}
}

// dropCaught expires the answers a provider just caught serving a frozen
// feed gave for dt that the cache still holds as fresh (stored less than
// the data type's TTL ago): the feed may have been frozen when it gave
// them, and the cache would serve them for the rest of their TTL without
// asking anyone. The next resolve of each of those keys walks the
// providers, where the caught provider's answer gets a second opinion;
// the entries stay the keys' last good answers for the layers below. It
// returns how many entries it expired.
func (r *Resolver) dropCaught(dt *dataType, provider string, now time.Time) int {
	ttl := dt.currentTTL()
	return r.cache.Expire(func(key string, e cache.Entry) bool {
		if e.Source != provider || now.Sub(e.StoredAt) >= ttl {
			return false
		}
		return keyDataType(key) == dt.cfg.Name
	})
}

// echoesFrozen reports whether p's plausible answer v is, exactly, another
// provider's suspect that looks frozen (a repeat) and p's own last answer
// for the key too: what feeds copying one stuck upstream answer.
func (w *walk) echoesFrozen(p *provider, v float64) bool {
	w.mu.Lock()
	echo := false
	for _, s := range w.suspects {
		if s.repeat && s.p != p && s.resp.Value == v {
			echo = true
			break
		}
	}
	w.mu.Unlock()
	return echo && w.r.plaus.repeating(w.key, p.name, v)
}

// suspect is an implausible answer awaiting a second opinion. frozen
// marks one asked about as a frozen feed's might be — a repeat, or any
// answer of a caught provider; repeat, one that looks frozen itself;
// move, a move beyond the check that a plausible answer denying it does
// not refute on its own (see walk.contradicts); contradicts, a plausible
// answer held back for denying another's move or disputing an audited
// answer; audit, an answer the check accepted, held for an audit (see
// PlausibilityConfig.AuditRate); disputes, a plausible answer held back
// for disagreeing with it.
type suspect struct {
	p           *provider
	layer       Layer
	resp        providers.Response
	frozen      bool
	repeat      bool
	move        bool
	contradicts bool
	audit       bool
	disputes    bool
}

// judge returns nil when p's answer v is plausible (see
// PlausibilityConfig), or confirms an implausible answer of another
// provider; otherwise it keeps the answer as a suspect and returns why it
// is not trusted.
func (w *walk) judge(p *provider, resp providers.Response, now time.Time) *ImplausibleError {
	if w.r.plaus.cfg.Disabled {
		return nil
	}
	w.refOnce.Do(w.reference)
	ie := w.r.plaus.judge(w.dt, w.key, p.name, resp.Value, w.ref, w.hasRef, now)
	if ie == nil {
		switch move, audit, ok := w.contradicts(p, resp.Value); {
		case w.echoesFrozen(p, resp.Value):
			// It is a frozen-looking suspect's very value, repeated: feeds
			// copying one stuck upstream vouch for each other (the provider
			// answered too rarely to be suspected on its own). A repeat,
			// not a second opinion.
			ie = &ImplausibleError{Value: resp.Value, Reference: w.ref.Value, Frozen: true}
		case ok:
			// Plausible, but another provider reported a move it denies,
			// or disputes an audited answer: one of them has not seen the
			// truth (a lagging, frozen or drifting feed, or an outlier).
			// A third is asked before either is believed; with nobody to
			// ask, the audited answer or else this one serves
			// (serveLone).
			ie = &ImplausibleError{Value: resp.Value, Reference: w.ref.Value, Contradicts: move, Audit: audit}
		case w.holdForAudit(p, resp):
			return &ImplausibleError{Value: resp.Value, Reference: w.ref.Value, Audit: true}
		default:
			return nil
		}
	}
	// A zero, or a change by a power of ten, is what a shared upstream's
	// unit error or outage gives every provider that copies it: agreement
	// does not make it real, persistence does (see persisted).
	garbage := w.hasRef && w.r.plaus.garbageShaped(resp.Value, w.ref.Value)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.suspects {
		if s.p == p || garbage || !w.r.plaus.agrees(s.resp.Value, resp.Value) {
			continue
		}
		if s.frozen && ie.Frozen {
			continue // two feeds repeating themselves vouch for nothing
		}
		if s.frozen {
			w.r.plaus.verified(w.key, s.p.name, now)
		}
		return nil // a second opinion: the change is real
	}
	if f := w.fleet; f != nil && !garbage && !ie.Frozen && w.r.plaus.agrees(f.Value, resp.Value) {
		// The fleet's answer, refused only against the key's history
		// (this process has none of its own), agrees: another instance
		// has seen and accepted the move.
		return nil
	}
	if !ie.Frozen && ie.Contradicts == 0 && w.r.plaus.persisted(w.key, resp.Value, w.ref, w.hasRef, now) {
		return nil // answered for ConfirmAfter, never refuted: real
	}
	layer := LayerPrimary
	if p.cfg.Tier == Secondary {
		layer = LayerSecondary
	}
	// A move worth a third opinion when a plausible answer denies it: not
	// garbage-shaped (a plausible answer refutes a unit error or a zero on
	// its own), from a provider not caught serving garbage.
	move := !ie.Frozen && ie.Contradicts == 0 && w.hasRef && !garbage && !w.r.plaus.isCaught(w.dt, p.name, now)
	w.suspects = append(w.suspects, suspect{p: p, layer: layer, resp: resp, frozen: ie.Frozen, repeat: ie.Frozen && !ie.Caught, move: move, contradicts: ie.Contradicts != 0, disputes: ie.Audit && ie.Contradicts != 0})
	return ie
}

// holdForAudit reports whether p's answer resp, which the check accepted,
// is audited (see PlausibilityConfig.AuditRate), and if so holds it as the
// walk's audited answer: no question is pending in the walk, the draw
// says so, and the audit can be afforded (canAudit) within its wait
// (auditWait). When the wait is over before the walk, the walk's context
// is cancelled (errAuditWait): the attempts under way are cut as a lost
// hedge's are, nothing more starts, and serveLone serves the audited
// answer.
func (w *walk) holdForAudit(p *provider, resp providers.Response) bool {
	w.mu.Lock()
	pending := len(w.suspects) > 0
	w.mu.Unlock()
	if pending || w.isUnwanted() || !w.r.plaus.audits(w.dt, w.key, p.name, resp.Value) {
		return false
	}
	wait, bounded := w.auditWait()
	if !w.canAudit(p, wait) {
		return false
	}
	layer := LayerPrimary
	if p.cfg.Tier == Secondary {
		layer = LayerSecondary
	}
	w.mu.Lock()
	w.suspects = append(w.suspects, suspect{p: p, layer: layer, resp: resp, audit: true})
	if bounded && w.cut != nil && w.auditTimer == nil && !w.walked {
		cut := w.cut
		w.auditTimer = time.AfterFunc(wait, func() { cut(errAuditWait) })
	}
	w.mu.Unlock()
	w.auditing.Store(true)
	return true
}

// errAuditWait is the cause of a walk's context cancelled when its
// audit's wait was over (see PlausibilityConfig.AuditWait).
var errAuditWait = errors.New("the audit's wait is over")

// auditWait is how long an audit held now may hold the walk: AuditWait of
// the time the walk has left. bounded is false when that is the walk's
// deadline itself (AuditWait 1).
func (w *walk) auditWait() (wait time.Duration, bounded bool) {
	left := time.Until(w.deadline)
	if share := w.r.plaus.cfg.AuditWait; share < 1 {
		return time.Duration(share * float64(left)), true
	}
	return left, false
}

// stopAudit stops the audit's timer, if one started, as the walk ends.
func (w *walk) stopAudit() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.walked = true
	if w.auditTimer != nil {
		w.auditTimer.Stop()
	}
}

// canAudit reports whether a provider of the walk's data type other than
// p, and not tried in the walk yet, could give a second opinion now: the
// router would pick it (its breaker, its rate limit, the resolve's
// budget) and the audit's wait — within the walk's deadline, the
// caller's less the reserve kept for the local layers — leaves it its
// expected latency. An audit nobody can afford is not started: it would
// only record skips.
func (w *walk) canAudit(p *provider, left time.Duration) bool {
	now := time.Now()
	budget := w.remaining()
	w.mu.Lock()
	tried := make(map[string]bool, len(w.attempts)+len(w.inflight))
	for _, a := range w.attempts {
		tried[a.Provider] = true
	}
	for _, a := range w.inflight {
		tried[a.Provider] = true
	}
	w.mu.Unlock()
	for _, t := range w.dt.tiers() {
		for i, q := range t.provs {
			if q == p || tried[q.name] || left < w.expectedLatency(q) {
				continue
			}
			if t.pool.Eligibility(i, q.state(now), budget, now) == router.Eligible {
				return true
			}
		}
	}
	return false
}

// auditedAnswer returns the answer held for an audit in the walk (see
// holdForAudit), if there is one. It requires w.mu held.
func (w *walk) auditedAnswer() (suspect, bool) {
	for _, s := range w.suspects {
		if s.audit {
			return s, true
		}
	}
	return suspect{}, false
}

// disputed reports whether a plausible answer disputing the audited
// answer is held (see suspect.disputes). It requires w.mu held.
func (w *walk) disputed() bool {
	return slices.ContainsFunc(w.suspects, func(s suspect) bool { return s.disputes })
}

// verdict is what the walk serves when p's answer resp, from layer, wins
// a tier: resp itself, but while an answer is held for an audit, the
// audited answer when resp agrees with it (within AuditTolerance) — the
// answer the walk would have served without the audit — or when resp
// agrees with no disputing answer either, disputed then (its confidence
// to be lowered): one provider's word against another's settles nothing.
// resp, when it sides with a disputing answer, is served.
func (w *walk) verdict(p *provider, layer Layer, resp providers.Response) (*provider, Layer, providers.Response, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	a, ok := w.auditedAnswer()
	if !ok || a.p == p {
		return p, layer, resp, false
	}
	if w.r.plaus.auditAgrees(a.resp.Value, resp.Value) {
		w.answered(a)
		return a.p, a.layer, a.resp, false
	}
	for _, d := range w.suspects {
		if d.disputes && d.p != p && w.r.plaus.auditAgrees(d.resp.Value, resp.Value) {
			return p, layer, resp, false
		}
	}
	w.answered(a)
	return a.p, a.layer, a.resp, w.disputed()
}

// contradicts returns the move another provider reported in this walk
// (held back as implausible, see suspect.move) that p's plausible answer
// v denies — v is nowhere near it — if there is one and no plausible
// answer is held for denying a move yet: one third opinion is asked for,
// and a plausible answer after it is taken (it agrees with the denial,
// or is as plausible as it), so a contradiction costs one call, not the
// rest of the tiers. A third opinion that is the move's unit error (see
// garbageShaped) is held too: taken, it would serve garbage and catch
// the move's provider as the one serving it. So with the answer held for
// an audit (audit set): v disputes it when it is further than
// AuditTolerance from it, and a third opinion settles it.
func (w *walk) contradicts(p *provider, v float64) (move float64, audit, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, held := w.heldDenial()
	for _, s := range w.suspects {
		if s.move && s.p != p && !w.r.plaus.agrees(s.resp.Value, v) && (!held || w.r.plaus.garbageShaped(v, s.resp.Value)) {
			return s.resp.Value, false, true
		}
		if s.audit && s.p != p && !held && !w.r.plaus.auditAgrees(s.resp.Value, v) {
			// It disputes the audited answer: a third settles it.
			return s.resp.Value, true, true
		}
	}
	return 0, false, false
}

// reference reads, for a key the process has no answer for, the key's
// history reference (historyReference): a key's first answer after a
// restart, or on a new instance, is judged too.
func (w *walk) reference() {
	if w.hasRef {
		return
	}
	ctx, cancel := context.WithDeadline(w.r.life, w.deadline)
	defer cancel()
	w.ref, w.hasRef = w.r.historyReference(ctx, w.dt, w.key)
}

// historyReference is what a key's answer is judged by when the process
// has none of its own: the median of the newest ReferencePoints
// observations of its history, or of the fleet's shared history when its
// own has none, dated as the newest. A median, so that one bad
// observation another instance wrote does not become the reference.
func (r *Resolver) historyReference(ctx context.Context, dt *dataType, key string) (cache.Entry, bool) {
	obs, _, err := r.readHistory(ctx, dt, key, true)
	if err != nil || len(obs) == 0 {
		obs, _ = r.sharedObservations(ctx, dt, key, time.Now())
	}
	if len(obs) == 0 {
		return cache.Entry{}, false
	}
	newest := obs[max(len(obs)-r.cfg.Plausibility.ReferencePoints, 0):]
	at := newest[len(newest)-1].At
	if len(newest)%2 == 0 {
		// An odd count, so that the median is a value an observation had
		// (the mean of [truth, ×10] would be neither): without the newest.
		newest = newest[:len(newest)-1]
	}
	values := make([]float64, len(newest))
	for i, o := range newest {
		values[i] = o.Value
	}
	slices.Sort(values)
	return cache.Entry{Value: values[len(values)/2], ObservedAt: at}, true
}

// serveLone serves a walk's one implausible answer when no provider gave
// a second opinion and the key's last good answer is not acceptable: with
// its confidence lowered and flagged, neither cached nor added to the
// history.
func (w *walk) serveLone() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ok { // a plausible answer won
		return
	}
	if s, ok := w.auditedAnswer(); ok {
		// Nobody settled the audit: the audited answer is served as it
		// would have been without it, and with less confidence when
		// another provider disputed it (one word against another's).
		w.answered(s)
		w.succeed(s.p, s.layer, s.resp)
		if w.disputed() {
			w.result.Confidence *= w.r.plaus.cfg.Penalty
		}
		return
	}
	if s, ok := w.heldDenial(); ok {
		// Plausible, and nobody answered to settle it against the
		// move it denies: served as it would have been without the
		// question (the move waits for confirmation, see persisted).
		w.answered(s)
		w.succeed(s.p, s.layer, s.resp)
		return
	}
	s, ok := w.loneSuspect()
	if !ok {
		return
	}
	// Garbage-shaped — a zero, a power of ten from the last good answer
	// or from the change pending for the key (see persisted) — or
	// frozen-looking, it gives way to an acceptable last good answer; a
	// move of another size is served, flagged.
	shaped := s.frozen || w.hasRef && w.r.plaus.garbageShaped(s.resp.Value, w.ref.Value)
	if pending, ok := w.r.plaus.pendingChange(w.key); ok && !shaped && w.hasRef {
		shaped = w.r.plaus.garbageOf(s.resp.Value, pending, w.ref.Value)
	}
	if shaped && w.cached {
		now := time.Now()
		if _, ok := w.r.accept.Accept(w.ref.Confidence, cache.Freshness(now.Sub(w.ref.ObservedAt), w.dt.cfg.HalfLife)); ok {
			return // the local layers serve the last good answer
		}
	}
	if s.frozen {
		// Nobody to ask whether the feed is frozen or the value stable:
		// it is taken as it would have been without the question, and
		// its attempt says it answered.
		w.answered(s)
		w.succeed(s.p, s.layer, s.resp)
		return
	}
	now := time.Now()
	observed := s.resp.ObservedAt
	if observed.IsZero() || observed.After(now) {
		observed = now
	}
	res := Result{
		Value:       s.resp.Value,
		Layer:       s.layer,
		Source:      s.p.name,
		Confidence:  s.p.cfg.Confidence * w.r.plaus.cfg.Penalty,
		Freshness:   cache.Freshness(now.Sub(observed), w.dt.cfg.HalfLife),
		ObservedAt:  observed,
		Implausible: true,
	}
	if shaped {
		// Most likely wrong by the power of ten: a forecast or a default
		// answers first, and this only when they cannot.
		w.lone = &res
		return
	}
	w.ok, w.result = true, res
}

// answered records that suspect s, held back as implausible, answers the
// walk after all: its attempt, failed DataQuality for the question, is
// the one that succeeded. It requires w.mu held.
func (w *walk) answered(s suspect) { answeredIn(w.attempts, s) }

// answeredIn marks the attempt of attempts that held back suspect s as
// the one that succeeded (see walk.answered).
func answeredIn(attempts []Attempt, s suspect) {
	for i := len(attempts) - 1; i >= 0; i-- {
		a := &attempts[i]
		var ie *ImplausibleError
		if a.Provider == s.p.name && a.Outcome == Failed && errors.As(a.Err, &ie) && ie.Value == s.resp.Value {
			a.Outcome, a.Class, a.Err = Succeeded, 0, nil
			return
		}
	}
}

// heldDenial returns the first plausible answer held back for denying
// another provider's move (see suspect.contradicts), if there is one. It
// requires w.mu held.
func (w *walk) heldDenial() (suspect, bool) {
	for _, s := range w.suspects {
		if s.contradicts {
			return s, true
		}
	}
	return suspect{}, false
}

// loneSuspect returns the walk's one implausible answer without a second
// opinion. Of two or more, an answer a power of ten from another, and
// further from the last good answer than it, is the other's unit error
// and is set aside; what is left must be one answer. It requires w.mu
// held.
func (w *walk) loneSuspect() (suspect, bool) {
	if len(w.suspects) == 1 {
		return w.suspects[0], true
	}
	if !w.hasRef || len(w.suspects) == 0 {
		return suspect{}, false
	}
	var left []suspect
	for _, a := range w.suspects {
		if a.frozen {
			return suspect{}, false
		}
		outdone := false
		for _, b := range w.suspects {
			if a.p != b.p && w.r.plaus.garbageOf(a.resp.Value, b.resp.Value, w.ref.Value) {
				outdone = true
				break
			}
		}
		if !outdone {
			left = append(left, a)
		}
	}
	if len(left) != 1 {
		return suspect{}, false
	}
	return left[0], true
}

// cutShortFor reports whether w, a coalesced walk a resolve of ctx
// joined, ended with no answer for a limit of its first caller's that
// the resolve does not share: its deadline, earlier than the resolve's
// walkDeadline, when the walk ran to it or skipped an attempt for time;
// or its budget, when that skipped one and the resolve brings another.
// Such a resolve, with time left, may walk again on its own.
func (w *walk) cutShortFor(ctx context.Context, walkDeadline time.Time) bool {
	if w == nil || w.ok || w.lone != nil || ctx.Err() != nil || !time.Now().Before(walkDeadline) {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.budgetBlocked && BudgetFrom(ctx) != w.budget {
		return true
	}
	if !w.deadline.Before(walkDeadline) {
		return false
	}
	return !time.Now().Before(w.deadline) || slices.ContainsFunc(w.attempts, func(a Attempt) bool {
		return a.Skip == SkipNoTime || a.Skip == SkipNextTier
	})
}

// unkeepIfForgotten deletes what succeed kept of the walk's key when a
// Forget matched the key while it was being kept (see forgetLog.add):
// the in-process answer and market peer, the history series when the
// history can delete one, and the shared tier's entry — after dropping the writes for the
// shared tier and shared history succeed queued once that Forget had let
// go of the queue, and waiting for those under way, which would land
// after the deletes.
func (w *walk) unkeepIfForgotten() {
	if !w.r.forgets.forgotten(w.forgetSeq, w.key) {
		return
	}
	w.r.cache.Delete(w.key)
	w.r.peers.forget(func(k string) bool { return k == w.key })
	ctx, cancel := context.WithTimeout(w.r.life, w.r.cfg.Cache.StoreTimeout)
	defer cancel()
	hold, err := w.r.fleet.holds.hold(ctx, w.r.life.Done(), func(k string) bool { return k == w.key })
	if err != nil {
		return // closed, or a write under way outlasted the store timeout: nothing more to do in time
	}
	defer w.r.fleet.holds.release(hold)
	if d, ok := w.r.history.(stats.Deleter); ok {
		if _, err := guarded(ctx, w.r, &w.r.callbacks.historyDelete, func(ctx context.Context) (bool, error) { return d.Delete(ctx, w.key) }); err != nil {
			w.r.callbackFailed(&w.r.callbacks.historyDelete, w.dt.cfg.Name, err)
		}
	}
	if w.r.store != nil {
		if _, err := guarded(ctx, w.r, &w.r.callbacks.storeDeleteKey, func(ctx context.Context) (bool, error) { return w.r.store.Delete(ctx, w.key) }); err != nil {
			w.r.callbackFailed(&w.r.callbacks.storeDeleteKey, w.dt.cfg.Name, err)
		}
	}
}

// notFound reports whether the walk's providers all said "not found": at
// least one attempt was made, every attempt made failed Permanent, and
// every provider skipped was called too (a skipped retry or hedge of it).
// A provider the walk never called — this caller's budget or deadline
// could not cover it, its breaker was open, its rate limit spent — has
// not said it has nothing: cached, the "not found" would keep it from
// every resolve for the negative TTL, also from those that could ask it.
func (w *walk) notFound() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	made := 0
	for _, a := range w.attempts {
		if a.Outcome == Skipped {
			continue
		}
		if a.Outcome != Failed || a.Class != providers.Permanent {
			return false
		}
		made++
	}
	for _, a := range w.attempts {
		if a.Outcome == Skipped && !slices.ContainsFunc(w.attempts, func(b Attempt) bool { return b.Provider == a.Provider && b.Outcome != Skipped }) {
			return false
		}
	}
	return made > 0
}

// skip records a provider that was not called.
func (w *walk) skip(p *provider, reason SkipReason, retry int, hedge bool) {
	w.record(Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Skipped, Skip: reason, Retry: retry, Hedge: hedge}, time.Time{})
}

// record appends an attempt that ended at (zero: now, read only when
// needed), counts its cost and reports it to the observer.
func (w *walk) record(a Attempt, at time.Time) { w.settle(nil, a, at) }

// started notes pa, an attempt under way, as a resolve that leaves before
// it settles reports it (see sofar).
func (w *walk) started(pa *pendingAttempt, a Attempt) {
	w.calls.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.inflight == nil {
		w.inflight = map[*pendingAttempt]Attempt{}
	}
	w.inflight[pa] = a
}

// sofar returns the attempts and the cost so far: those settled, then
// those under way (see started), each as the attempt's start describes
// it, Lost, with its cost — it is paid for, and will not serve the
// resolve that asks.
func (w *walk) sofar() ([]Attempt, float64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	attempts, cost := slices.Clone(w.attempts), w.cost
	pending := slices.SortedFunc(maps.Keys(w.inflight), func(a, b *pendingAttempt) int { return a.start.Compare(b.start) })
	for _, pa := range pending {
		a := w.inflight[pa]
		if pa.state.Load() != callMade {
			a.Cost = 0 // not called (yet): it may never be, and then is refunded
		}
		attempts = append(attempts, a)
		cost += toNano(a.Cost)
	}
	return attempts, money(cost)
}

// claim returns what the walk has spent that no resolve has reported yet,
// and marks it reported: at the first claim (the leader leaving, see
// leftBehind), everything so far as sofar describes it; at each later one
// (a follower served or leaving, see coalescedWalk), the attempts settled
// since, and those under way not reported before. An attempt reported
// under way is reported again when it settles only for what its settling
// changed (a call made since: its cost). So the resolves of a walk whose
// leader left report between them, each part once, what it spent.
func (w *walk) claim() ([]Attempt, int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var attempts []Attempt
	if w.left {
		attempts, w.owed = w.owed, nil
	} else {
		attempts, w.left = slices.Clone(w.attempts), true
	}
	var cost int64
	for _, a := range attempts {
		cost += toNano(a.Cost)
	}
	pending := slices.SortedFunc(maps.Keys(w.inflight), func(a, b *pendingAttempt) int { return a.start.Compare(b.start) })
	for _, pa := range pending {
		if _, done := w.reported[pa]; done {
			continue
		}
		a := w.inflight[pa]
		if pa.state.Load() != callMade {
			a.Cost = 0 // not called (yet): it may never be, and then is refunded
		}
		if w.reported == nil {
			w.reported = map[*pendingAttempt]float64{}
		}
		w.reported[pa] = a.Cost
		attempts = append(attempts, a)
		cost += toNano(a.Cost)
	}
	return attempts, cost
}

// isUnwanted reports whether no resolve waits for the walk any more (see
// waiting); never for the walk of one resolve.
func (w *walk) isUnwanted() bool { return w.unwanted != nil && w.unwanted.Load() }

// hasLeft reports whether the walk's leader has left it (see claim).
func (w *walk) hasLeft() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.left
}

// leftBehind is what a resolve that leaves its walk before the walk ends
// reports of it (see claim): a walk that has not answered, with the
// attempts and the cost so far — or, when the walk holds a plausible
// answer back for denying another provider's move while a third is
// asked, a walk that answered it: that answer is what the walk serves
// when no third settles the question in time (serveLone), and the
// resolve leaving would otherwise pay for it and serve a lower layer.
// The walk itself still caches what it ends with.
func (w *walk) leftBehind() *walk {
	attempts, cost := w.claim()
	w.mu.Lock()
	blocked := w.budgetBlocked
	held, ok := w.auditedAnswer()
	disputed := ok && w.disputed()
	if !ok {
		held, ok = w.heldDenial()
	}
	w.mu.Unlock()
	left := &walk{r: w.r, dt: w.dt, key: w.key, attempts: attempts, cost: cost, budgetBlocked: blocked}
	if ok {
		answeredIn(left.attempts, held)
		left.ok, left.result = true, w.answer(held.p, held.layer, held.resp, time.Now())
		if disputed {
			left.result.Confidence *= w.r.plaus.cfg.Penalty
		}
		return left
	}
	left.errs = []error{&LayerError{Layer: LayerPrimary, Err: errors.New("providers did not answer before the deadline")}}
	return left
}

// settle is record for pa, an attempt noted as started (nil: none): it
// is no longer under way once it is recorded.
func (w *walk) settle(pa *pendingAttempt, a Attempt, at time.Time) {
	if w.auditing.Load() && !isAuditHold(a.Err) {
		a.Audit = true
	}
	w.mu.Lock()
	if pa != nil {
		delete(w.inflight, pa)
	}
	w.attempts = append(w.attempts, a)
	w.cost += toNano(a.Cost)
	if w.left {
		if c, ok := w.reported[pa]; ok && pa != nil {
			// Reported under way: only what its settling changed is owed.
			delete(w.reported, pa)
			if a.Cost != c {
				d := a
				d.Cost -= c
				w.owed = append(w.owed, d)
			}
		} else {
			w.owed = append(w.owed, a)
		}
	}
	w.mu.Unlock()
	c := toNano(a.Cost)
	if at.IsZero() && (c > 0 || w.r.obs != nil) {
		at = time.Now()
	}
	if c > 0 {
		w.r.metrics.spend(at, c)
	}
	if w.r.obs != nil {
		w.r.observeCtx(w.events, Event{
			Kind:     EventAttempt,
			Time:     at,
			DataType: w.dt.cfg.Name,
			Params:   w.r.redact(w.dt, w.params),
			Provider: a.Provider,
			Tier:     a.Tier,
			Outcome:  a.Outcome,
			Class:    a.Class,
			Skip:     a.Skip,
			Retry:    a.Retry,
			Hedge:    a.Hedge,
			Audit:    a.Audit,
			Latency:  a.Latency,
			Cost:     a.Cost,
			Resolve:  resolveIDOf(w.events, nil),
			Err:      a.Err,
		})
	}
}

// isAuditHold reports whether err is an answer's held for an audit (see
// holdForAudit): that attempt is the audited one, not the audit's.
func isAuditHold(err error) bool {
	var ie *ImplausibleError
	return errors.As(err, &ie) && ie.Audit && ie.Contradicts == 0
}

// state is what the router needs of p beside its health at now.
func (p *provider) state(now time.Time) router.State {
	return router.State{BreakerOpen: p.breaker.State() == breaker.Open, Capacity: p.capacity(now)}
}
