package fallback

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/strata-go/strata/breaker"
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
	typeList   []*dataType // the same, in config order, for lookup
	providers  []*provider
	byName     map[string]*provider
	cache      *cache.Cache
	accept     cache.Acceptance
	history    stats.History
	forecaster *stats.Forecaster
	defaults   *defaults.Engine
	obs        Observer
	creds      providers.Credentials
	refresher  providers.Refresher
	tracker    *router.Tracker
	rtr        *router.Router
	store      cache.Store   // nil: no shared tier
	limiter    SharedLimiter // nil: local rate limits only

	flights singleflight.Group
	tasks   tasks
	closed  atomic.Bool
	started time.Time // with a monotonic reading: the base of now()
	metrics metrics

	refreshSlots chan struct{} // bounds background refreshes
	refreshing   sync.Map      // key → struct{}: refreshes in flight
	hashKey      []byte        // keys sensitive values' hashes
	memo         *forecastMemo // each key's last forecast
	gate         *appendGate   // one history observation per key and period
	stop         chan struct{} // closed by Close: stops the janitor
}

// dataType is a declared data type, compiled.
type dataType struct {
	cfg       DataTypeConfig
	schema    *schema
	primary   []*provider
	secondary []*provider
	metrics   *typeMetrics
	decay     cache.Decay     // of cfg.HalfLife
	pools     [2]*router.Pool // primary, secondary: the router's view of each tier

	ttl      atomic.Int64 // the TTL in force (learned when adaptive)
	rateMu   sync.Mutex
	rateEWMA float64 // requires rateMu: mean relative change per second
	rateSeen bool    // requires rateMu
}

// currentTTL returns the data type's TTL in force.
func (dt *dataType) currentTTL() time.Duration { return time.Duration(dt.ttl.Load()) }

// learn feeds an observed change of a key's value into the adaptive TTL.
func (dt *dataType) learn(prev *cache.Entry, v float64, at time.Time) {
	at2 := dt.cfg.AdaptiveTTL
	if !at2.Enabled || prev == nil || prev.Value == 0 {
		return
	}
	dtSec := at.Sub(prev.ObservedAt).Seconds()
	if dtSec <= 0 {
		return
	}
	rate := math.Abs(v-prev.Value) / math.Abs(prev.Value) / dtSec
	dt.rateMu.Lock()
	if dt.rateSeen {
		dt.rateEWMA = at2.Smoothing*rate + (1-at2.Smoothing)*dt.rateEWMA
	} else {
		dt.rateEWMA, dt.rateSeen = rate, true
	}
	r := dt.rateEWMA
	dt.rateMu.Unlock()
	ttl := at2.Max
	if r > 0 {
		ttl = time.Duration(min(float64(at2.Max), at2.Tolerance/r*float64(time.Second)))
	}
	dt.ttl.Store(int64(max(at2.Min, ttl)))
}

// New validates cfg, registers the providers given by options and returns
// a ready Resolver. Every problem of the config is reported, each as a
// *ConfigError naming its field, joined; so is a provider declared but not
// registered, or registered but not declared.
func New(cfg Config, opts ...Option) (*Resolver, error) {
	o := options{providers: map[string]providers.Provider{}}
	for _, opt := range opts {
		opt(&o)
	}
	c, p := cfg.withDefaults()
	for _, name := range o.dupProvider {
		p.add("providers", "provider %q registered twice or with a nil implementation", name)
	}
	declared := make(map[string]bool, len(c.Providers))
	for i, pc := range c.Providers {
		declared[pc.Name] = true
		if _, ok := o.providers[pc.Name]; !ok && pc.Name != "" {
			p.add(fmt.Sprintf("providers[%d]", i), "provider %q is declared but has no implementation (use WithProvider)", pc.Name)
		}
	}
	for name := range o.providers {
		if !declared[name] {
			p.add("providers", "provider %q is registered with WithProvider but not declared in the config", name)
		}
	}
	if len(o.hashKey) == 0 {
		for i, dc := range c.DataTypes {
			for j, pp := range dc.Params {
				if pp.Sensitive {
					p.add(fmt.Sprintf("data_types[%d].params[%d].sensitive", i, j), "a sensitive param needs a hash key for cache keys (use WithHashKey)")
				}
			}
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}

	seed := o.seed
	if !o.seeded {
		seed = uint64(time.Now().UnixNano())
	}
	r := &Resolver{
		cfg:    c,
		types:  make(map[string]*dataType, len(c.DataTypes)),
		byName: make(map[string]*provider, len(c.Providers)),
		accept: cache.Acceptance{
			ConfidenceWeight: c.Cache.Acceptance.ConfidenceWeight,
			FreshnessWeight:  c.Cache.Acceptance.FreshnessWeight,
			Threshold:        c.Cache.Acceptance.Threshold,
		},
		obs:     o.observer,
		creds:   o.credentials,
		started: time.Now(),
		hashKey: o.hashKey,
		stop:    make(chan struct{}),
	}
	if rf, ok := o.credentials.(providers.Refresher); ok {
		r.refresher = rf
	}
	r.store, r.limiter = o.store, o.limiter
	var err error
	if r.tracker, err = router.NewTracker(c.Router); err != nil {
		return nil, &ConfigError{Field: "router", Msg: err.Error()}
	}
	if r.rtr, err = router.NewRouter(c.Router); err != nil {
		return nil, &ConfigError{Field: "router", Msg: err.Error()}
	}
	for i, pc := range c.Providers {
		bc := c.Breaker
		if pc.Breaker != nil {
			bc = *pc.Breaker
		}
		bc.OnStateChange = r.breakerObserver(pc.Name, bc.OnStateChange)
		pr, err := newProvider(pc, i, o.providers[pc.Name], seed, bc, &r.tasks)
		if err != nil {
			return nil, &ConfigError{Field: fmt.Sprintf("providers[%d].breaker", i), Msg: err.Error()}
		}
		r.providers = append(r.providers, pr)
		r.byName[pc.Name] = pr
		if err := r.tracker.Register(router.Profile{Name: pc.Name, Confidence: pc.Confidence, ExpectedLatency: pc.ExpectedLatency, Cost: pr.price}); err != nil {
			return nil, &ConfigError{Field: fmt.Sprintf("providers[%d]", i), Msg: err.Error()}
		}
	}

	rules := make(map[string]defaults.Rule)
	for di, dc := range c.DataTypes {
		dt := &dataType{cfg: dc, schema: compileSchema(dc, o.hashKey), metrics: new(typeMetrics), decay: cache.DecayOf(dc.HalfLife)}
		dt.ttl.Store(int64(dc.TTL))
		if len(dc.Primary) == 0 && len(dc.Secondary) == 0 {
			for _, pr := range r.providers {
				if !serves(pr.cfg, dc.Name) {
					continue
				}
				if pr.cfg.Tier == Primary {
					dt.primary = append(dt.primary, pr)
				} else {
					dt.secondary = append(dt.secondary, pr)
				}
			}
		} else {
			for _, n := range dc.Primary {
				dt.primary = append(dt.primary, r.byName[n])
			}
			for _, n := range dc.Secondary {
				dt.secondary = append(dt.secondary, r.byName[n])
			}
		}
		for i, tier := range [...][]*provider{dt.primary, dt.secondary} {
			members := make([]router.Member, len(tier))
			for j, pr := range tier {
				members[j] = router.Member{Name: pr.name, Order: j, Cost: pr.price}
			}
			pool, err := router.NewPool(r.tracker, r.rtr, dc.Name, members)
			if err != nil {
				return nil, &ConfigError{Field: fmt.Sprintf("data_types[%d]", di), Msg: err.Error()} // unreachable: the config was validated
			}
			dt.pools[i] = pool
		}
		r.types[dc.Name] = dt
		r.typeList = append(r.typeList, dt)
		if dc.Default != nil {
			rule := defaults.Rule{Base: dc.Default.Base}
			for _, s := range dc.Default.Segments {
				rule.Segments = append(rule.Segments, defaults.Segment{Match: s.Match, Base: s.Base})
			}
			rules[dc.Name] = rule
		}
	}

	r.defaults, err = defaults.New(defaults.Config{
		Rules:             rules,
		Market:            o.market,
		User:              o.user,
		BaseConfidence:    c.Defaults.BaseConfidence,
		SegmentConfidence: c.Defaults.SegmentConfidence,
	})
	if err != nil {
		return nil, &ConfigError{Field: "defaults", Msg: err.Error()}
	}
	r.forecaster, err = stats.New(c.Forecast.Model)
	if err != nil {
		return nil, &ConfigError{Field: "forecast.model", Msg: err.Error()}
	}
	r.history = o.history
	if r.history == nil {
		if r.history, err = stats.NewMemoryHistory(c.Forecast.History); err != nil {
			return nil, &ConfigError{Field: "forecast.history", Msg: err.Error()}
		}
	}
	r.refreshSlots = make(chan struct{}, c.Cache.RefreshConcurrency)
	r.memo = newForecastMemo(c.Forecast.MemoCapacity)
	r.gate = newAppendGate(c.Forecast.MemoCapacity)
	if c.Retention > 0 && r.tasks.add() {
		go r.janitor(r.stop)
	}
	r.cache, err = cache.New(cache.Config{MaxCost: c.Cache.MaxCost, LastGoodCapacity: c.Cache.LastGoodCapacity, NegativeCapacity: c.Cache.NegativeCapacity})
	if err != nil {
		return nil, &ConfigError{Field: "cache", Msg: err.Error()}
	}
	return r, nil
}

// breakerObserver reports a provider's breaker transitions to the
// observer, then to the host's own callback from the config, if any.
func (r *Resolver) breakerObserver(name string, user func(breaker.StateChange)) func(breaker.StateChange) {
	return func(sc breaker.StateChange) {
		if r.obs != nil {
			r.obs.Observe(Event{Kind: EventBreaker, Time: sc.At, Provider: name, From: sc.From.String(), To: sc.To.String(), Source: sc.Reason})
		}
		if user != nil {
			user(sc)
		}
	}
}

// allowRate takes one request of p's rate limit: the fleet-wide one when
// a SharedLimiter is set (falling back to the local bucket if it fails),
// else the local bucket.
func (r *Resolver) allowRate(ctx context.Context, p *provider) bool {
	if p.limiter == nil {
		return true
	}
	if r.limiter != nil {
		ok, err := r.limiter.Allow(ctx, "provider:"+p.name, p.cfg.RateLimit.PerSecond, p.cfg.RateLimit.Burst)
		if err == nil {
			return ok
		}
	}
	return p.limiter.Allow()
}

// storeSet writes a good answer to the shared tier, bounded in time and
// detached from the caller: its failure never fails a resolve.
func (r *Resolver) storeSet(key string, e cache.Entry, dt *dataType) {
	if r.store == nil {
		return
	}
	ttl := dt.currentTTL()
	if r.cfg.Retention > 0 {
		// The shared tier deletes by itself what the retention forbids.
		ttl = min(ttl, r.cfg.Retention)
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.Cache.StoreTimeout)
	defer cancel()
	_ = r.store.Set(ctx, key, e, ttl)
}

// storeGet reads the shared tier, bounded by the store timeout and the
// caller's context. Any failure is a miss.
func (r *Resolver) storeGet(ctx context.Context, key string) (cache.Entry, bool) {
	if r.store == nil {
		return cache.Entry{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Cache.StoreTimeout)
	defer cancel()
	e, ok, err := r.store.Get(ctx, key)
	if err != nil || !ok {
		return cache.Entry{}, false
	}
	return e, true
}

func serves(pc ProviderConfig, dataType string) bool {
	for _, d := range pc.DataTypes {
		if d == dataType {
			return true
		}
	}
	return false
}

// Close stops everything the resolver started and waits for it: walks
// running for coalesced callers and provider calls still in flight (all of
// which have been cancelled; a provider that ignores its context delays
// Close until it returns). Resolves after Close fail with ErrClosed. Close
// is idempotent.
func (r *Resolver) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	close(r.stop)
	r.tasks.close()
	r.cache.Close()
	return nil
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
// with an error wrapping context.Canceled. When no layer can answer the
// error is a *ResolveError (ErrNoAnswer) joining each layer's cause, and
// matching ErrBudgetExhausted when the budget kept the providers out.
func (r *Resolver) Resolve(ctx context.Context, dataType string, params Params) (res Result, err error) {
	if r.closed.Load() {
		return Result{}, ErrClosed
	}
	dt, ok := r.lookupType(dataType)
	if !ok {
		return Result{}, &DataTypeError{DataType: dataType}
	}
	// The hot path: the read-through tier is keyed by the key's hash. The
	// key is built from the params in a stack buffer, hashed and compared
	// with the entry's own, so a hit allocates nothing; and since only
	// validated params ever get a key stored, a hit needs no value checks
	// (an unknown or empty param, or a missing required one, cannot build
	// a stored key). Sensitive keys carry an HMAC: they take the full path.
	var buf [8]string
	vals := buf[:0]
	if n := len(dt.schema.specs); n > len(buf) {
		vals = make([]string, n)
	} else {
		vals = buf[:n]
	}
	hotChecked := false
	if !dt.schema.hasSensitive && dt.schema.collect(params, vals) {
		hotChecked = true
		var kb [128]byte
		b := dt.schema.appendKey(kb[:0], vals)
		if e, ok := r.cache.Hot(b); ok {
			// One clock reading: the entry's age, from which the
			// time now is worked out only if something needs it.
			if age := time.Since(e.StoredAt); age < dt.currentTTL() {
				r.hit(&res, dt, e, params, age, time.Time{})
				return res, nil
			}
		}
	}
	if err := dt.schema.validateInto(params, vals); err != nil {
		return Result{}, err
	}
	now := r.now()
	key := dt.schema.keyOf(vals)
	fresh := r.cache.Fresh
	if hotChecked {
		fresh = r.cache.FreshStored // the read-through tier missed above
	}
	if e, ok := fresh(key, dt.currentTTL(), now); ok {
		r.hit(&res, dt, e, params, now.Sub(e.StoredAt), now)
		return res, nil
	}
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("fallback: resolve %q: %w", dataType, err)
	}
	res, err = r.resolveMiss(ctx, dt, key, params, now)
	r.metrics.latency.observe(r.now().Sub(now))
	r.count(dt, res.Layer, err != nil)
	r.finish(dt, params, &res, err, now)
	return res, err
}

// lookupType finds a data type by name: by comparing names while there
// are few, which is a third of a map lookup's time (a cache hit's
// budget is counted in nanoseconds), else in the map.
func (r *Resolver) lookupType(name string) (*dataType, bool) {
	if len(r.typeList) <= 8 {
		for _, dt := range r.typeList {
			if dt.cfg.Name == name {
				return dt, true
			}
		}
		return nil, false
	}
	dt, ok := r.types[name]
	return dt, ok
}

// hit answers a resolve from a fresh, stored cache entry of the given age
// (since it was stored). now is the time the resolve started, or zero for
// "StoredAt + age", worked out only when the latency is sampled or an
// observer is told.
func (r *Resolver) hit(res *Result, dt *dataType, e *cache.Entry, params Params, age time.Duration, now time.Time) {
	if ra := dt.cfg.RefreshAhead; ra > 0 && age >= ra {
		r.refreshAhead(dt, e.Key(), params)
	}
	*res = entryResult(e, e.Freshness(dt.decay, e.ObservedAge(age)))
	sampled := dt.metrics.hit()%latencySample == 0 // one in latencySample per stripe
	if sampled || r.obs != nil {
		if now.IsZero() {
			now = e.StoredAt.Add(age)
		}
		if sampled {
			r.metrics.latency.observeN(r.now().Sub(now), latencySample)
		}
		r.finish(dt, params, res, nil, now)
	}
}

// now returns the current time from the monotonic clock: the start time
// plus the monotonic time since. It reads the clock once, where time.Now
// reads it twice (wall and monotonic) — a third of a cache hit's time on
// some machines. The wall reading drifts from the system's only if the
// system clock is stepped.
func (r *Resolver) now() time.Time { return r.started.Add(time.Since(r.started)) }

// refreshAhead starts a background refresh of key, unless one is running
// or every refresh slot is taken. The refresh walks the providers as a
// resolve would, with the resolver's default deadline and no budget, and
// caches what it gets; Close waits for it.
func (r *Resolver) refreshAhead(dt *dataType, key string, params Params) {
	if _, running := r.refreshing.LoadOrStore(key, struct{}{}); running {
		return
	}
	select {
	case r.refreshSlots <- struct{}{}:
	default:
		r.refreshing.Delete(key)
		return
	}
	if !r.tasks.add() {
		<-r.refreshSlots
		r.refreshing.Delete(key)
		return
	}
	owned := make(Params, len(params)) // the caller may reuse its map
	for k, v := range params {
		owned[k] = v
	}
	go func() {
		defer r.tasks.done()
		defer func() { <-r.refreshSlots; r.refreshing.Delete(key) }()
		deadline := time.Now().Add(r.cfg.Resolve.Deadline)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		r.walkProviders(ctx, dt, key, owned, deadline.Add(-min(r.cfg.Resolve.Reserve, r.cfg.Resolve.Deadline/4)))
	}()
}

// cachedResult is the Result of a cache entry at now.
func cachedResult(e *cache.Entry, dt *dataType, now time.Time) Result {
	return entryResult(e, dt.decay.Freshness(now.Sub(e.ObservedAt)))
}

// entryResult is the Result of a cache entry of freshness f.
func entryResult(e *cache.Entry, f float64) Result {
	return Result{
		Value:      e.Value,
		Layer:      LayerCache,
		Source:     e.Source,
		Confidence: e.Confidence * f,
		Freshness:  f,
		ObservedAt: e.ObservedAt,
	}
}

// resolveMiss walks the providers (shared with concurrent resolves of the
// key), then the local layers.
func (r *Resolver) resolveMiss(ctx context.Context, dt *dataType, key string, params Params, now time.Time) (Result, error) {
	deadline, has := ctx.Deadline()
	if !has {
		deadline = now.Add(r.cfg.Resolve.Deadline)
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	reserve := min(r.cfg.Resolve.Reserve, deadline.Sub(now)/4)
	walkDeadline := deadline.Add(-reserve)

	// The shared tier: another instance may have paid for this answer.
	if e, ok := r.storeGet(ctx, key); ok && now.Sub(e.StoredAt) < dt.currentTTL() {
		r.cache.Put(key, e, dt.currentTTL())
		return cachedResult(&e, dt, now), nil
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
	shared := false
	if r.cfg.Resolve.DisableCoalescing {
		w = r.walkProviders(ctx, dt, key, params, walkDeadline)
	} else {
		w, shared = r.coalescedWalk(ctx, dt, key, params, walkDeadline)
	}
	if err := ctx.Err(); errors.Is(err, context.Canceled) {
		return Result{}, fmt.Errorf("fallback: resolve %q: %w", dt.cfg.Name, err)
	}

	var attempts []Attempt
	var cost float64
	var errs []error
	if w != nil {
		if !shared {
			attempts, cost = w.attempts, w.cost
		}
		if !w.ok && w.notFound() && dt.cfg.NegativeTTL > 0 {
			r.cache.PutNegative(key, now.Add(dt.cfg.NegativeTTL))
		}
		errs = w.errs
		if w.ok {
			res := w.result
			res.Attempts, res.Cost, res.Shared = attempts, cost, shared
			return res, nil
		}
	} else {
		errs = append(errs, &LayerError{Layer: LayerPrimary, Err: errors.New("providers did not answer before the deadline")})
	}

	res, lerrs := r.localLayers(ctx, dt, key, params, time.Now())
	res.Attempts, res.Cost, res.Shared = attempts, cost, shared
	if lerrs == nil {
		return res, nil
	}
	errs = append(errs, lerrs...)
	if w != nil && w.budgetBlocked {
		errs = append(errs, ErrBudgetExhausted)
	}
	return Result{Attempts: attempts, Cost: cost}, &ResolveError{DataType: dt.cfg.Name, Attempts: attempts, Errs: errs}
}

// coalescedWalk shares one walk through the providers among concurrent
// resolves of key. The walk runs with the first caller's deadline and
// budget, detached from its cancellation; every caller waits for it only
// until its own walk deadline, then goes on to the local layers alone.
// shared reports whether this caller got another's walk.
func (r *Resolver) coalescedWalk(ctx context.Context, dt *dataType, key string, params Params, walkDeadline time.Time) (*walk, bool) {
	var leader atomic.Bool
	ch := r.flights.DoChan(key, func() (any, error) {
		leader.Store(true)
		if !r.tasks.add() {
			return (*walk)(nil), ErrClosed
		}
		defer r.tasks.done()
		wctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), walkDeadline)
		defer cancel()
		return r.walkProviders(wctx, dt, key, params, walkDeadline), nil
	})
	timer := time.NewTimer(time.Until(walkDeadline))
	defer timer.Stop()
	select {
	case res := <-ch:
		w, _ := res.Val.(*walk)
		return w, !leader.Load()
	case <-ctx.Done():
	case <-timer.C:
	}
	// Our part of the deadline is over; the walk may still finish for the
	// others. Take it if it just did.
	select {
	case res := <-ch:
		w, _ := res.Val.(*walk)
		return w, !leader.Load()
	default:
		return nil, !leader.Load()
	}
}

// localLayers tries the layers that need no provider: an acceptable
// cached answer, a forecast, the default. It returns the per-layer causes
// when none answers.
func (r *Resolver) localLayers(ctx context.Context, dt *dataType, key string, params Params, now time.Time) (Result, []error) {
	var errs []error

	// Layer 3: the last good answer, if fresh and trusted enough.
	if e, ok := r.cache.LastGood(key); ok {
		res := cachedResult(e, dt, now)
		score, accepted := r.accept.Accept(e.Confidence, res.Freshness)
		if accepted {
			return res, nil
		}
		errs = append(errs, &LayerError{Layer: LayerCache, Err: fmt.Errorf("cached answer from %s not accepted: score %.3f below %.3f (confidence %.2f, freshness %.3f)",
			e.Source, score, r.accept.Threshold, e.Confidence, res.Freshness)})
	} else {
		errs = append(errs, &LayerError{Layer: LayerCache, Err: errors.New("no cached answer")})
	}

	// Layer 4: a forecast from the key's history.
	var series []float64
	var lastAt time.Time
	obs, herr := r.history.Observations(ctx, key)
	if herr == nil && len(obs) > 0 {
		var last int64
		series, last = stats.Regularize(obs, dt.cfg.Period, r.cfg.Forecast.MaxPoints)
		lastAt = obs[len(obs)-1].At
		if !r.cfg.Forecast.Disabled {
			period := dt.cfg.Period.Index(now)
			h := int(max(period-last, 1))
			res, err, ok := r.memo.get(key, len(obs), lastAt, period)
			if !ok {
				res, err = r.forecast(dt, series, h, lastAt, now)
				r.memo.put(key, memoEntry{n: len(obs), lastAt: lastAt, period: period, res: res, err: err})
			}
			if err == nil {
				res.ObservedAt = now
				res.Freshness = dt.decay.Freshness(now.Sub(lastAt))
				return res, nil
			}
			errs = append(errs, &LayerError{Layer: LayerStatistical, Err: err})
		}
	} else if herr != nil {
		errs = append(errs, &LayerError{Layer: LayerStatistical, Err: fmt.Errorf("history: %w", herr)})
	} else {
		errs = append(errs, &LayerError{Layer: LayerStatistical, Err: errors.New("no history")})
	}

	// Layer 5: the default engine.
	ans, err := r.defaults.Default(ctx, defaults.Query{DataType: dt.cfg.Name, Params: params, History: series})
	if err != nil {
		errs = append(errs, &LayerError{Layer: LayerDefault, Err: err})
		return Result{}, errs
	}
	res := Result{
		Value:      ans.Value,
		Layer:      LayerDefault,
		Source:     "default:" + ans.From,
		Confidence: ans.Confidence,
		ObservedAt: now,
		Default:    &DefaultDetail{From: ans.From, Base: ans.Base, Segment: ans.Segment},
	}
	for _, a := range ans.Adjustments {
		res.Default.Adjustments = append(res.Default.Adjustments, Adjustment{Name: a.Name, Factor: a.Factor, Guessed: a.Guessed})
	}
	if ans.From == "history" {
		res.Freshness = dt.decay.Freshness(now.Sub(lastAt))
	}
	return res, nil
}

// forecast answers from a forecast h periods past the series' end.
func (r *Resolver) forecast(dt *dataType, series []float64, h int, lastAt, now time.Time) (Result, error) {
	fc, err := r.forecaster.Forecast(series, dt.cfg.Season, h)
	if err != nil {
		return Result{}, err
	}
	conf := fc.Confidence()
	v := fc.Mean[h-1]
	if err := checkValue(dt, v); err != nil {
		return Result{}, fmt.Errorf("forecast by %s rejected: %w", fc.Model, err)
	}
	if conf < r.cfg.Forecast.MinConfidence {
		return Result{}, fmt.Errorf("forecast by %s not accepted: confidence %.3f below %.3f", fc.Model, conf, r.cfg.Forecast.MinConfidence)
	}
	res := Result{
		Value:      v,
		Layer:      LayerStatistical,
		Source:     "stats:" + fc.Model,
		Confidence: conf,
		Freshness:  dt.decay.Freshness(now.Sub(lastAt)),
		ObservedAt: now,
	}
	for _, iv := range fc.Intervals {
		res.Intervals = append(res.Intervals, Interval{Level: iv.Level, Lower: iv.Lower[h-1], Upper: iv.Upper[h-1]})
	}
	return res, nil
}

// finish reports a resolve to the observer.
func (r *Resolver) finish(dt *dataType, params Params, res *Result, err error, start time.Time) {
	if r.obs == nil {
		return
	}
	r.obs.Observe(Event{
		Kind:       EventResolve,
		Time:       time.Now(),
		DataType:   dt.cfg.Name,
		Params:     r.redact(dt, params),
		Layer:      res.Layer,
		Source:     res.Source,
		Value:      res.Value,
		Confidence: res.Confidence,
		Cost:       res.Cost,
		Latency:    time.Since(start),
		Shared:     res.Shared,
		Err:        err,
	})
}

// tasks tracks the goroutines the resolver starts, so Close can wait for
// them; once closed it refuses new ones.
type tasks struct {
	mu     sync.Mutex
	closed bool // requires mu held
	wg     sync.WaitGroup
}

func (t *tasks) add() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.wg.Add(1)
	return true
}

func (t *tasks) done() { t.wg.Done() }

func (t *tasks) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.wg.Wait()
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
	if err := dt.schema.validate(params); err != nil {
		return "", err
	}
	return dt.schema.key(params), nil
}
