package fake

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/strata-go/strata/providers"
)

// Provider is a scriptable fake providers.Provider. It is safe for
// concurrent use, including its controls (Force, SetDown, SetSlow, ...)
// while calls are in flight.
//
// For each call the fake consults these rules in order, under its lock;
// the first that decides wins:
//
//  1. the Outcome set with Force (or SetDown, SetGarbage);
//  2. Config.ByRequest;
//  3. the Config.Script step for the call's index;
//  4. the first Config.Outages window that holds the call;
//  5. Config.Quota: a RateLimit refusal once the allowance is spent;
//  6. the random rates: Config.Errors, Garbage, PanicRate, HangRate;
//  7. success, with Config.Value or Config.ValueFunc.
//
// Slow outcomes are not decisions: those of every rule that holds for the
// call (a slow window among the outages, say) and SetSlow multiply its
// latency, whichever rule decides what it does. The call then waits its
// latency on a real timer (virtual inside a testing/synctest bubble),
// honouring its context, and answers. A context that is done before the
// call answers makes it fail at once with a *providers.Error wrapping
// ctx.Err() (class Canceled for context.Canceled, Transient for
// context.DeadlineExceeded, as providers.Classify says); so does a Hang
// once its context is done.
//
// Determinism: every call takes the same draws from the seeded generator,
// whichever rule decides it (one uniform draw when any rate is set, one
// normal draw when the latency is lognormal), in the order the calls reach
// the fake. Sequential calls are exactly reproducible from the Seed. With
// concurrent callers, which goroutine gets the n-th call is up to the
// scheduler, but the n-th call still gets the n-th draws, so counts over a
// script, an outage by call index or a quota are exact.
type Provider struct {
	name      string
	value     float64
	valueFunc func(providers.Request) float64
	age       time.Duration
	lat       latency
	rates     []rate // cumulative, in class then garbage then panic, hang order
	rateTotal float64
	retry     time.Duration
	script    []Step // Times normalised to at least 1
	scriptLen int64
	repeat    bool
	outages   []Outage // Do normalised
	quota     Quota
	byRequest func(providers.Request) Outcome
	trackKeys bool
	needNow   bool // a rule reads the clock when planning
	start     time.Time
	injected  error
	exhausted error

	mu          sync.Mutex
	rng         *rand.Rand // requires mu
	forced      Outcome
	slow        float64
	calls       int64
	successes   int64
	garbage     int64
	panics      int64
	hangs       int64
	failures    [len(providers.Classes)]int64
	inFlight    int64
	maxInFlight int64
	batches     int64
	batched     int64
	maxBatch    int
	quotaWindow int64
	quotaUsed   int64
	keys        map[string]int64
}

type rate struct {
	upTo float64
	do   Outcome
}

type latency struct {
	fixed     time.Duration
	lognormal bool
	mu, sigma float64 // of ln(latency in ns)
	max       time.Duration
}

// draw returns one latency; requires the owner's mu held (it uses rng).
func (l *latency) draw(rng *rand.Rand) time.Duration {
	if !l.lognormal {
		return l.fixed
	}
	ns := math.Exp(l.mu + l.sigma*rng.NormFloat64())
	if l.max > 0 && ns > float64(l.max) {
		return l.max
	}
	if ns >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(ns)
}

// New returns a fake provider for cfg, or an error wrapping
// ErrInvalidConfig that names the offending field.
func New(cfg Config) (*Provider, error) {
	if err := validate(&cfg); err != nil {
		return nil, err
	}
	p := &Provider{
		name:      cfg.Name,
		value:     cfg.Value,
		valueFunc: cfg.ValueFunc,
		age:       cfg.Age,
		retry:     cfg.RetryAfter,
		repeat:    cfg.RepeatScript,
		quota:     cfg.Quota,
		byRequest: cfg.ByRequest,
		trackKeys: cfg.TrackKeys,
		start:     time.Now(),
		rng:       rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		slow:      1,
	}
	if p.name == "" {
		p.name = "fake"
	}
	p.injected = fmt.Errorf("%w by %q", ErrInjected, p.name)
	p.exhausted = fmt.Errorf("%w at %q", ErrQuotaExhausted, p.name)

	l := cfg.Latency
	p.lat = latency{fixed: l.Median, max: l.Max}
	if l.P99 > l.Median {
		p.lat.lognormal = true
		p.lat.mu = math.Log(float64(l.Median))
		p.lat.sigma = (math.Log(float64(l.P99)) - p.lat.mu) / z99
	} else if l.Max > 0 && p.lat.fixed > l.Max {
		p.lat.fixed = l.Max
	}

	// Build the cumulative rate table in a fixed order, never map order,
	// so the Seed alone decides the draws.
	add := func(r float64, o Outcome) {
		if r > 0 {
			p.rateTotal += r
			p.rates = append(p.rates, rate{upTo: p.rateTotal, do: o})
		}
	}
	for _, c := range providers.Classes {
		add(cfg.Errors[c], Fail(c))
	}
	for g := NaN; g <= OutOfBounds; g++ {
		add(cfg.Garbage[g], Return(g))
	}
	add(cfg.PanicRate, Panic())
	add(cfg.HangRate, Hang())

	for _, s := range cfg.Script {
		if s.Times == 0 {
			s.Times = 1
		}
		p.script = append(p.script, s)
		// Saturated: steps of math.MaxInt calls ("forever") would wrap
		// the sum negative, and every call would fall past the script.
		p.scriptLen += min(int64(s.Times), math.MaxInt64-p.scriptLen)
	}
	for _, o := range cfg.Outages {
		if o.Do == (Outcome{}) {
			o.Do = Fail(providers.Unavailable)
		}
		if o.Start > 0 || o.End > 0 {
			p.needNow = true
		}
		p.outages = append(p.outages, o)
	}
	if p.quota.Limit > 0 && p.quota.Window > 0 {
		p.needNow = true
	}
	if p.trackKeys {
		p.keys = make(map[string]int64)
	}
	return p, nil
}

// Name returns the provider's name (Config.Name, default "fake").
func (p *Provider) Name() string { return p.name }

// plan is what one call will do, decided under the lock.
type plan struct {
	kind       outcomeKind // kindSucceed, kindFail, kindGarbage, kindPanic or kindHang
	class      providers.Class
	garbage    Garbage
	latency    time.Duration
	retryAfter time.Duration
	cause      error
	index      int64
	hasQuota   bool
	quota      providers.Quota
}

// consider applies the outcome of one rule that holds for the call: a Slow
// outcome stretches the latency whether or not the call is decided yet;
// any other outcome decides the call unless an earlier rule did.
func (pl *plan) consider(o Outcome, decided *bool, factor *float64) {
	switch {
	case o.kind == kindSlow:
		*factor *= o.factor
	case o.kind != kindPass && !*decided:
		pl.kind, pl.class, pl.garbage = o.kind, o.class, o.garbage
		*decided = true
	}
}

// plan decides the next call; requires p.mu held.
func (p *Provider) plan(byReq Outcome, now time.Time) plan {
	pl := plan{index: p.calls}
	p.calls++

	// Draw first, whatever rule decides, so scripts and outages do not
	// shift the random stream.
	var random Outcome
	if p.rateTotal > 0 {
		u := p.rng.Float64()
		for _, r := range p.rates {
			if u < r.upTo {
				random = r.do
				break
			}
		}
	}
	lat := p.lat.draw(p.rng)

	elapsed := now.Sub(p.start)
	var reset time.Time
	if p.quota.Limit > 0 && p.quota.Window > 0 {
		w := int64(elapsed / p.quota.Window)
		if w != p.quotaWindow {
			p.quotaWindow, p.quotaUsed = w, 0
		}
		reset = p.start.Add(time.Duration(w+1) * p.quota.Window)
	}

	factor, decided := p.slow, false
	pl.consider(p.forced, &decided, &factor)
	pl.consider(byReq, &decided, &factor)
	pl.consider(p.scriptStep(pl.index), &decided, &factor)
	for i := range p.outages {
		if o := &p.outages[i]; o.holds(pl.index, elapsed) {
			pl.consider(o.Do, &decided, &factor)
		}
	}
	if !decided && p.quota.Limit > 0 && p.quotaUsed >= p.quota.Limit {
		pl.kind, pl.class, pl.cause = kindFail, providers.RateLimit, p.exhausted
		pl.retryAfter = p.retry
		if !reset.IsZero() {
			pl.retryAfter = reset.Sub(now)
		}
		decided = true
	}
	pl.consider(random, &decided, &factor)
	if !decided {
		pl.kind = kindSucceed
	}

	switch pl.kind {
	case kindFail:
		if pl.cause == nil {
			pl.cause = p.injected
			if pl.class == providers.RateLimit {
				pl.retryAfter = p.retry
			}
		}
	case kindSucceed, kindGarbage:
		if p.quota.Limit > 0 {
			p.quotaUsed++
			pl.hasQuota = true
			pl.quota = providers.Quota{Limit: p.quota.Limit, Remaining: max(0, p.quota.Limit-p.quotaUsed), Reset: reset}
		}
	case kindHang:
		p.hangs++
	}
	if factor != 1 {
		f := float64(lat) * factor
		if f >= math.MaxInt64 {
			lat = math.MaxInt64
		} else {
			lat = time.Duration(f)
		}
	}
	pl.latency = lat
	return pl
}

// scriptStep returns the script's outcome for call idx; requires p.mu held.
func (p *Provider) scriptStep(idx int64) Outcome {
	if p.scriptLen == 0 {
		return Outcome{}
	}
	if idx >= p.scriptLen {
		if !p.repeat {
			return Outcome{}
		}
		idx %= p.scriptLen
	}
	for _, s := range p.script {
		if idx < int64(s.Times) {
			return s.Do
		}
		idx -= int64(s.Times)
	}
	return Outcome{}
}

func (o *Outage) holds(idx int64, elapsed time.Duration) bool {
	if o.FromCall > 0 || o.ToCall > 0 {
		if idx < o.FromCall || (o.ToCall > 0 && idx >= o.ToCall) {
			return false
		}
	}
	if o.Start > 0 || o.End > 0 {
		if elapsed < o.Start || (o.End > 0 && elapsed >= o.End) {
			return false
		}
	}
	return true
}

// enter records a Fetch or FetchBatch call starting; requires p.mu held.
func (p *Provider) enter() {
	p.inFlight++
	p.maxInFlight = max(p.maxInFlight, p.inFlight)
}

// Fetch answers req as the rules say (see Provider).
func (p *Provider) Fetch(ctx context.Context, req providers.Request) (providers.Response, error) {
	var byReq Outcome
	if p.byRequest != nil {
		byReq = p.byRequest(req)
	}
	var key string
	if p.trackKeys {
		key = requestKey(req)
	}
	var now time.Time
	if p.needNow {
		now = time.Now()
	}

	p.mu.Lock()
	pl := p.plan(byReq, now)
	p.enter()
	if p.trackKeys {
		p.keys[key]++
	}
	p.mu.Unlock()

	if pl.kind == kindHang {
		<-ctx.Done()
		return p.failed(ctx.Err(), 1)
	}
	if err := wait(ctx, pl.latency); err != nil {
		return p.failed(err, 1)
	}
	return p.answer(req, &pl, 1)
}

// answer carries out a plan whose latency has passed, recording the
// result; leaving is how many in-flight calls it ends (0 inside a batch).
func (p *Provider) answer(req providers.Request, pl *plan, leaving int64) (providers.Response, error) {
	switch pl.kind {
	case kindPanic:
		p.mu.Lock()
		p.panics++
		p.inFlight -= leaving
		p.mu.Unlock()
		panic(fmt.Errorf("%w by %q (call %d)", ErrPanic, p.name, pl.index))
	case kindFail:
		p.mu.Lock()
		p.failures[pl.class]++
		p.inFlight -= leaving
		p.mu.Unlock()
		return providers.Response{}, &providers.Error{Class: pl.class, Err: pl.cause, RetryAfter: pl.retryAfter}
	}
	v := p.value
	if p.valueFunc != nil {
		v = p.valueFunc(req)
	}
	if pl.kind == kindGarbage {
		v = pl.garbage.apply(v)
	}
	resp := providers.Response{Value: v}
	if p.age > 0 {
		resp.ObservedAt = time.Now().Add(-p.age)
	}
	if pl.hasQuota {
		q := pl.quota
		resp.Quota = &q
	}
	p.mu.Lock()
	p.successes++
	if pl.kind == kindGarbage {
		p.garbage++
	}
	p.inFlight -= leaving
	p.mu.Unlock()
	return resp, nil
}

// failed records a call ended by its context and returns its error.
func (p *Provider) failed(ctxErr error, leaving int64) (providers.Response, error) {
	err := ctxError(ctxErr)
	p.mu.Lock()
	p.failures[err.Class]++
	p.inFlight -= leaving
	p.mu.Unlock()
	return providers.Response{}, err
}

func ctxError(err error) *providers.Error {
	return &providers.Error{Class: providers.Classify(err), Err: err}
}

// wait waits d on a timer, or until ctx is done, whichever is first.
func wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// requestKey renders the data type and the params, sorted, as one string.
func requestKey(req providers.Request) string {
	var buf [8]string
	keys := buf[:0]
	n := len(req.DataType)
	for k, v := range req.Params {
		keys = append(keys, k)
		n += len(k) + len(v) + 2
	}
	slices.Sort(keys)
	var b strings.Builder
	b.Grow(n)
	b.WriteString(req.DataType)
	for _, k := range keys {
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(req.Params[k])
	}
	return b.String()
}
