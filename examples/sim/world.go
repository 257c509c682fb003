package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
	"github.com/strata-go/strata/stats"
)

// world is what one system runs against: its own fresh fakes, built from
// the same seeds as the other system's, the request counter that drives
// their faults, and the bill.
type world struct {
	sc      *scenario
	keys    []*simKey
	byCanon map[string]*simKey
	provs   []*simProvider

	issued atomic.Int64 // resolves started: the next request index
	calls  atomic.Int64 // requests that reached a provider
	spent  atomic.Int64 // their cost, in nano-units
}

// reqInfo travels with each resolve's context down to the providers:
// which request (its index, by which events are scheduled), for which key,
// billed to which campaign.
type reqInfo struct {
	index    int64
	key      *simKey
	campaign *campaign
}

type reqInfoKey struct{}

func withRequest(ctx context.Context, info *reqInfo) context.Context {
	return context.WithValue(ctx, reqInfoKey{}, info)
}

func requestFrom(ctx context.Context) *reqInfo {
	info, _ := ctx.Value(reqInfoKey{}).(*reqInfo)
	return info
}

// campaign is a run of one goroutine's consecutive resolves that share a
// budget. spent counts what every provider request made on its behalf
// cost, in both systems alike; budget is the strata budget (the baseline
// has none).
type campaign struct {
	budget *fallback.Budget
	spent  atomic.Int64 // nano-units
}

const nano = 1e9

func toNano(v float64) int64 { return int64(math.Round(v * nano)) }

// newWorld builds a world of fresh providers for sc.
func newWorld(sc *scenario, keys []*simKey) (*world, error) {
	w := &world{sc: sc, keys: keys, byCanon: make(map[string]*simKey, len(keys))}
	for _, k := range keys {
		w.byCanon[k.canon] = k
	}
	for i := range sc.Providers {
		p, err := newSimProvider(w, i)
		if err != nil {
			return nil, err
		}
		w.provs = append(w.provs, p)
	}
	return w, nil
}

// loadHistory appends every key's history to h through the History
// interface: t = 0 … points−1 at now − (points − t) × period, so that the
// last observation falls one period before now and the period holding now
// is t = points, the one the run's truth belongs to.
func (w *world) loadHistory(ctx context.Context, h stats.History, now time.Time) error {
	period := w.sc.History.Period
	for _, k := range w.keys {
		n := len(k.history)
		for t, v := range k.history {
			at := now.Add(-time.Duration(n-t) * period)
			if err := h.Append(ctx, k.canon, stats.Observation{At: at, Value: v}); err != nil {
				return fmt.Errorf("load history of %s: %w", k.canon, err)
			}
		}
	}
	return nil
}

// simProvider is a simulated provider: the fake does the latency, the
// error rate, the value and the faults; in front of it, the provider's own
// token bucket and the bill. It implements providers.Provider.
type simProvider struct {
	w      *world
	spec   *providerSpec
	index  int
	fake   *fake.Provider
	bucket *tokenBucket
	sched  schedule
	cost   int64 // nano-units per request
}

// hiddenParam carries "request index/key index" from simProvider.Fetch to
// the fake's ByRequest and ValueFunc, which see only the request.
const hiddenParam = "\x00sim"

var errRateLimited = errors.New("sim: over the provider's rate limit")

func newSimProvider(w *world, i int) (*simProvider, error) {
	sc := w.sc
	spec := &sc.Providers[i]
	p := &simProvider{w: w, spec: spec, index: i, cost: toNano(spec.Cost), sched: newSchedule(spec.Events, sc.Requests)}
	if r := spec.RateLimit; r != nil {
		p.bucket = newTokenBucket(r.PerSecond/sc.TimeScale, float64(r.Burst))
	}
	cfg := fake.Config{
		Name:      spec.Name,
		ValueFunc: p.value,
		ByRequest: p.byRequest,
		Latency:   fake.Latency{Median: sc.scale(spec.Latency.Median), P99: sc.scale(spec.Latency.P99)},
		Seed:      splitmix(sc.Seed ^ uint64(i+1)*0x632be59bd9b4e019),
	}
	if cfg.Latency.P99 < cfg.Latency.Median {
		cfg.Latency.P99 = cfg.Latency.Median // rounding of a tiny scale
	}
	if spec.ErrorRate > 0 {
		cfg.Errors = map[providers.Class]float64{spec.errClass: spec.ErrorRate}
	}
	f, err := fake.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("providers[%d]: %w", i, err)
	}
	p.fake = f
	return p, nil
}

// Fetch bills the request, applies the rate limit and hands the request,
// tagged with its request and key index, to the fake.
func (p *simProvider) Fetch(ctx context.Context, req providers.Request) (providers.Response, error) {
	info := requestFrom(ctx)
	var idx int64
	var key *simKey
	if info != nil {
		idx, key = info.index, info.key
	} else {
		// Not expected: both systems pass the resolve's context down.
		idx = p.w.issued.Load() - 1
		key = p.w.byCanon[canonicalKey(req.DataType, req.Params)]
	}
	if key == nil || key.dataType != req.DataType {
		return providers.Response{}, providers.Errorf(providers.Permanent, "sim: %s has no key %s %v", p.spec.Name, req.DataType, req.Params)
	}
	p.w.calls.Add(1)
	p.w.spent.Add(p.cost)
	if info != nil && info.campaign != nil {
		info.campaign.spent.Add(p.cost)
	}
	if p.bucket != nil {
		if ok, wait := p.bucket.take(time.Now()); !ok {
			return providers.Response{}, &providers.Error{Class: providers.RateLimit, Err: errRateLimited, RetryAfter: wait}
		}
	}
	params := make(map[string]string, len(req.Params)+1)
	for k, v := range req.Params {
		params[k] = v
	}
	params[hiddenParam] = strconv.FormatInt(idx, 10) + "/" + strconv.Itoa(key.index)
	return p.fake.Fetch(ctx, providers.Request{DataType: req.DataType, Params: params, Credential: req.Credential})
}

// tag reads the hidden param.
func tag(req providers.Request) (idx int64, key int, ok bool) {
	a, b, found := strings.Cut(req.Params[hiddenParam], "/")
	if !found {
		return 0, 0, false
	}
	i, err1 := strconv.ParseInt(a, 10, 64)
	k, err2 := strconv.Atoi(b)
	return i, k, err1 == nil && err2 == nil
}

// byRequest is the fake's ByRequest: the fault the schedule holds for the
// request's index.
func (p *simProvider) byRequest(req providers.Request) fake.Outcome {
	idx, _, ok := tag(req)
	if !ok {
		return fake.Outcome{}
	}
	return p.sched.outcome(idx)
}

// value is the fake's ValueFunc: truth × (1 + bias + noise × ε), with ε a
// function of the provider, the request index and the key.
func (p *simProvider) value(req providers.Request) float64 {
	idx, k, ok := tag(req)
	if !ok || k < 0 || k >= len(p.w.keys) {
		return math.NaN()
	}
	eps := hashNormal(p.w.sc.Seed, uint64(p.index), uint64(idx), uint64(k))
	return p.w.keys[k].truth * (1 + p.spec.Bias + p.spec.Noise*eps)
}

// schedule is a provider's events, by request index.
type schedule struct {
	events []event
}

type event struct {
	from, to int64 // request indexes, [from, to)
	kind     string
	class    providers.Class
	factor   float64
	period   int64
}

// The garbage a garbage event answers, in turn by request index from the
// event's start: NaN, +Inf, a negative value, a value 1000 times too
// large.
var garbageKinds = [...]fake.Garbage{fake.NaN, fake.PosInf, fake.Negative, fake.OutOfBounds}

func newSchedule(specs []eventSpec, requests int) schedule {
	var s schedule
	for _, e := range specs {
		s.events = append(s.events, event{
			from:   int64(math.Floor(e.From * float64(requests))),
			to:     int64(math.Floor(e.To * float64(requests))),
			kind:   e.Kind,
			class:  e.class,
			factor: e.Factor,
			period: int64(e.Period),
		})
	}
	return s
}

// outcome returns the fault for request idx: the first down, flapping
// (in a down phase) or garbage event holding it decides; otherwise the
// slow events holding it multiply the latency.
func (s schedule) outcome(idx int64) fake.Outcome {
	slow := 1.0
	for i := range s.events {
		e := &s.events[i]
		if idx < e.from || idx >= e.to {
			continue
		}
		switch e.kind {
		case eventDown:
			return fake.Fail(e.class)
		case eventFlapping:
			if ((idx-e.from)/e.period)%2 == 0 {
				return fake.Fail(e.class)
			}
		case eventGarbage:
			return fake.Return(garbageKinds[(idx-e.from)%int64(len(garbageKinds))])
		case eventSlow:
			slow *= e.factor
		}
	}
	if slow != 1 {
		return fake.Slow(slow)
	}
	return fake.Outcome{}
}

// tokenBucket is a provider's rate limit: rate tokens per real second (the
// virtual rate divided by the time scale), up to burst. It is safe for
// concurrent use.
type tokenBucket struct {
	rate, burst float64

	mu     sync.Mutex
	tokens float64   // requires mu held
	last   time.Time // requires mu held
}

func newTokenBucket(rate, burst float64) *tokenBucket {
	return &tokenBucket{rate: rate, burst: burst, tokens: burst}
}

// take takes a token at now if there is one; otherwise it reports how long
// until there will be.
func (b *tokenBucket) take(now time.Time) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last.IsZero() || now.After(b.last) {
		if !b.last.IsZero() {
			b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		}
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}
