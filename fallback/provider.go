package fallback

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/failsafe-go/failsafe-go/adaptivethrottler"
	"golang.org/x/time/rate"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/internal/sat"
	"github.com/strata-go/strata/providers"
)

// provider is a registered provider with its policy stack, built once in
// New and shared by every resolve.
type provider struct {
	name  string
	index int
	cfg   ProviderConfig
	retry RetryConfig
	impl  providers.Provider

	// retries bounds retries and hedges to a share of the provider's
	// requests in flight.
	retries *retryBudget
	// task names the goroutine of a call to it, for Close's report.
	task *taskKind

	breaker *fleetBreaker
	limiter *rate.Limiter   // nil: no rate limit
	slots   chan struct{}   // nil: no concurrency limit
	batch   *batcher        // nil: no batching
	allowed map[string]bool // nil: every param; else the params it may receive
	price   float64         // what one request costs: Cost, or Batch.ItemCost when batching
	// throttle is the client-side adaptive throttler; nil when off.
	throttle adaptivethrottler.AdaptiveThrottler[providers.Response]
	// called hears what each call said of the provider (see report), for
	// fleet health; nil when it is off.
	called func(failed bool)
	// authFailed is set while the provider's latest failure was an Auth
	// one: this instance's credential, not the provider, was refused, and
	// the breaker opening it leads to is not the fleet's (see announce).
	authFailed atomic.Bool

	secretsMu sync.Mutex
	secrets   [2]string // requires secretsMu: the last credentials seen, newest first

	rngMu sync.Mutex
	rng   *rand.Rand // requires rngMu held; jitter only
}

func newProvider(cfg ProviderConfig, index int, impl providers.Provider, seed uint64, bc breaker.Config, t *tasks, life context.Context) (*provider, error) {
	p := &provider{
		price: charged(cfg.Cost),
		name:  cfg.Name,
		index: index,
		cfg:   cfg,
		retry: *cfg.Retry,
		impl:  impl,
		rng:   rand.New(rand.NewPCG(seed, uint64(index)+0x9e3779b97f4a7c15)),
	}
	p.retries = &retryBudget{ratio: p.retry.BudgetRatio, min: p.retry.BudgetMinConcurrency}
	p.task = &taskKind{name: "provider " + cfg.Name}
	b, err := breaker.New(bc)
	if err != nil {
		return nil, err
	}
	p.breaker = &fleetBreaker{Breaker: b}
	if rl := cfg.RateLimit; rl.PerSecond > 0 {
		p.limiter = rate.NewLimiter(rate.Limit(rl.PerSecond), rl.Burst)
	}
	if cfg.MaxConcurrent > 0 {
		p.slots = make(chan struct{}, cfg.MaxConcurrent)
	}
	if th := cfg.Throttle; th.Enabled {
		p.throttle = adaptivethrottler.NewBuilder[providers.Response]().
			WithFailureRateThreshold(1-1/th.K, uint(th.MinRequests), th.Window).
			WithMaxRejectionRate(th.MaxRejection).
			Build()
	}
	if len(cfg.Params) > 0 {
		p.allowed = make(map[string]bool, len(cfg.Params))
		for _, name := range cfg.Params {
			p.allowed[name] = true
		}
	}
	if bp, ok := impl.(providers.BatchProvider); ok && cfg.Batch.MaxSize > 1 {
		p.batch = &batcher{name: cfg.Name, bp: bp, max: cfg.Batch.MaxSize, window: cfg.Batch.Window, tasks: t, task: &taskKind{name: "batch " + cfg.Name}, life: life}
		p.price = charged(cfg.Batch.ItemCost)
	}
	return p, nil
}

// capacity returns the share of the provider's rate limit left, in [0, 1]:
// 1 without a limit.
func (p *provider) capacity(now time.Time) float64 {
	if p.limiter == nil {
		return 1
	}
	t := p.limiter.TokensAt(now)
	if t < 1 {
		return 0
	}
	return min(1, t/float64(p.limiter.Burst()))
}

// giveBack returns to the local rate limit the token taken for an
// attempt that was not made. x/time/rate's Reservation.Cancel restores
// only a reservation not yet due, so the token goes back as an event of
// −1 at now: the bucket, advanced to now, gains one, and never holds more
// than its burst (each later event caps it first).
func (p *provider) giveBack() {
	if p.limiter != nil {
		p.limiter.AllowN(time.Now(), -1)
	}
}

// acquireSlot takes a concurrency slot, reporting false when the bulkhead
// is full.
func (p *provider) acquireSlot() bool {
	if p.slots == nil {
		return true
	}
	select {
	case p.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (p *provider) releaseSlot() {
	if p.slots != nil {
		<-p.slots
	}
}

// backoffDelay returns the delay before retry number n (1 for the first
// retry) after a failure of class, before the deadline check.
func (p *provider) backoffDelay(n int, err error, class providers.Class, timedOut bool) time.Duration {
	rc := &p.retry
	if class == providers.RateLimit {
		if ra := providers.RetryAfter(err); ra > 0 {
			return ra
		}
	}
	if class == providers.Auth {
		return 0 // credentials were refreshed: retry at once
	}
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(rc.BaseDelay),
		backoff.WithMaxInterval(rc.MaxDelay),
		backoff.WithMultiplier(rc.Multiplier),
		backoff.WithRandomizationFactor(0), // jitter is ours, from a seeded source
		backoff.WithMaxElapsedTime(0),
	)
	d := b.NextBackOff()
	for i := 1; i < n; i++ {
		d = b.NextBackOff()
	}
	switch {
	case class == providers.RateLimit:
		d = scaled(d, rc.RateLimitFactor)
	case timedOut:
		d = scaled(d, rc.TimeoutFactor)
	}
	return p.jitter(d)
}

// jitter applies the configured jitter to d.
func (p *provider) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	switch p.retry.Jitter {
	case JitterNone:
		return d
	case JitterFull:
		p.rngMu.Lock()
		f := p.rng.Float64()
		p.rngMu.Unlock()
		return scaled(d, f)
	default:
		p.rngMu.Lock()
		f := p.rng.Float64()*2 - 1
		p.rngMu.Unlock()
		return scaled(d, 1+p.retry.JitterFraction*f)
	}
}

// scaled returns d × f for f ≥ 0, at most the longest duration: a delay
// that wrapped to zero or negative would retry at once.
func scaled(d time.Duration, f float64) time.Duration {
	return sat.FromFloat[time.Duration](float64(d) * f)
}

// invokeResult carries a batched provider call's answer to its caller.
type invokeResult struct {
	resp providers.Response
	err  error
}

// errAbandoned marks a provider call that did not return when its
// context ended: the attempt is settled without it, and the goroutine the
// call holds is left to finish on its own.
var errAbandoned = errors.New("provider did not return after its context ended")

// errNotCalled is what invoke returns when it did not call the provider:
// Close had begun, or the attempt was settled first. It matches
// ErrClosed.
var errNotCalled = fmt.Errorf("%w: the provider was not called", ErrClosed)

// invoke calls the provider in the calling goroutine — a flight's (see
// flight), which a watchdog releases should the provider not return when
// ctx ends — tracked as one of p's tasks so that Close can say it
// abandoned it. An answer that comes after ctx ended is late and refused.
// begin is asked right before the call: when it says no (the attempt was
// settled meanwhile: see pendingAttempt.state), or Close has begun,
// nothing is called and invoke returns errNotCalled. release frees the
// call's bulkhead slot once the provider returned (or was not called): by
// the time invoke returns, or, for a batch, when the batch's FetchBatch
// returns — an abandoned request's batch may still be out. secrets are
// what the call's resolve must not report, for a batch to keep out of the
// other requests' errors.
func (p *provider) invoke(ctx context.Context, req providers.Request, secrets []string, t *tasks, begin func() bool, release func()) (providers.Response, error) {
	if p.batch != nil {
		if !begin() {
			release()
			return providers.Response{}, errNotCalled
		}
		return p.batch.submit(ctx, req, secrets, release)
	}
	defer release()
	if !t.add(p.task) {
		return providers.Response{}, errNotCalled
	}
	defer t.done(p.task)
	if !begin() {
		return providers.Response{}, errNotCalled
	}
	resp, err := p.fetch(ctx, req)
	if err == nil && ctx.Err() != nil {
		return providers.Response{}, fmt.Errorf("answer arrived after the attempt's deadline: %w", ctx.Err())
	}
	return resp, err
}

// report tells fleet health (p.called) what a call said of p: an answer;
// a failure when p erred by its own fault (providers.Class.ProviderFault,
// or a cancellation the caller did not make) or did not answer before the
// attempt's deadline; nothing when the
// caller left (ctx cancelled), the resolver closed, or p refused this
// instance's credential (Auth: the others' may be good). The value is judged
// later (bounds, plausibility): an answer counts as one here.
func (p *provider) report(ctx context.Context, err error) {
	switch {
	case p.called == nil || errors.Is(err, ErrClosed) || errors.Is(ctx.Err(), context.Canceled):
	case err == nil:
		p.called(false)
	case providers.Classify(err) == providers.Auth:
		// This instance's credential was refused: the others' may not be.
	case providers.Classify(err) == providers.RateLimit && providers.RetryAfter(err) > 0:
		// Busy, not failing: it said when to come back (see quotaHold).
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || providers.Classify(err) != providers.Permanent:
		p.called(true)
	}
}

// fetch calls the provider, turning a panic into a DataQuality error.
func (p *provider) fetch(ctx context.Context, req providers.Request) (resp providers.Response, err error) {
	defer func() {
		if v := recover(); v != nil {
			resp, err = providers.Response{}, providers.Errorf(providers.DataQuality, "provider %q panicked: %v", p.name, v)
		}
	}()
	return p.impl.Fetch(ctx, req)
}

// checkValue validates a response for the data type: a finite value
// within bounds. It returns a DataQuality error otherwise.
func checkValue(dt *dataType, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return providers.Errorf(providers.DataQuality, "value %v is not finite", v)
	}
	if !dt.cfg.Bounds.Contains(v) {
		return providers.Errorf(providers.DataQuality, "value %v outside bounds [%v, %v]", v, dt.cfg.Bounds.Min, dt.cfg.Bounds.Max)
	}
	return nil
}

// checkObservedAt validates a response's observation time: the zero time
// means now (and a time in the future is taken as now), but one before it,
// before the year 1, is no time a source measured anything at. It returns
// a DataQuality error for one: served, it was a Result that json.Marshal
// refuses, and cached, an answer that made every Export fail.
func checkObservedAt(t time.Time) error {
	if t.Before(time.Time{}) {
		return providers.Errorf(providers.DataQuality, "observed at %v, before the year 1", t)
	}
	return nil
}

// remember notes a credential p was given, keeping the one before too.
func (p *provider) remember(s providers.Secret) {
	if s.IsZero() {
		return
	}
	v := s.Reveal()
	p.secretsMu.Lock()
	if p.secrets[0] != v {
		p.secrets[1], p.secrets[0] = p.secrets[0], v
	}
	p.secretsMu.Unlock()
}

// knownSecrets returns the credentials p was last given.
func (p *provider) knownSecrets() []string {
	p.secretsMu.Lock()
	defer p.secretsMu.Unlock()
	var out []string
	for _, v := range p.secrets {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
