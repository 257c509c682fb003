package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
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

	mu sync.Mutex
	// answered holds every value a provider answered (through the fake's
	// ValueFunc), by its bits: how the report tells a returned value's
	// provenance, whichever layer served it. Requires mu held.
	answered map[uint64]*provenance
}

// provenance is where a provider's value came from: the request index it
// answered, and the event kind when it was in-bounds garbage (unit, zero,
// frozen), else "".
type provenance struct {
	indexes []int64 // the requests at which a provider answered it, ascending
	kind    string
}

// note records that a provider answered v at request idx, as garbage of
// kind ("" when it is not).
func (w *world) note(v float64, idx int64, kind string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.answered == nil {
		w.answered = map[uint64]*provenance{}
	}
	pv := w.answered[math.Float64bits(v)]
	if pv == nil {
		pv = &provenance{}
		w.answered[math.Float64bits(v)] = pv
	}
	i, _ := slices.BinarySearch(pv.indexes, idx)
	pv.indexes = slices.Insert(pv.indexes, i, idx)
	pv.kind = kind
}

// provenanceOf returns where v, served at request served, came from: the
// latest request at or before it at which a provider answered v, and of
// what kind; ok false if no provider had answered v by then. A request
// index is taken as a resolve starts, so a resolve can be served a walk
// that a resolve started just after it began: when v was first answered
// after served, within the scenario's concurrency of it, that answer is
// the one.
func (w *world) provenanceOf(v float64, served int64) (index int64, kind string, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	pv := w.answered[math.Float64bits(v)]
	if pv == nil {
		return 0, "", false
	}
	i, found := slices.BinarySearch(pv.indexes, served)
	if !found {
		if i == 0 {
			if w.sc != nil && pv.indexes[0]-served <= int64(w.sc.Concurrency) {
				return pv.indexes[0], pv.kind, true
			}
			return 0, "", false
		}
		i--
	}
	return pv.indexes[i], pv.kind, true
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
	p := &simProvider{w: w, spec: spec, index: i, cost: toNano(spec.Cost), sched: newSchedule(spec.Events, sc.Requests, w.keys)}
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
// request's index and key.
func (p *simProvider) byRequest(req providers.Request) fake.Outcome {
	idx, k, ok := tag(req)
	if !ok {
		return fake.Outcome{}
	}
	return p.sched.outcome(idx, k)
}

// value is the fake's ValueFunc: the provider's answer, or the in-bounds
// garbage an event holding the request makes of it; either is noted in
// the world.
func (p *simProvider) value(req providers.Request) float64 {
	idx, k, ok := tag(req)
	if !ok || k < 0 || k >= len(p.w.keys) {
		return math.NaN()
	}
	v, kind := p.answer(idx, k), ""
	if e, _ := p.sched.decider(idx, k); e != nil {
		switch e.kind {
		case eventUnit:
			v, kind = v*e.factor, e.kind
		case eventZero:
			v, kind = 0, e.kind
		case eventFrozen:
			v, kind = p.answer(e.from, k), e.kind
		case eventDrift:
			// Not in-bounds garbage by kind: nothing tells a drifted
			// answer from a real move but the truth, which the MAPE
			// and the garbage count judge it against.
			v *= math.Pow(e.factor, float64(idx-e.from)/float64(e.to-e.from))
		}
	}
	p.w.note(v, idx, kind)
	return v
}

// answer is what the provider answers for key k at request idx when
// nothing is wrong: truth × (1 + bias + noise × ε), the truth at idx and
// ε a function of the provider, the request index and the key.
func (p *simProvider) answer(idx int64, k int) float64 {
	eps := hashNormal(p.w.sc.Seed, uint64(p.index), uint64(idx), uint64(k))
	return p.w.keys[k].truthAt(idx) * (1 + p.spec.Bias + p.spec.Noise*eps)
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
	keys     []bool // by key index, the keys the event holds for; nil: every key
}

// The garbage a garbage event answers, in turn by request index from the
// event's start: NaN, +Inf, a negative value, a value 1000 times too
// large.
var garbageKinds = [...]fake.Garbage{fake.NaN, fake.PosInf, fake.Negative, fake.OutOfBounds}

func newSchedule(specs []eventSpec, requests int, keys []*simKey) schedule {
	var s schedule
	for _, e := range specs {
		ev := event{
			from:   eventIndex(e.From, requests),
			to:     eventIndex(e.To, requests),
			kind:   e.Kind,
			class:  e.class,
			factor: e.Factor,
			period: int64(e.Period),
		}
		if len(e.Match) > 0 {
			ev.keys = make([]bool, len(keys))
			for i, k := range keys {
				ev.keys[i] = e.Match.selects(k.params)
			}
		}
		s.events = append(s.events, ev)
	}
	return s
}

// decider returns the event that decides request idx for key k — the
// first down, flapping (in a down phase), garbage, unit, zero, frozen or
// drift event holding it — or nil, and the product of the factors of the slow
// events holding it.
func (s schedule) decider(idx int64, k int) (*event, float64) {
	var decides *event
	slow := 1.0
	for i := range s.events {
		e := &s.events[i]
		if idx < e.from || idx >= e.to || e.keys != nil && (k < 0 || k >= len(e.keys) || !e.keys[k]) {
			continue
		}
		switch {
		case e.kind == eventSlow:
			slow *= e.factor
		case decides != nil:
		case e.kind != eventFlapping || ((idx-e.from)/e.period)%2 == 0:
			decides = e
		}
	}
	return decides, slow
}

// outcome returns the fault for request idx of key k: a down or flapping
// event fails it and a garbage event answers garbage the bounds reject,
// at once; otherwise the call answers (a unit, zero, frozen or drift event
// makes the value wrong, in value), slowed by the slow events holding it.
func (s schedule) outcome(idx int64, k int) fake.Outcome {
	e, slow := s.decider(idx, k)
	if e != nil {
		switch e.kind {
		case eventDown, eventFlapping:
			return fake.Fail(e.class)
		case eventGarbage:
			return fake.Return(garbageKinds[(idx-e.from)%int64(len(garbageKinds))])
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
