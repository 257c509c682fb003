package fallback

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/router"
)

// errSkipped is the cause recorded for a provider that was not called.
type errSkipped SkipReason

func (e errSkipped) Error() string { return "skipped: " + SkipReason(e).String() }

// tryProvider runs one provider through its policy stack: attempts
// retried by error class, each admitted by the breaker, the rate limit,
// the bulkhead and the budget, each bounded by the provider's timeout and
// by until (the tier's share of the deadline). A retry starts only when
// the provider's retry budget allows it and what is left before until
// covers its delay and the provider's expected latency; the attempts
// record why one did not.
//
// The provider is called in the calling goroutine, f's (see flight): when
// an attempt's context ends before its provider returns, a watchdog
// settles the attempt as abandoned and carries f on (its retries, its
// end) in a goroutine of its own, and tryProvider returns errFlightEnded
// when the provider finally returns (with a nil f, which only a benchmark
// passes, the flight's outcome is then lost).
func (w *walk) tryProvider(ctx context.Context, p *provider, until time.Time, hedge bool, f *flight) (providers.Response, error) {
	if left := time.Until(until); left <= 0 || left < w.expectedLatency(p) && (until.Before(w.deadline) || hedge || w.calls.Load() > 0) {
		// No time at all; or p could not answer in what is left: skipped
		// when the deadline plan keeps the rest for a later tier's
		// candidate, for a hedge, and after another attempt of the walk.
		// The walk's first call, with no later tier, is made whenever time
		// is left, its timeout cut to fit: p's expected latency is only a
		// guess, and a deadline shorter than it would otherwise never call
		// anyone.
		reason := w.noTime(until)
		w.skip(p, reason, 0, hedge)
		return providers.Response{}, errSkipped(reason)
	}
	p.retries.begin()
	c := &call{w: w, p: p, ctx: ctx, until: until, hedge: hedge, flight: f}
	return c.from(1, false)
}

// from makes attempt n (a retry holding a retry-budget permit when retry)
// and the retries after it, until one answers or none is due.
func (c *call) from(n int, retry bool) (providers.Response, error) {
	for ; ; n++ {
		resp, err, next := c.attempt(n, retry)
		if errors.Is(err, errFlightEnded) {
			return resp, err // the watchdog carried the flight on
		}
		if !next {
			c.p.retries.end()
			return resp, err
		}
		retry = true
	}
}

// errFlightEnded is what an attempt's goroutine gets when the attempt's
// watchdog settled it first: the flight is the watchdog's from then on.
var errFlightEnded = errors.New("attempt settled by its watchdog")

// noTime is why nothing more can start before until: the walk's deadline
// (SkipNoTime), or the time the deadline plan leaves the next tier
// (SkipNextTier).
func (w *walk) noTime(until time.Time) SkipReason {
	if until.Before(w.deadline) {
		return SkipNextTier
	}
	return SkipNoTime
}

// call is one provider's part of a walk: the state its attempts share.
type call struct {
	w         *walk
	p         *provider
	ctx       context.Context
	until     time.Time
	refreshed bool
	hedge     bool
	flight    *flight // the tier's, told when a watchdog ends it; nil: none
}

// wait sleeps d, reporting false when the call's context ended first.
func (c *call) wait(d time.Duration) bool {
	if d <= 0 {
		return c.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// admit runs the per-attempt gates, cheapest first, and returns the
// breaker permit, and whether a token of p's local rate limit was taken
// (given back should the attempt not be made: see unpaid). A refusal is
// recorded as a skip. The rate limit is the last gate, a token being the
// one thing a refusal cannot always give back (a shared limiter has no
// way to): one is taken only for an attempt the others admitted.
func (c *call) admit(n int) (permit breaker.Permit, token bool, reason SkipReason) {
	w, p := c.w, c.p
	if !p.acquireSlot() {
		reason = SkipBusy
	} else if p.throttle != nil && !p.throttle.TryAcquirePermit() {
		reason = SkipThrottled
	} else if w.budget != nil && !w.budget.TryDebit(p.price) {
		reason = SkipOverBudget
		w.mu.Lock()
		w.budgetBlocked = true
		w.mu.Unlock()
		w.r.budgetAlert(w.events, w.budget, true, time.Time{})
	} else if pm, err := p.breaker.Acquire(); err != nil {
		reason = SkipBreakerOpen
		if w.budget != nil {
			w.budget.Refund(p.price) // not called: not paid
		}
	} else if ok, local := w.r.allowRate(c.ctx, p, c.until); !ok {
		reason = SkipRateLimited
		c.unpaid(pm, false)
	} else {
		permit, token = pm, local
		w.r.budgetAlert(w.events, w.budget, false, time.Time{})
	}
	if reason != SkipNone {
		if reason != SkipBusy {
			p.releaseSlot()
		}
		w.skip(p, reason, n-1, c.hedge)
		return breaker.Permit{}, false, reason
	}
	return permit, token, SkipNone
}

// attempt makes attempt number n (a retry holding a retry-budget permit
// when retry) and reports whether another is due; when one is, it has
// waited out the retry's delay and holds the retry's permit.
func (c *call) attempt(n int, retry bool) (resp providers.Response, err error, next bool) {
	w, p := c.w, c.p
	settled := false // the retry permit is released by settled from then on
	defer func() {
		if retry && !settled {
			p.retries.release()
		}
	}()
	if w.r.closed.Load() {
		// Close starts nothing new.
		w.skip(p, SkipClosed, n-1, c.hedge)
		return providers.Response{}, ErrClosed, false
	}
	if w.isUnwanted() {
		// Nobody waits for this walk any more: nothing new for nobody.
		w.skip(p, SkipUnwanted, n-1, c.hedge)
		return providers.Response{}, errSkipped(SkipUnwanted), false
	}
	if err := c.ctx.Err(); err != nil {
		return providers.Response{}, err, false
	}
	permit, token, skipped := c.admit(n)
	if skipped != SkipNone {
		return providers.Response{}, errSkipped(skipped), false
	}
	// The bulkhead slot is held until the provider returns — a call
	// abandoned at its timeout (a provider that ignores its context, a
	// batch still out) is still in flight, and MaxConcurrent bounds the
	// calls in flight — and no longer: not through a retry's delay.
	var slotFreed atomic.Bool
	release := func() {
		if slotFreed.CompareAndSwap(false, true) {
			p.releaseSlot()
		}
	}
	invoked := false // from then on invoke, or a batch, frees the slot
	defer func() {
		if !invoked {
			release()
		}
	}()

	req := providers.Request{DataType: w.dt.cfg.Name, Params: w.r.minimize(p, w.params)}
	if w.r.creds != nil {
		// Until the tier's share ends, as the shared limiter: a credential
		// store that hangs for p must not take the time the deadline plan
		// keeps for a later tier.
		cctx, cancel := context.WithDeadline(c.ctx, c.until)
		secret, err := guarded(cctx, w.r, &w.r.callbacks.credentials, func(ctx context.Context) (providers.Secret, error) {
			return w.r.creds.Credential(ctx, p.name)
		})
		cancel()
		if err != nil {
			if errors.Is(err, ErrCallbackPanic) || cctx.Err() != nil {
				w.r.callbackFailed(&w.r.callbacks.credentials, w.dt.cfg.Name, err)
			}
			c.unpaid(permit, token)
			err = scrub(providers.NewError(providers.Auth, fmt.Errorf("%w: %w", ErrCredentials, err)), secretsOf(w.dt, w.params, providers.Secret{}, p), w.r.rawErrors)
			w.record(Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Failed, Class: providers.Auth, Err: err, Retry: n - 1, Hedge: c.hedge}, time.Time{})
			return providers.Response{}, err, false
		}
		req.Credential = secret
		p.remember(secret)
	}

	if !time.Now().Before(c.until) {
		// The gates (a slow shared limiter, the credentials) took what
		// was left: not called, not paid, not counted against p.
		reason := w.noTime(c.until)
		c.notCalled(permit, token, n, reason)
		return providers.Response{}, errSkipped(reason), false
	}
	// From its start event to its end event the attempt is one of the
	// resolver's tasks: Close waits for it to settle (at once, as Close
	// cancels it) before the observer stops, so every EventAttemptStart
	// gets its EventAttempt.
	if !w.r.tasks.add(&w.r.attemptTask) {
		c.notCalled(permit, token, n, SkipClosed)
		return providers.Response{}, ErrClosed, false
	}
	start := time.Now()
	if w.r.obs != nil {
		w.r.observeCtx(w.events, Event{Kind: EventAttemptStart, Time: start, DataType: w.dt.cfg.Name, Params: w.r.redact(w.dt, w.params),
			Provider: p.name, Tier: p.cfg.Tier, Retry: n - 1, Hedge: c.hedge, Audit: w.auditing.Load(), Resolve: resolveIDOf(w.events, nil)})
	}
	actx, cancel := context.WithDeadline(c.ctx, start.Add(min(p.cfg.Timeout, c.until.Sub(start))))
	defer cancel()
	a := &pendingAttempt{c: c, n: n, retry: retry, permit: permit, token: token, credential: req.Credential, start: start, ctx: actx}
	w.started(a, Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Lost, Class: providers.Canceled, Cost: p.price, Retry: n - 1, Hedge: c.hedge, Audit: w.auditing.Load()})
	settled = true
	// The provider is called here, in the flight's goroutine. Should
	// actx end first (its timeout, a hedge won, Close), the watchdog
	// settles the attempt at once as abandoned and carries the flight on:
	// a provider that ignores its context holds only this goroutine,
	// never the walk.
	watchdog := context.AfterFunc(actx, func() {
		if !a.claim() {
			return
		}
		resp, err, next := a.settled(providers.Response{}, fmt.Errorf("%w: %w", errAbandoned, actx.Err()))
		if next {
			resp, err = c.from(n+1, true)
		} else {
			p.retries.end()
		}
		c.flight.end(resp, err)
	})
	var secrets []string
	if p.batch != nil {
		secrets = secretsOf(w.dt, w.params, req.Credential, p)
	}
	invoked = true
	resp, err = p.invoke(actx, req, secrets, &w.r.tasks, a.begin, release)
	watchdog()
	if !a.claim() {
		return providers.Response{}, errFlightEnded, false
	}
	return a.settled(resp, err)
}

// notCalled ends attempt n, admitted, before its provider was called:
// its breaker permit neutral, its cost refunded, its local rate-limit
// token (token: one was taken) given back, the skip recorded.
func (c *call) notCalled(permit breaker.Permit, token bool, n int, reason SkipReason) {
	c.unpaid(permit, token)
	c.w.skip(c.p, reason, n-1, c.hedge)
}

// unpaid ends an admitted attempt whose provider was not called: its
// breaker permit neutral, its cost refunded (not called: not paid), and
// the token of the provider's local rate limit taken for it (token)
// given back (not called: no request made).
func (c *call) unpaid(permit breaker.Permit, token bool) {
	permit.Done(breaker.Neutral)
	if c.w.budget != nil {
		c.w.budget.Refund(c.p.price)
	}
	if token {
		c.p.giveBack()
	}
}

// pendingAttempt is an attempt whose provider call is in progress: either
// the call's return or the watchdog (when the attempt's context ends
// first) settles it, once.
type pendingAttempt struct {
	c          *call
	n          int
	retry      bool // holds a retry-budget permit
	permit     breaker.Permit
	token      bool // a token of the provider's local rate limit was taken
	credential providers.Secret
	start      time.Time
	ctx        context.Context // the attempt's
	claimed    atomic.Bool
	timedOut   bool         // set by settle
	state      atomic.Int32 // callPending, callMade or callRefused
}

// An attempt's call: pending until invoke makes it (callMade) or settle,
// first, makes sure it never will be (callRefused), so that a call is
// paid exactly when it was made.
const (
	callPending int32 = iota
	callMade
	callRefused
)

// begin reports whether the provider may be called: the attempt was not
// settled first. A coalesced walk that no resolve waits for any more (unwanted) makes no
// call it has not made yet: nobody would get its answer, and nobody could
// report its cost (see walk.claim, which reads the state under the same
// lock).
func (a *pendingAttempt) begin() bool {
	if a.c == nil {
		return a.state.CompareAndSwap(callPending, callMade)
	}
	w := a.c.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.isUnwanted() {
		return false
	}
	return a.state.CompareAndSwap(callPending, callMade)
}

// claim reports whether the caller is the one to settle the attempt.
func (a *pendingAttempt) claim() bool { return a.claimed.CompareAndSwap(false, true) }

// settled settles the attempt (see settle), releases its retry permit
// and decides whether another attempt is due: when one is, it has waited out
// the delay and holds the next attempt's permit.
func (a *pendingAttempt) settled(resp providers.Response, err error) (providers.Response, error, bool) {
	c, p := a.c, a.c.p
	err, perr := a.settle(resp, err)
	c.w.r.tasks.done(&c.w.r.attemptTask)
	if a.retry {
		p.retries.release()
	}
	switch {
	case err == nil:
		return resp, nil, false
	case perr == nil: // not a failure to retry
		return providers.Response{}, err, false
	}
	delay, again := c.retryAfter(a.n, perr, perr.Class, a.timedOut)
	if !again {
		return providers.Response{}, err, false
	}
	if !p.retries.acquire() {
		c.w.skip(p, SkipRetryBudget, a.n, c.hedge)
		return providers.Response{}, err, false
	}
	if !c.wait(delay) {
		p.retries.release()
		return providers.Response{}, err, false
	}
	return providers.Response{}, err, true
}

// settle judges what the provider call returned and records it — the
// breaker, the throttle, health, fleet health, the walk's attempts. It
// returns nil for a valid answer, else the error reported for it
// (scrubbed) and, for a failure the retry policy judges, the failure
// (class and Retry-After) as a *providers.Error.
func (a *pendingAttempt) settle(resp providers.Response, err error) (reported error, perr *providers.Error) {
	c, n, permit := a.c, a.n, a.permit
	w, p := c.w, c.p
	latency := time.Since(a.start)
	a.timedOut = errors.Is(a.ctx.Err(), context.DeadlineExceeded)
	notCalled := a.state.CompareAndSwap(callPending, callRefused)
	if notCalled || errors.Is(err, errNotCalled) {
		// The provider was not called and never will be (Close came
		// between the debit and the call, or the attempt's context ended
		// first): not paid, not counted for or against it.
		c.unpaid(permit, a.token)
		reason := SkipClosed
		switch {
		case w.r.closed.Load():
		case w.isUnwanted():
			reason = SkipUnwanted
		default:
			reason = w.noTime(c.until)
		}
		w.settle(a, Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Skipped, Skip: reason, Retry: n - 1, Hedge: c.hedge}, time.Time{})
		return errSkipped(reason), nil
	}
	p.report(a.ctx, err)

	if err == nil {
		err = checkValue(w.dt, resp.Value)
	}
	if err == nil {
		err = checkObservedAt(resp.ObservedAt)
	}
	outcome := router.Outcome{At: a.start.Add(latency), Latency: latency, Cost: p.price, Quota: routerQuota(resp.Quota)}
	if err == nil {
		if ie := w.judge(p, resp, outcome.At); ie != nil {
			if ie.Audit && ie.Contradicts == 0 {
				// Held for an audit only: the check accepted it, and its
				// provider's health counts it as the answer it is — a
				// sample must not make the router shun the providers it
				// samples.
				p.authFailed.Store(false)
				permit.Done(breaker.Success)
				if p.throttle != nil {
					p.throttle.RecordSuccess()
				}
				outcome.OK, outcome.Valid = true, true
				w.r.tracker.Record(p.name, w.dt.cfg.Name, outcome)
			} else {
				// Not trusted on one provider's word, and not counted
				// against it either: it may be the first to see a real
				// change.
				permit.Done(breaker.Neutral)
				w.r.tracker.Charge(p.name, w.dt.cfg.Name, p.price)
			}
			reported := providers.NewError(providers.DataQuality, ie)
			w.settle(a, Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Failed, Class: providers.DataQuality, Err: reported, Latency: latency, Cost: p.price, Retry: n - 1, Hedge: c.hedge}, outcome.At)
			return reported, nil
		}
	}
	if err == nil {
		p.authFailed.Store(false)
		permit.Done(breaker.Success)
		if p.throttle != nil {
			p.throttle.RecordSuccess()
		}
		outcome.OK, outcome.Valid = true, true
		w.r.tracker.Record(p.name, w.dt.cfg.Name, outcome)
		w.settle(a, Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Succeeded, Latency: latency, Cost: p.price, Retry: n - 1, Hedge: c.hedge}, outcome.At)
		return nil, nil
	}

	class := providers.Classify(err)
	lost := false
	if c.ctx.Err() != nil && !a.timedOut || errors.Is(c.ctx.Err(), context.Canceled) || errors.Is(err, ErrClosed) {
		// The walk's context ended under the attempt: the caller left,
		// another hedged attempt won, or the resolver closed (Close
		// refuses the call before it cancels the walk). Not the
		// provider's fault.
		class = providers.Canceled
		lost = c.hedge || errors.Is(c.ctx.Err(), context.Canceled)
		if cause := context.Cause(c.ctx); errors.Is(cause, errAuditWait) {
			// Cut by the audit's wait (see holdForAudit): ours, not
			// the provider's; the error says so.
			err = fmt.Errorf("%w (%w)", err, cause)
		}
	} else if class == providers.Canceled {
		// The attempt timed out, or the provider cancelled itself (its
		// own context, a transport shut down): the caller did not give
		// up, so it is the provider's failure. Neutral, a provider that
		// always said so would be called, and paid, on every resolve.
		class = providers.Transient
	}
	if !errors.As(err, &perr) || perr == nil || perr.Class != class {
		perr = &providers.Error{Class: class, Err: err, RetryAfter: providers.RetryAfter(err)}
	}
	// A provider may echo its request in its error: cut the sensitive
	// values and the credential out of what the resolver reports.
	reported = scrub(perr, secretsOf(w.dt, w.params, a.credential, p), w.r.rawErrors)
	if class == providers.Auth {
		p.authFailed.Store(true) // until the provider answers again
	}
	if class.ProviderFault() {
		if until, ok := quotaHold(class, perr, outcome.At); ok {
			// A refusal for quota that says when to come back: the
			// provider is busy, not failing. The router keeps it out
			// until then (a quota of nothing left, believed at most
			// router.quota_max_age), and its breaker is not touched — a
			// few refusals in a recovery rush re-opened healthy
			// providers' breakers for minutes.
			permit.Done(breaker.Neutral)
			outcome.Quota = &router.Quota{Remaining: 0, Reset: until}
		} else {
			permit.Done(breaker.Failure)
		}
		if p.throttle != nil {
			p.throttle.RecordFailure()
		}
		outcome.Class = class.String()
		w.r.tracker.Record(p.name, w.dt.cfg.Name, outcome)
	} else if class == providers.Canceled {
		permit.Done(breaker.Neutral)
		// Made and paid for, though no outcome of the provider's: a hedge
		// that lost, a call its caller left. How long it ran is a lower
		// bound of the provider's latency, which the router learns when it
		// shows the provider slower than believed.
		outcome.Lost = true
		w.r.tracker.Record(p.name, w.dt.cfg.Name, outcome)
	} else {
		permit.Done(breaker.Neutral)
		w.r.tracker.Charge(p.name, w.dt.cfg.Name, p.price)
	}
	at := Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Failed, Class: class, Err: reported, Latency: latency, Cost: p.price, Retry: n - 1, Hedge: c.hedge}
	if lost {
		at.Outcome = Lost
	}
	w.settle(a, at, outcome.At)
	return reported, perr
}

// retryAfter decides whether attempt n, failed with class, is retried and
// after what delay. A retry that could not finish before until, or that
// the budget cannot pay for, is not made; the first is recorded as
// skipped, so the attempts say why the walk moved on.
func (c *call) retryAfter(n int, perr *providers.Error, class providers.Class, timedOut bool) (time.Duration, bool) {
	w, p := c.w, c.p
	var delay time.Duration
	switch {
	case !class.Retryable() || n >= p.retry.MaxAttempts || c.ctx.Err() != nil:
		return 0, false
	case class == providers.Auth:
		if c.refreshed || w.r.refresher == nil {
			return 0, false
		}
		c.refreshed = true
		rctx, cancel := context.WithDeadline(c.ctx, c.until) // as the credentials (see attempt)
		_, err := guarded(rctx, w.r, &w.r.callbacks.refresh, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, w.r.refresher.Refresh(ctx, p.name)
		})
		cancel()
		if err != nil {
			if errors.Is(err, ErrCallbackPanic) {
				w.r.callbackFailed(&w.r.callbacks.refresh, w.dt.cfg.Name, err)
			}
			return 0, false
		}
	default:
		delay = p.backoffDelay(n, perr, class, timedOut)
	}
	// Compared by subtraction: delay + latency can overflow (a Retry-After
	// of math.MaxInt64), and the sum would then fit any deadline.
	if left := time.Until(c.until); delay > left || left-delay < w.expectedLatency(p) {
		w.skip(p, w.noTime(c.until), n, c.hedge)
		return 0, false
	}
	if w.budget != nil && !w.budget.CanAfford(p.price) {
		return 0, false
	}
	return delay, true
}

// quotaHold reports, for a failure of class with its classified error
// perr at at, when the provider said to come back: a RateLimit with a
// Retry-After.
func quotaHold(class providers.Class, perr *providers.Error, at time.Time) (time.Time, bool) {
	if class != providers.RateLimit || perr == nil || perr.RetryAfter <= 0 {
		return time.Time{}, false
	}
	return at.Add(perr.RetryAfter), true
}

func routerQuota(q *providers.Quota) *router.Quota {
	if q == nil {
		return nil
	}
	return &router.Quota{Limit: q.Limit, Remaining: q.Remaining, Reset: q.Reset}
}
