package fallback

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/failsafe-go/failsafe-go"

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
	deadline time.Time
	budget   *Budget

	mu            sync.Mutex // guards the fields below: hedged attempts run concurrently
	attempts      []Attempt
	cost          float64
	budgetBlocked bool

	// Set by the walking goroutine only.
	ok     bool
	result Result
	errs   []error
}

// walkProviders tries the primary tier, then the secondary tier, until a
// provider answers a valid value. Within a tier the router orders the
// eligible providers; with hedging on, a slow provider gets company. The
// answer is cached and recorded in the key's history.
func (r *Resolver) walkProviders(ctx context.Context, dt *dataType, key string, params Params, deadline time.Time) *walk {
	w := &walk{r: r, dt: dt, key: key, params: params, deadline: deadline, budget: BudgetFrom(ctx)}
	if d, ok := ctx.Deadline(); !ok || d.After(deadline) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	tiers := []tier{{LayerPrimary, dt.primary, dt.pools[0]}, {LayerSecondary, dt.secondary, dt.pools[1]}}
	if h := dt.cfg.Hedge; h.Enabled && h.AcrossTiers {
		// One walk down both tiers: a slow last primary is hedged with
		// the best secondary.
		w.tryTiers(ctx, &chain{w: w, tiers: tiers}, true)
		return w
	}
	for _, t := range tiers {
		if len(t.provs) == 0 {
			continue
		}
		if w.tryTiers(ctx, &chain{w: w, tiers: []tier{t}}, dt.cfg.Hedge.Enabled && len(t.provs) > 1) || ctx.Err() != nil {
			break
		}
	}
	return w
}

// tier is one tier of a data type's providers.
type tier struct {
	layer Layer
	provs []*provider
	pool  *router.Pool
}

// tryTiers tries the chain's providers, hedged or one after another, and
// records the outcome: the winner's answer, or an error per tier tried.
func (w *walk) tryTiers(ctx context.Context, c *chain, hedge bool) bool {
	var resp providers.Response
	var winner *provider
	var layer Layer
	var errs [numLayers][]error
	if hedge {
		resp, winner, layer = w.hedged(ctx, c, &errs)
	} else {
		resp, winner, layer = w.sequential(ctx, c, &errs)
	}
	if winner != nil {
		w.succeed(winner, layer, resp)
		return true
	}
	c.finish()
	for _, t := range c.started {
		e := errs[t]
		if len(e) == 0 {
			e = append(e, errors.New("no eligible provider"))
		}
		w.errs = append(w.errs, &LayerError{Layer: t, Err: errors.Join(e...)})
	}
	return false
}

// notFound reports whether the walk's providers all said "not found": at
// least one attempt was made and every attempt made failed Permanent.
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
	return made > 0
}

// picker hands a tier's eligible providers out best first. The tier's
// breakers, rate limiters and the remaining budget are read once, when
// the picker is made; the providers ineligible then are recorded as
// skipped when the tier starts, and never picked. Each next provider is
// picked when the walk needs it, from the health views as they are at
// that moment, so a tier whose first provider answers costs one pick,
// whatever its size. A provider eligible at the start that the router
// will not pick any more (its reported quota ran out meanwhile) is
// recorded as skipped when the tier runs out.
type picker struct {
	w      *walk
	layer  Layer
	pool   *router.Pool
	provs  []*provider
	states []router.State // a provider done with has no capacity left
	done   []bool         // taken or recorded as skipped
	budget float64
	now    time.Time // when the states were read
	peeked int       // picked but not yet taken, or -1

	// Room for a small tier's states, so a picker is one allocation.
	statesBuf [4]router.State
	doneBuf   [4]bool
}

// newPicker reads a tier's breakers, limiters and budget.
func (w *walk) newPicker(t tier) *picker {
	n := len(t.provs)
	pk := &picker{w: w, layer: t.layer, pool: t.pool, provs: t.provs, budget: router.Unlimited, now: time.Now(), peeked: -1}
	if n <= len(pk.statesBuf) {
		pk.states, pk.done = pk.statesBuf[:n], pk.doneBuf[:n]
	} else {
		pk.states, pk.done = make([]router.State, n), make([]bool, n)
	}
	if w.budget != nil {
		pk.budget = w.budget.Remaining()
	}
	for i, p := range t.provs {
		pk.states[i] = router.State{BreakerOpen: p.breaker.State() == breaker.Open, Capacity: p.capacity(pk.now)}
	}
	return pk
}

// start records the providers ineligible at the picker's making as
// skipped.
func (pk *picker) start() {
	for i := range pk.provs {
		pk.skipIfIneligible(i, pk.now)
	}
}

// settle records the providers neither taken nor skipped that the router
// will not pick at now as skipped; it reports whether any is left.
func (pk *picker) settle(now time.Time) bool {
	left := false
	for i := range pk.provs {
		if !pk.done[i] && !pk.skipIfIneligible(i, now) {
			left = true
		}
	}
	return left
}

// skipIfIneligible records provider i as skipped, and done with, when the
// router will not pick it at now.
func (pk *picker) skipIfIneligible(i int, now time.Time) bool {
	var reason SkipReason
	switch pk.pool.Eligibility(i, pk.states[i], pk.budget, now) {
	case router.Eligible:
		return false
	case router.NoCapacity:
		reason = SkipRateLimited
	case router.OverBudget:
		reason = SkipOverBudget
		pk.w.mu.Lock()
		pk.w.budgetBlocked = true
		pk.w.mu.Unlock()
	default:
		reason = SkipBreakerOpen
	}
	pk.w.skip(pk.provs[i], reason, 0, false)
	pk.done[i], pk.states[i].Capacity = true, 0
	return true
}

// peek returns the provider take would return, or nil when none is left
// for now. It records nothing.
func (pk *picker) peek() *provider {
	if pk.peeked < 0 {
		i, _, ok := pk.pool.Pick(pk.states, pk.budget, time.Now())
		if !ok {
			return nil
		}
		pk.peeked = i
	}
	return pk.provs[pk.peeked]
}

// take hands out the next provider, or nil when none is left, recording
// then the providers the router gave up on as skipped.
func (pk *picker) take() *provider {
	for {
		if p := pk.peek(); p != nil {
			pk.done[pk.peeked], pk.states[pk.peeked].Capacity = true, 0
			pk.peeked = -1
			return p
		}
		if !pk.settle(time.Now()) {
			return nil
		}
		// Eligible again by now (the views moved): pick again.
	}
}

// chain hands out the providers of its tiers in turn. A tier starts (its
// ineligible providers recorded as skipped) when a provider is taken
// from it; peek only looks ahead, with a fresh reading of the next tier
// each time, so a tier looked into for a hedge that did not start is read
// again when the walk does reach it.
type chain struct {
	w       *walk
	tiers   []tier  // not started yet
	cur     *picker // the tier being walked, or nil
	ahead   *picker // the next tier as the last peek read it, or nil
	started []Layer // the tiers started, in order
}

// peek returns the provider take would return and its tier's layer, or
// nil when none is left.
func (c *chain) peek() (*provider, Layer) {
	c.ahead = nil
	if c.cur != nil {
		if p := c.cur.peek(); p != nil {
			return p, c.cur.layer
		}
	}
	for _, t := range c.tiers {
		if len(t.provs) == 0 {
			continue
		}
		pk := c.w.newPicker(t)
		if p := pk.peek(); p != nil {
			c.ahead = pk
			return p, t.layer
		}
		// Nothing in this tier now; take will start it, and go on.
	}
	return nil, 0
}

// take hands out the next provider and its layer, starting tiers as it
// reaches them, or nil when none is left. After a peek it hands out the
// provider the peek returned.
func (c *chain) take() (*provider, Layer) {
	ahead := c.ahead
	c.ahead = nil
	for {
		if c.cur != nil {
			if p := c.cur.take(); p != nil {
				return p, c.cur.layer
			}
		}
		if len(c.tiers) == 0 {
			return nil, 0
		}
		t := c.tiers[0]
		c.tiers = c.tiers[1:]
		if len(t.provs) == 0 {
			continue
		}
		pk := ahead
		if pk != nil && pk.layer == t.layer {
			ahead = nil
		} else {
			pk = c.w.newPicker(t)
		}
		pk.start()
		c.cur = pk
		c.started = append(c.started, t.layer)
	}
}

// finish records, when the walk failed, the providers of the tier it was
// in that the router would not pick any more.
func (c *chain) finish() {
	if c.cur != nil {
		c.cur.settle(time.Now())
	}
}

// sequential tries the providers one after another, filing each failure
// under its tier in errs.
func (w *walk) sequential(ctx context.Context, c *chain, errs *[numLayers][]error) (providers.Response, *provider, Layer) {
	for p, layer := c.take(); p != nil; p, layer = c.take() {
		if ctx.Err() != nil {
			errs[layer] = append(errs[layer], fmt.Errorf("%s: %w", p.name, ctx.Err()))
			break
		}
		resp, err := w.tryProvider(ctx, p, false)
		if err == nil {
			return resp, p, layer
		}
		errs[layer] = append(errs[layer], fmt.Errorf("%s: %w", p.name, err))
	}
	return providers.Response{}, nil, 0
}

type tierResult struct {
	p     *provider
	layer Layer
	resp  providers.Response
	err   error
}

// hedged tries the providers in order, starting the next one early when
// the current one has not answered by its hedge delay; at most MaxHedges
// hedges start in each tier. The first valid answer wins; the others are
// cancelled and recorded as lost. Failures are filed under their tiers in
// errs.
func (w *walk) hedged(ctx context.Context, c *chain, errs *[numLayers][]error) (providers.Response, *provider, Layer) {
	if p, _ := c.peek(); p == nil {
		return providers.Response{}, nil, 0
	}
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan tierResult, len(w.dt.primary)+len(w.dt.secondary))
	inflight := 0
	var hedges [numLayers]int
	var won sync.Once
	start := func(hedge bool) *provider {
		p, layer := c.take()
		inflight++
		go func() {
			resp, err := w.tryProvider(hctx, p, hedge)
			results <- tierResult{p, layer, resp, err}
		}()
		return p
	}
	timer := time.NewTimer(w.hedgeDelay(start(false)))
	defer timer.Stop()
	var winner *tierResult
	for inflight > 0 {
		select {
		case res := <-results:
			inflight--
			if res.err == nil && winner == nil {
				winner = &res
				won.Do(cancel) // the others lose
				continue
			}
			if res.err != nil {
				errs[res.layer] = append(errs[res.layer], fmt.Errorf("%s: %w", res.p.name, res.err))
			}
			if winner == nil && inflight == 0 && hctx.Err() == nil {
				if next, _ := c.peek(); next != nil {
					timer.Reset(w.hedgeDelay(start(false)))
				}
			}
		case <-timer.C:
			if winner != nil || hctx.Err() != nil {
				continue
			}
			p, layer := c.peek()
			if p == nil || hedges[layer] >= w.dt.cfg.Hedge.MaxHedges {
				continue
			}
			if p.permits != nil && !p.permits.TryAcquirePermit() {
				// The hedge-to provider's retry budget is spent.
				continue
			}
			hedges[layer]++
			start(true)
			if p.permits != nil {
				// The hedge's permit covers its start; the budget counts
				// in-flight extra work, released when the attempt ends.
				defer p.permits.ReleasePermit()
			}
			timer.Reset(w.hedgeDelay(p))
		}
	}
	if winner != nil {
		return winner.resp, winner.p, winner.layer
	}
	return providers.Response{}, nil, 0
}

// hedgeDelay is how long to wait for p before hedging: the configured
// delay, else p's observed p95 latency, else its expected latency.
func (w *walk) hedgeDelay(p *provider) time.Duration {
	if d := w.dt.cfg.Hedge.Delay; d > 0 {
		return d
	}
	v := w.r.tracker.View(p.name, w.dt.cfg.Name, time.Now())
	if v.P95 > 0 {
		return v.P95
	}
	return p.cfg.ExpectedLatency
}

// succeed records a provider's valid answer: the walk's result, the cache
// and the key's history.
func (w *walk) succeed(p *provider, layer Layer, resp providers.Response) {
	now := time.Now()
	observed := resp.ObservedAt
	if observed.IsZero() || observed.After(now) {
		observed = now
	}
	w.ok = true
	w.result = Result{
		Value:      resp.Value,
		Layer:      layer,
		Source:     p.name,
		Confidence: p.cfg.Confidence,
		Freshness:  cache.Freshness(now.Sub(observed), w.dt.cfg.HalfLife),
		ObservedAt: observed,
	}
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
	}
	w.r.cache.Put(w.key, e, w.dt.currentTTL())
	w.r.storeSet(w.key, e, w.dt)
	// At most one observation per key and period; a history the host owns
	// may fail, and the answer stands regardless.
	if w.r.gate.admit(w.key, w.dt.cfg.Period.Index(observed)) {
		_ = w.r.history.Append(context.Background(), w.key, stats.Observation{At: observed, Value: resp.Value})
	}
}

// skip records a provider that was not called.
func (w *walk) skip(p *provider, reason SkipReason, retry int, hedge bool) {
	w.record(Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Skipped, Skip: reason, Retry: retry, Hedge: hedge})
}

// record appends an attempt and reports it to the observer.
func (w *walk) record(a Attempt) {
	w.mu.Lock()
	w.attempts = append(w.attempts, a)
	w.cost += a.Cost
	w.mu.Unlock()
	if c := toNano(a.Cost); c > 0 {
		w.r.metrics.cost.Add(c)
	}
	if w.r.obs != nil {
		w.r.obs.Observe(Event{
			Kind:     EventAttempt,
			Time:     time.Now(),
			DataType: w.dt.cfg.Name,
			Params:   w.r.redact(w.dt, w.params),
			Provider: a.Provider,
			Tier:     a.Tier,
			Outcome:  a.Outcome,
			Class:    a.Class,
			Skip:     a.Skip,
			Retry:    a.Retry,
			Hedge:    a.Hedge,
			Latency:  a.Latency,
			Cost:     a.Cost,
			Err:      a.Err,
		})
	}
}

// errSkipped is the cause recorded for a provider that was not called.
type errSkipped SkipReason

func (e errSkipped) Error() string { return "skipped: " + SkipReason(e).String() }

// tryProvider runs one provider through its policy stack: retries by
// error class, each attempt admitted by the breaker, the rate limit, the
// bulkhead and the budget, bounded by the provider's timeout and the
// walk's deadline.
func (w *walk) tryProvider(ctx context.Context, p *provider, hedge bool) (providers.Response, error) {
	if time.Until(w.deadline) < p.cfg.ExpectedLatency {
		w.skip(p, SkipNoTime, 0, hedge)
		return providers.Response{}, errSkipped(SkipNoTime)
	}
	c := &call{w: w, p: p, ctx: ctx, hedge: hedge}
	// The first attempt runs directly: a success never enters the retry
	// executor. It counts as an execution for the retry budget, as the
	// executor would count it.
	if p.executions != nil {
		p.executions.RecordExecution()
	}
	resp, err := c.attempt(1)
	if p.executions != nil {
		p.executions.ReleaseExecution()
	}
	if err == nil {
		return resp, nil
	}
	d, _ := err.(*retryDecision)
	if d == nil || !d.retry {
		return providers.Response{}, unwrapDecision(err)
	}
	// Retries are run by failsafe-go's retry policy: the first execution
	// replays the first attempt's outcome, so the policy applies its
	// delay, budget and attempt count from there.
	resp, err = p.exec.WithContext(ctx).GetWithExecution(func(exec failsafe.Execution[providers.Response]) (providers.Response, error) {
		if n := exec.Attempts(); n > 1 {
			return c.attempt(n)
		}
		return providers.Response{}, d
	})
	if err != nil {
		return providers.Response{}, unwrapDecision(err)
	}
	return resp, nil
}

// unwrapDecision returns the attempt's classified error behind a retry
// decision.
func unwrapDecision(err error) error {
	var d *retryDecision
	if errors.As(err, &d) {
		return d.err
	}
	return err
}

// call is one provider's part of a walk: the state its attempts share.
type call struct {
	w         *walk
	p         *provider
	ctx       context.Context
	refreshed bool
	hedge     bool
}

// admit runs the per-attempt gates, cheapest first, and returns the
// breaker permit. A refusal is recorded as a skip.
func (c *call) admit(n int) (breaker.Permit, SkipReason) {
	w, p := c.w, c.p
	reason := SkipNone
	var permit breaker.Permit
	if !p.acquireSlot() {
		reason = SkipBusy
	} else if p.throttle != nil && !p.throttle.TryAcquirePermit() {
		reason = SkipThrottled
	} else if !w.r.allowRate(c.ctx, p) {
		reason = SkipRateLimited
	} else if w.budget != nil && !w.budget.TryDebit(p.price) {
		reason = SkipOverBudget
		w.mu.Lock()
		w.budgetBlocked = true
		w.mu.Unlock()
	} else if pm, err := p.breaker.Acquire(); err != nil {
		reason = SkipBreakerOpen
		if w.budget != nil {
			w.budget.Refund(p.price) // not called: not paid
		}
	} else {
		permit = pm
	}
	if reason != SkipNone {
		if reason != SkipBusy {
			p.releaseSlot()
		}
		w.skip(p, reason, n-1, c.hedge)
		return breaker.Permit{}, reason
	}
	return permit, SkipNone
}

// attempt makes one attempt and decides whether the retry policy should
// retry it, and after what delay.
func (c *call) attempt(n int) (providers.Response, error) {
	w, p := c.w, c.p
	permit, skipped := c.admit(n)
	if skipped != SkipNone {
		return providers.Response{}, &retryDecision{err: errSkipped(skipped)}
	}
	defer p.releaseSlot()

	req := providers.Request{DataType: w.dt.cfg.Name, Params: w.r.minimize(p, w.params)}
	if w.r.creds != nil {
		secret, err := w.r.creds.Credential(c.ctx, p.name)
		if err != nil {
			permit.Done(breaker.Neutral)
			err = scrub(providers.NewError(providers.Auth, fmt.Errorf("credentials: %w", err)), secretsOf(w.dt, w.params, providers.Secret{}))
			w.record(Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Failed, Class: providers.Auth, Err: err, Cost: p.price, Retry: n - 1, Hedge: c.hedge})
			return providers.Response{}, &retryDecision{err: err}
		}
		req.Credential = secret
	}

	start := time.Now()
	actx, cancel := context.WithDeadline(c.ctx, start.Add(min(p.cfg.Timeout, w.deadline.Sub(start))))
	resp, err := p.invoke(actx, req, &w.r.tasks)
	latency := time.Since(start)
	timedOut := errors.Is(actx.Err(), context.DeadlineExceeded)
	cancel()

	if err == nil {
		err = checkValue(w.dt, resp.Value)
	}
	outcome := router.Outcome{At: start.Add(latency), Latency: latency, Cost: p.price, Quota: routerQuota(resp.Quota)}
	if err == nil {
		permit.Done(breaker.Success)
		if p.throttle != nil {
			p.throttle.RecordSuccess()
		}
		outcome.OK, outcome.Valid = true, true
		w.r.tracker.Record(p.name, w.dt.cfg.Name, outcome)
		w.record(Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Succeeded, Latency: latency, Cost: p.price, Retry: n - 1, Hedge: c.hedge})
		return resp, nil
	}

	class := providers.Classify(err)
	lost := false
	if c.ctx.Err() != nil && !timedOut || errors.Is(c.ctx.Err(), context.Canceled) {
		// The walk's context ended under the attempt: the caller left or
		// another hedged attempt won. Not the provider's fault.
		class = providers.Canceled
		lost = c.hedge || errors.Is(c.ctx.Err(), context.Canceled)
	} else if timedOut && class == providers.Canceled {
		class = providers.Transient
	}
	var perr *providers.Error
	if !errors.As(err, &perr) || perr.Class != class {
		perr = &providers.Error{Class: class, Err: err, RetryAfter: providers.RetryAfter(err)}
	}
	// A provider may echo its request in its error: cut the sensitive
	// values and the credential out of what the resolver reports.
	reported := scrub(perr, secretsOf(w.dt, w.params, req.Credential))
	if class.ProviderFault() {
		permit.Done(breaker.Failure)
		if p.throttle != nil {
			p.throttle.RecordFailure()
		}
		outcome.Class = class.String()
		w.r.tracker.Record(p.name, w.dt.cfg.Name, outcome)
	} else {
		permit.Done(breaker.Neutral)
	}
	a := Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Failed, Class: class, Err: reported, Latency: latency, Cost: p.price, Retry: n - 1, Hedge: c.hedge}
	if lost {
		a.Outcome = Lost
	}
	w.record(a)

	d := &retryDecision{err: reported}
	switch {
	case !class.Retryable() || n >= p.retry.MaxAttempts:
	case class == providers.Auth:
		if c.refreshed || w.r.refresher == nil {
			break
		}
		c.refreshed = true
		if rerr := w.r.refresher.Refresh(c.ctx, p.name); rerr != nil {
			break
		}
		d.retry = true
	default:
		d.delay = p.backoffDelay(n, perr, class, timedOut)
		d.retry = true
	}
	if d.retry && time.Until(w.deadline) < d.delay+p.cfg.ExpectedLatency {
		d.retry = false // it could not finish in time: move on to the next source
	}
	if d.retry && w.budget != nil && !w.budget.CanAfford(p.price) {
		d.retry = false
	}
	return providers.Response{}, d
}

func routerQuota(q *providers.Quota) *router.Quota {
	if q == nil {
		return nil
	}
	return &router.Quota{Limit: q.Limit, Remaining: q.Remaining, Reset: q.Reset}
}
