package fallback

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/failsafe-go/failsafe-go"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/providers"
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

	mu       sync.Mutex // guards the fields below when attempts run concurrently (hedging)
	attempts []Attempt
	cost     float64

	ok            bool
	result        Result
	errs          []error
	budgetBlocked bool
}

// walkProviders tries the primary tier, then the secondary tier, until a
// provider answers a valid value. It caches and records the answer.
func (r *Resolver) walkProviders(ctx context.Context, dt *dataType, key string, params Params, deadline time.Time) *walk {
	w := &walk{r: r, dt: dt, key: key, params: params, deadline: deadline, budget: BudgetFrom(ctx)}
	if d, ok := ctx.Deadline(); !ok || d.After(deadline) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	for _, tier := range [...]struct {
		layer Layer
		provs []*provider
	}{{LayerPrimary, dt.primary}, {LayerSecondary, dt.secondary}} {
		if len(tier.provs) == 0 {
			continue
		}
		var tierErrs []error
		for _, p := range tier.provs {
			if ctx.Err() != nil {
				tierErrs = append(tierErrs, fmt.Errorf("%s: %w", p.name, ctx.Err()))
				break
			}
			resp, err := w.tryProvider(ctx, p)
			if err == nil {
				w.succeed(p, tier.layer, resp)
				return w
			}
			tierErrs = append(tierErrs, fmt.Errorf("%s: %w", p.name, err))
		}
		w.errs = append(w.errs, &LayerError{Layer: tier.layer, Err: errors.Join(tierErrs...)})
	}
	return w
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
	w.r.cache.Put(w.key, cache.Entry{
		Value:      resp.Value,
		ObservedAt: observed,
		StoredAt:   now,
		Source:     p.name,
		Confidence: p.cfg.Confidence,
		Layer:      uint8(layer),
	}, w.dt.cfg.TTL)
	// A history the host owns may fail; the answer stands regardless.
	_ = w.r.history.Append(context.Background(), w.key, stats.Observation{At: observed, Value: resp.Value})
}

// skip records a provider that was not called.
func (w *walk) skip(p *provider, reason SkipReason, retry int) {
	w.record(Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Skipped, Skip: reason, Retry: retry})
}

// record appends an attempt and reports it to the observer.
func (w *walk) record(a Attempt) {
	w.mu.Lock()
	w.attempts = append(w.attempts, a)
	w.cost += a.Cost
	w.mu.Unlock()
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
// error class, each attempt bounded by the provider's timeout and the
// walk's deadline, each paid from the budget.
func (w *walk) tryProvider(ctx context.Context, p *provider) (providers.Response, error) {
	if time.Until(w.deadline) < p.cfg.ExpectedLatency {
		w.skip(p, SkipNoTime, 0)
		return providers.Response{}, errSkipped(SkipNoTime)
	}
	if w.budget != nil && !w.budget.CanAfford(p.cfg.Cost) {
		w.budgetBlocked = true
		w.skip(p, SkipOverBudget, 0)
		return providers.Response{}, errSkipped(SkipOverBudget)
	}
	c := &call{w: w, p: p, ctx: ctx}
	resp, err := p.exec.WithContext(ctx).GetWithExecution(c.attempt)
	if err != nil {
		var d *retryDecision
		if errors.As(err, &d) {
			err = d.err
		}
		return providers.Response{}, err
	}
	return resp, nil
}

// call is one provider's part of a walk: the state its attempts share.
type call struct {
	w         *walk
	p         *provider
	ctx       context.Context
	refreshed bool
	hedge     bool
}

// attempt makes one attempt and decides whether the retry policy should
// retry it, and after what delay.
func (c *call) attempt(exec failsafe.Execution[providers.Response]) (providers.Response, error) {
	w, p := c.w, c.p
	n := exec.Attempts()
	if w.budget != nil && !w.budget.TryDebit(p.cfg.Cost) {
		w.budgetBlocked = true
		w.skip(p, SkipOverBudget, n-1)
		return providers.Response{}, &retryDecision{err: errSkipped(SkipOverBudget)}
	}
	req := providers.Request{DataType: w.dt.cfg.Name, Params: w.params}
	if w.r.creds != nil {
		secret, err := w.r.creds.Credential(c.ctx, p.name)
		if err != nil {
			err = providers.NewError(providers.Auth, fmt.Errorf("credentials: %w", err))
			w.record(Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Failed, Class: providers.Auth, Err: err, Cost: p.cfg.Cost, Retry: n - 1, Hedge: c.hedge})
			return providers.Response{}, &retryDecision{err: err}
		}
		req.Credential = secret
	}

	timeout := min(p.cfg.Timeout, time.Until(w.deadline))
	actx, cancel := context.WithTimeout(exec.Context(), timeout)
	start := time.Now()
	resp, err := p.invoke(actx, req, &w.r.tasks)
	latency := time.Since(start)
	timedOut := errors.Is(actx.Err(), context.DeadlineExceeded)
	cancel()

	if err == nil {
		err = checkValue(w.dt, resp.Value)
	}
	if err == nil {
		w.record(Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Succeeded, Latency: latency, Cost: p.cfg.Cost, Retry: n - 1, Hedge: c.hedge})
		return resp, nil
	}

	class := providers.Classify(err)
	if errors.Is(c.ctx.Err(), context.Canceled) {
		class = providers.Canceled // the caller left; not the provider's fault
	} else if timedOut && class == providers.Canceled {
		class = providers.Transient
	}
	var perr *providers.Error
	if !errors.As(err, &perr) || perr.Class != class {
		perr = &providers.Error{Class: class, Err: err, RetryAfter: providers.RetryAfter(err)}
	}
	w.record(Attempt{Provider: p.name, Tier: p.cfg.Tier, Outcome: Failed, Class: class, Err: perr, Latency: latency, Cost: p.cfg.Cost, Retry: n - 1, Hedge: c.hedge})

	d := &retryDecision{err: perr}
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
	if d.retry && w.budget != nil && !w.budget.CanAfford(p.cfg.Cost) {
		d.retry = false
	}
	return providers.Response{}, d
}
